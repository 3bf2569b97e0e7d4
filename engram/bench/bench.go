// Package bench measures the Engram lookup engine (engram/store) against
// the machine's gather ceiling, in the same process and on the same table
// memory, and measures how much of the lookup a prefetch pipeline hides
// behind a simulated compute step.
//
// Timings on a shared machine drift, so every figure that is a ratio is
// measured interleaved: short slices of the engine and of the probe
// alternate, and the ratio reported is the median of the per-round ratios.
package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/engrambench/engrambench/engram/store"
)

// Probe measures the machine's random row-gather ceiling: whole rows of
// rowBytes picked at random from table, copied with threads goroutines
// for about d. A hardware probe plugs in here; Reference is the default.
type Probe interface {
	Name() string
	GatherRate(ctx context.Context, table []byte, rowBytes, threads int, d time.Duration) (rowsPerSec float64, err error)
}

// ProbeFunc makes a Probe of a function.
type ProbeFunc struct {
	Label string
	Func  func(ctx context.Context, table []byte, rowBytes, threads int, d time.Duration) (float64, error)
}

// Name is the label.
func (p ProbeFunc) Name() string { return p.Label }

// GatherRate calls the function.
func (p ProbeFunc) GatherRate(ctx context.Context, table []byte, rowBytes, threads int, d time.Duration) (float64, error) {
	return p.Func(ctx, table, rowBytes, threads, d)
}

var _ Probe = ProbeFunc{}

// Reference is store.ReferenceGather: the engine's own two-phase loop
// (prefetch a group, copy the group before) over random rows, without the
// hashing, compression and output layout. See store.ReferenceGather.
var Reference Probe = ProbeFunc{Label: "reference two-phase gather (engram/store)", Func: func(ctx context.Context, table []byte, rowBytes, threads int, d time.Duration) (float64, error) {
	return store.ReferenceGather(ctx, table, rowBytes, threads, d, 1)
}}

// Options shape a run.
type Options struct {
	// Batches are the tokens per lookup: that many sequences, one new
	// token each with MaxOrder-1 ids of context (a decode step). Default
	// 1, 2, 4, ..., 4096.
	Batches []int
	// Threads are the core counts to measure; default 1 and GOMAXPROCS.
	Threads []int
	// Slice is one timed slice; Rounds how many interleaved engine/probe
	// pairs are taken per point. Defaults 25 ms and 5.
	Slice  time.Duration
	Rounds int
	Probe  Probe  // default Reference
	Seed   uint64 // token ids
}

func (o *Options) defaults() {
	if len(o.Batches) == 0 {
		for b := 1; b <= 4096; b *= 2 {
			o.Batches = append(o.Batches, b)
		}
	}
	if len(o.Threads) == 0 {
		o.Threads = []int{1}
		if n := runtime.GOMAXPROCS(0); n > 1 {
			o.Threads = append(o.Threads, n)
		}
	}
	if o.Slice <= 0 {
		o.Slice = 25 * time.Millisecond
	}
	if o.Rounds <= 0 {
		o.Rounds = 5
	}
	if o.Probe == nil {
		o.Probe = Reference
	}
}

// Point is one measured (batch, threads) point.
type Point struct {
	Model   string `json:"model"`
	DType   string `json:"dtype"`
	Batch   int    `json:"batch_tokens"`
	Threads int    `json:"threads"`
	Mode    string `json:"mode"` // Split or Streams
	// Engine figures are medians over rounds.
	RowsPerSec      float64 `json:"rows_per_second"`
	BytesPerSec     float64 `json:"bytes_per_second"`
	SecPerTokLayer  float64 `json:"seconds_per_token_layer"`
	SecPerLookup    float64 `json:"seconds_per_lookup"`
	ProbeRowsPerSec float64 `json:"probe_rows_per_second"`
	// Ratio is the median of the rounds' engine/probe ratios.
	Ratio float64 `json:"ratio"`
	// ProbeSpread is the probe's interquartile range over its median
	// across the rounds: how steady the machine was (above 0.2, busy);
	// RatioSpread the same for the engine/probe ratios.
	ProbeSpread float64 `json:"probe_spread"`
	RatioSpread float64 `json:"ratio_spread"`
	// The same per CPU time: rows over the process's CPU seconds divided
	// by the thread count, which is the wall rate when the threads had
	// their cores to themselves. On a machine shared with other work, time
	// this process spent descheduled counts against neither side. 0 where
	// CPU time is not available.
	RowsPerCPUSec      float64 `json:"rows_per_cpu_second,omitempty"`
	ProbeRowsPerCPUSec float64 `json:"probe_rows_per_cpu_second,omitempty"`
	CPURatio           float64 `json:"cpu_ratio,omitempty"`
	Rounds             int     `json:"rounds"`
}

