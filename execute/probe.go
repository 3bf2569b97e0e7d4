package execute

import (
	"context"
	"sync"
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/runners"
)

// ProbeFunc measures the machine before a run; nil results are allowed.
type ProbeFunc func(ctx context.Context, host *hardware.Host) *hardware.Probe

// NoProbe skips the hardware probe (tests, --no-probe).
func NoProbe(context.Context, *hardware.Host) *hardware.Probe { return nil }

var (
	probeMu     sync.Mutex
	probeCached *hardware.Probe
)

// QuickProbe runs the quick hardware probe once per process, so that every
// run.json states the machine it ran on without each run paying for it.
func QuickProbe(ctx context.Context, host *hardware.Host) *hardware.Probe {
	probeMu.Lock()
	defer probeMu.Unlock()
	if probeCached == nil {
		p, err := hardware.RunProbe(ctx, hardware.Options{Quick: true, Host: host})
		if err != nil {
			return nil // only a cancelled context stops a probe
		}
		probeCached = p
	}
	return probeCached
}

func (o Options) probe(ctx context.Context, host *hardware.Host) *hardware.Probe {
	if o.Probe != nil {
		return o.Probe(ctx, host)
	}
	return QuickProbe(ctx, host)
}

// enginePID is implemented by runners that own an engine process.
type enginePID interface{ EnginePID() int }

// startSamplers samples GPU memory, power and utilisation and the RSS of
// every local engine's process tree during the run.
func startSamplers(ctx context.Context, workers []*worker, every time.Duration) *hardware.Sampler {
	var srcs []hardware.Source
	if g, err := hardware.GPUSource(); err == nil {
		srcs = append(srcs, g)
	}
	for _, w := range workers {
		if e, ok := runners.Find[enginePID](w.runner); ok && e.EnginePID() > 0 {
			srcs = append(srcs, hardware.ProcessTreeRSS("runner="+w.name, int32(e.EnginePID())))
		}
	}
	if len(srcs) == 0 {
		return nil
	}
	s := hardware.NewSampler(every, srcs...)
	s.Start(ctx)
	return s
}
