package bench

import (
	"context"
	"time"

	"github.com/engrambench/engrambench/engram/store"
)

// OverlapOptions shape a pipeline measurement.
type OverlapOptions struct {
	Batch   int // tokens per step (decode steps of Batch sequences); default 256
	Threads int // cores the gathers use; default the store's
	Steps   int // steps per run; default 200
	// Compute is the simulated compute per step. 0 means ComputeFactor
	// times the lookup time measured first.
	Compute       time.Duration
	ComputeFactor float64 // default 1.25
	// Spin computes by spinning on a core. By default compute is a wait,
	// as when an accelerator computes and the host's cores stay free;
	// spinning shows what is left when compute shares the host's cores.
	Spin bool
	Seed uint64
}

// Overlap is how much of the lookup a prefetch pipeline hides.
type Overlap struct {
	Batch   int  `json:"batch_tokens"`
	Threads int  `json:"threads"`
	Steps   int  `json:"steps"`
	Spin    bool `json:"spin_compute"`
	// Per-step means.
	Lookup  float64 `json:"lookup_seconds"`  // serial gather time
	Compute float64 `json:"compute_seconds"` // actual simulated compute time, pipelined loop
	Exposed float64 `json:"exposed_seconds"` // time the pipelined loop waited for rows
	// Totals of the two loops.
	Serial    float64 `json:"serial_seconds"`
	Pipelined float64 `json:"pipelined_seconds"`
	// Hidden is 1 - exposed/lookup: the share of lookup time the pipeline
	// hid behind compute (the first step, with nothing before it to hide
	// behind, counts against it).
	Hidden float64 `json:"hidden_fraction"`
}

// MeasureOverlap runs the same steps serially (gather, then compute) and
// pipelined (gather step t+1 during step t's compute) and compares.
func MeasureOverlap(ctx context.Context, s *store.Store, opt OverlapOptions) (Overlap, error) {
	if opt.Batch <= 0 {
		opt.Batch = 256
	}
	if opt.Threads <= 0 {
		opt.Threads = s.Threads()
	}
	if opt.Steps <= 0 {
		opt.Steps = 200
	}
	if opt.ComputeFactor <= 0 {
		opt.ComputeFactor = 1.25
	}
	if s.Table().Lazy() {
		s.Table().Materialize()
	}
	w := NewWorkload(s, opt.Batch, opt.Seed)
	buf := make([]byte, s.OutputBytes(w.Reqs[0]))
	o := Overlap{Batch: opt.Batch, Threads: opt.Threads, Steps: opt.Steps, Spin: opt.Spin}

	// Calibrate: the lookup alone.
	var look time.Duration
	for range min(opt.Steps, 50) {
		t0 := time.Now()
		if err := s.GatherThreads(buf, w.Next(), opt.Threads); err != nil {
			return o, err
		}
		look += time.Since(t0)
	}
	compute := opt.Compute
	if compute <= 0 {
		compute = time.Duration(opt.ComputeFactor * float64(look) / float64(min(opt.Steps, 50)))
	}
	simulate := func() time.Duration {
		t0 := time.Now()
		if opt.Spin {
			for time.Since(t0) < compute {
			}
		} else {
			// A parked goroutine leaves its core to the gather at once; a
			// thread blocked in a syscall would hold it until the runtime
			// noticed. Go's timers may overshoot by up to a millisecond
			// when nothing else runs, which only lengthens the compute.
			time.Sleep(compute)
		}
		return time.Since(t0)
	}

	// Serial.
	var lookSum, compSum time.Duration
	t0 := time.Now()
	for range opt.Steps {
		t1 := time.Now()
		if err := s.GatherThreads(buf, w.Next(), opt.Threads); err != nil {
			return o, err
		}
		lookSum += time.Since(t1)
		compSum += simulate()
		if ctx.Err() != nil {
			return o, ctx.Err()
		}
	}
	o.Serial = time.Since(t0).Seconds()
	if opt.Compute <= 0 {
		// Hold compute to the lookup as the serial loop measured it.
		compute = time.Duration(opt.ComputeFactor * float64(lookSum) / float64(opt.Steps))
	}
	compSum = 0

	// Pipelined.
	p := s.NewPipeline(opt.Threads)
	t0 = time.Now()
	p.Start(w.Next())
	for i := range opt.Steps {
		if _, err := p.Wait(); err != nil {
			return o, err
		}
		if i+1 < opt.Steps {
			p.Start(w.Next())
		}
		compSum += simulate()
	}
	o.Pipelined = time.Since(t0).Seconds()

	n := float64(opt.Steps)
	o.Lookup = lookSum.Seconds() / n
	o.Compute = compSum.Seconds() / n
	o.Exposed = p.Waited.Seconds() / n
	if o.Lookup > 0 {
		o.Hidden = min(1, max(0, 1-o.Exposed/o.Lookup))
	}
	return o, ctx.Err()
}
