package hardware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// Reading is one value a Source read at one tick. Name is the series it
// belongs to, parameters as key=value ("gpu_power/gpu=0"), and Unit is a
// base unit ("bytes", "watts", "ratio").
type Reading struct {
	Name  string
	Unit  string
	Value float64
}

// Source is something a Sampler reads at every tick. An error is recorded
// (once per distinct message) and sampling goes on. A Source that also
// implements io.Closer is closed when the sampler stops.
type Source interface {
	Sample(ctx context.Context) ([]Reading, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context) ([]Reading, error)

func (f SourceFunc) Sample(ctx context.Context) ([]Reading, error) { return f(ctx) }

// Samples are the time series a sampler recorded, for run.json.
type Samples struct {
	IntervalSeconds float64   `json:"interval_seconds"`
	Start           time.Time `json:"start"`
	Seconds         float64   `json:"seconds"`
	Series          []Series  `json:"series"`
	Problems        []string  `json:"problems,omitempty"`
}

// Series is one named quantity over time. T holds seconds since the
// sampler started, V the values. When a long run fills MaxPoints, pairs
// of neighbours are merged (time of the first, larger value), so the
// series keeps its envelope; Peak and Mean are over every reading.
type Series struct {
	Name    string    `json:"name"`
	Unit    string    `json:"unit"`
	Peak    float64   `json:"peak"`
	Mean    float64   `json:"mean"`
	Samples int       `json:"samples"`
	T       []float64 `json:"t"`
	V       []float64 `json:"v"`
	sum     float64
}

// Peak returns the highest value of the named series and whether there
// was one.
func (s Samples) Peak(name string) (float64, bool) {
	for _, se := range s.Series {
		if se.Name == name {
			return se.Peak, se.Samples > 0
		}
	}
	return 0, false
}

// MaxPoints is how many points a series keeps before it is thinned.
const MaxPoints = 2048

// Sampler reads its sources every interval from Start until Stop.
type Sampler struct {
	interval time.Duration
	sources  []Source

	mu       sync.Mutex
	start    time.Time
	series   map[string]*Series
	problems []string
	seenErr  map[string]bool

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	result Samples
}

// NewSampler returns a sampler over sources; it does nothing until Start.
func NewSampler(interval time.Duration, sources ...Source) *Sampler {
	if interval <= 0 {
		interval = time.Second
	}
	return &Sampler{interval: interval, sources: sources, series: map[string]*Series{}, seenErr: map[string]bool{}}
}

// Start takes the first sample at once and then one per interval, in a
// goroutine of its own, until Stop or until ctx ends.
func (s *Sampler) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	s.start = time.Now()
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.interval)
		defer t.Stop()
		for {
			s.tick(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (s *Sampler) tick(ctx context.Context) {
	for _, src := range s.sources {
		rs, err := src.Sample(ctx)
		at := time.Since(s.start).Seconds()
		s.mu.Lock()
		if err != nil && ctx.Err() == nil && !s.seenErr[err.Error()] {
			s.seenErr[err.Error()] = true
			s.problems = append(s.problems, fmt.Sprintf("at %.1fs: %v", at, err))
		}
		for _, r := range rs {
			s.add(at, r)
		}
		s.mu.Unlock()
	}
}

func (s *Sampler) add(at float64, r Reading) {
	se := s.series[r.Name]
	if se == nil {
		se = &Series{Name: r.Name, Unit: r.Unit, Peak: r.Value}
		s.series[r.Name] = se
	}
	se.Samples++
	se.sum += r.Value
	se.Peak = max(se.Peak, r.Value)
	if len(se.T) >= MaxPoints {
		thin(se)
	}
	se.T = append(se.T, at)
	se.V = append(se.V, r.Value)
}

// thin merges neighbouring points pairwise, keeping the larger value.
func thin(se *Series) {
	n := len(se.T) / 2
	for i := range n {
		se.T[i] = se.T[2*i]
		se.V[i] = max(se.V[2*i], se.V[2*i+1])
	}
	if len(se.T)%2 == 1 {
		se.T[n], se.V[n] = se.T[len(se.T)-1], se.V[len(se.V)-1]
		n++
	}
	se.T, se.V = se.T[:n], se.V[:n]
}

// Snapshot returns the series so far without stopping, for a run that
// writes run.json as it goes.
func (s *Sampler) Snapshot() Samples {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Sampler) snapshotLocked() Samples {
	out := Samples{IntervalSeconds: s.interval.Seconds(), Start: s.start.UTC(), Seconds: time.Since(s.start).Seconds(), Problems: append([]string(nil), s.problems...)}
	names := make([]string, 0, len(s.series))
	for n := range s.series {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		se := *s.series[n]
		se.T = append([]float64(nil), se.T...)
		se.V = append([]float64(nil), se.V...)
		if se.Samples > 0 {
			se.Mean = se.sum / float64(se.Samples)
		}
		out.Series = append(out.Series, se)
	}
	return out
}

// Stop ends sampling, closes the sources that hold resources, and returns
// the series. Calling it again returns the same series.
func (s *Sampler) Stop() Samples {
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
			<-s.done
		}
		for _, src := range s.sources {
			if c, ok := src.(io.Closer); ok {
				c.Close()
			}
		}
		s.mu.Lock()
		s.result = s.snapshotLocked()
		if s.start.IsZero() {
			s.result.Start, s.result.Seconds = time.Time{}, 0
		}
		s.mu.Unlock()
	})
	return s.result
}

// ProcessTreeRSS samples the resident memory of process pid and all its
// descendants (an engine started through a shell, its workers), as the
// series "rss/<label>" in bytes; label defaults to "pid=<pid>".
func ProcessTreeRSS(label string, pid int32) Source {
	if label == "" {
		label = fmt.Sprintf("pid=%d", pid)
	}
	name := "rss/" + label
	return SourceFunc(func(ctx context.Context) ([]Reading, error) {
		rss, err := TreeRSS(ctx, pid)
		if err != nil {
			return nil, err
		}
		return []Reading{{Name: name, Unit: "bytes", Value: float64(rss)}}, nil
	})
}

// TreeRSS sums the resident set size of a process and all its
// descendants. Processes that exit while it walks are skipped.
func TreeRSS(ctx context.Context, pid int32) (uint64, error) {
	root, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	var total uint64
	queue := []*process.Process{root}
	seen := map[int32]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p.Pid] {
			continue
		}
		seen[p.Pid] = true
		mi, err := p.MemoryInfoWithContext(ctx)
		if err != nil {
			if p == root {
				return 0, fmt.Errorf("process %d: %w", pid, err)
			}
			continue
		}
		total += mi.RSS
		kids, err := p.ChildrenWithContext(ctx)
		if err != nil && !errors.Is(err, process.ErrorNoChildren) {
			continue
		}
		queue = append(queue, kids...)
	}
	return total, nil
}
