package execute

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/engrambench/engrambench/results"
)

// NewBar shows progress as a bar on a terminal.
func NewBar(w io.Writer, total, already int) Progress {
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("samples"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("samples"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionFullWidth(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	if already > 0 {
		bar.Set(already)
	}
	return &barProgress{bar: bar, w: w}
}

type barProgress struct {
	mu     sync.Mutex
	bar    *progressbar.ProgressBar
	w      io.Writer
	errors int
}

func (b *barProgress) Add(s results.Sample) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.Error != "" {
		b.errors++
		b.bar.Describe(fmt.Sprintf("samples (%d errors)", b.errors))
	}
	b.bar.Add(1)
}

func (b *barProgress) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.bar.IsFinished() {
		b.bar.Exit()
		// Exit leaves the cursor on the bar's line.
		fmt.Fprintln(b.w)
	}
}

// NewLines prints a plain progress line every interval, for logs and CI.
func NewLines(w io.Writer, total, already int, every time.Duration, now func() time.Time) Progress {
	if now == nil {
		now = time.Now
	}
	p := &lineProgress{w: w, total: total, done: already, start: now(), startDone: already, now: now, stop: make(chan struct{}), stopped: make(chan struct{})}
	go p.loop(every)
	return p
}

type lineProgress struct {
	mu        sync.Mutex
	w         io.Writer
	total     int
	done      int
	startDone int
	errors    int
	start     time.Time
	now       func() time.Time
	stop      chan struct{}
	stopped   chan struct{}
	once      sync.Once
}

func (p *lineProgress) Add(s results.Sample) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if s.Error != "" {
		p.errors++
	}
}

func (p *lineProgress) loop(every time.Duration) {
	defer close(p.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.line()
		}
	}
}

func (p *lineProgress) line() {
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := p.now().Sub(p.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.done-p.startDone) / s
	}
	pct := 0.0
	if p.total > 0 {
		pct = 100 * float64(p.done) / float64(p.total)
	}
	fmt.Fprintf(p.w, "progress: %d/%d samples (%.0f%%), %d errors, %.1f samples/s, %s elapsed\n",
		p.done, p.total, pct, p.errors, rate, elapsed.Round(time.Second))
}

func (p *lineProgress) Done() {
	p.once.Do(func() {
		close(p.stop)
		<-p.stopped
		p.line()
	})
}