// Workload is a ring of decode-step requests for one batch size, enough
// of them that rows rarely repeat between calls.
type Workload struct {
	Reqs []store.Request
	next int
}

// NewWorkload draws requests of batch sequences, one token each, with
// MaxOrder-1 ids of context, token ids uniform over the vocabulary.
func NewWorkload(s *store.Store, batch int, seed uint64) *Workload {
	m := s.Model()
	ctxLen := m.MaxOrder - 1
	vocab := s.Compression().VocabSize()
	rng := rand.New(rand.NewPCG(seed, uint64(batch)))
	n := max(2, (1<<16)/batch)
	w := &Workload{}
	for range n {
		ids := make([]uint32, batch*(ctxLen+1))
		for i := range ids {
			ids[i] = rng.Uint32N(uint32(vocab))
		}
		w.Reqs = append(w.Reqs, store.Request{Batch: batch, Tokens: 1, Context: ctxLen, IDs: ids})
	}
	return w
}

// Next returns the next request of the ring.
func (w *Workload) Next() store.Request {
	r := w.Reqs[w.next]
	w.next = (w.next + 1) % len(w.Reqs)
	return r
}

// Modes of running the engine on several cores.
const (
	// Split runs one lookup at a time, split over the cores (a decode
	// step's latency).
	Split = "split"
	// Streams runs one single-core lookup per core at once (a server's
	// throughput under concurrent requests), the way the probe's threads run.
	Streams = "streams"
)

// engineSlice gathers for about d and returns lookups done and the wall
// time taken. In Split mode one caller uses threads cores a lookup; in
// Streams mode threads callers each use one core.
func engineSlice(ctx context.Context, s *store.Store, ws []*Workload, outs [][]byte, threads int, mode string, d time.Duration) (int, time.Duration, error) {
	t0 := time.Now()
	loop := func(w *Workload, out []byte, threads int) (int, error) {
		n := 0
		for {
			if err := s.GatherThreads(out, w.Next(), threads); err != nil {
				return n, err
			}
			n++
			if time.Since(t0) >= d || ctx.Err() != nil {
				return n, ctx.Err()
			}
		}
	}
	if mode != Streams || threads == 1 {
		n, err := loop(ws[0], outs[0], threads)
		return n, time.Since(t0), err
	}
	ns := make([]int, threads)
	errs := make([]error, threads)
	var wg sync.WaitGroup
	for i := range threads {
		wg.Go(func() { ns[i], errs[i] = loop(ws[i], outs[i], 1) })
	}
	wg.Wait()
	el := time.Since(t0)
	n := 0
	for _, k := range ns {
		n += k
	}
	return n, el, errors.Join(errs...)
}

// Run measures every (threads, batch) point of opt on s: on one core, and
// on several both split and as streams.
func Run(ctx context.Context, s *store.Store, opt Options) ([]Point, error) {
	opt.defaults()
	if s.Table().Lazy() {
		s.Table().Materialize() // never time first-touch fills
	}
	var out []Point
	for _, threads := range opt.Threads {
		modes := []string{Split}
		if threads > 1 {
			modes = append(modes, Streams)
		}
		for _, mode := range modes {
			for _, batch := range opt.Batches {
				p, err := runPoint(ctx, s, opt, threads, batch, mode)
				if err != nil {
					return out, err
				}
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func runPoint(ctx context.Context, s *store.Store, opt Options, threads, batch int, mode string) (Point, error) {
	m := s.Model()
	tbl := s.Table().Bytes()
	streams := 1
	if mode == Streams {
		streams = threads
	}
	var ws []*Workload
	var outs [][]byte
	for i := range streams {
		w := NewWorkload(s, batch, opt.Seed+uint64(i)<<32)
		ws = append(ws, w)
		outs = append(outs, make([]byte, s.OutputBytes(w.Reqs[0])))
	}
	rowsPer := batch * m.RowsPerToken()
	var eng, prb, ratios, cpuRatios, engCPU, prbCPU, secs []float64
	for round := range opt.Rounds {
		var er, pr float64
		var el, ecpu, pcpu, pwall time.Duration
		var n int
		var err error
		measureEngine := func() {
			c0 := cpuTime()
			if n, el, err = engineSlice(ctx, s, ws, outs, threads, mode, opt.Slice); err == nil {
				er = float64(n*rowsPer) / el.Seconds()
			}
			ecpu = cpuTime() - c0
		}
		measureProbe := func() {
			if err == nil {
				c0, t0 := cpuTime(), time.Now()
				pr, err = opt.Probe.GatherRate(ctx, tbl, s.RowBytes(), threads, opt.Slice)
				pcpu, pwall = cpuTime()-c0, time.Since(t0)
			}
		}
		// Alternate which goes first, so that drift favours neither.
		if round%2 == 0 {
			measureEngine()
			measureProbe()
		} else {
			measureProbe()
			measureEngine()
		}
		if err != nil {
			return Point{}, err
		}
		if pr <= 0 {
			return Point{}, fmt.Errorf("probe %s measured no rows", opt.Probe.Name())
		}
		eng = append(eng, er)
		prb = append(prb, pr)
		ratios = append(ratios, er/pr)
		if ecpu > 0 && pcpu > 0 {
			// The probe's rows are its rate times the wall time of the
			// call, a slight overestimate (the call's setup counts) that
			// favours the probe.
			ec := float64(n*rowsPer) / (ecpu.Seconds() / float64(threads))
			pc := pr * pwall.Seconds() / (pcpu.Seconds() / float64(threads))
			engCPU, prbCPU = append(engCPU, ec), append(prbCPU, pc)
			cpuRatios = append(cpuRatios, ec/pc)
		}
		secs = append(secs, el.Seconds()*float64(streams)/float64(n))
	}
	p := Point{
		Model: m.Name, DType: s.DType().String(), Batch: batch, Threads: threads, Mode: mode,
		RowsPerSec: Median(eng), ProbeRowsPerSec: Median(prb), Ratio: Median(ratios),
		SecPerLookup: Median(secs), Rounds: opt.Rounds,
		RowsPerCPUSec: Median(engCPU), ProbeRowsPerCPUSec: Median(prbCPU), CPURatio: Median(cpuRatios),
		ProbeSpread: Spread(prb), RatioSpread: Spread(ratios),
	}
	p.BytesPerSec = p.RowsPerSec * float64(s.RowBytes())
	p.SecPerTokLayer = p.SecPerLookup / float64(batch*len(m.LayerIDs))
	return p, nil
}

// Spread is the interquartile range of xs over their median (it sorts
// xs); 0 for fewer than two.
func Spread(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	slices.Sort(xs)
	q := func(f float64) float64 {
		pos := f * float64(len(xs)-1)
		i := int(pos)
		if i+1 >= len(xs) {
			return xs[len(xs)-1]
		}
		return xs[i] + (pos-float64(i))*(xs[i+1]-xs[i])
	}
	m := q(0.5)
	if m == 0 {
		return 0
	}
	return (q(0.75) - q(0.25)) / m
}

// Median of xs (which it sorts); 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
