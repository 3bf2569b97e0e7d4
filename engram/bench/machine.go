package bench

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/engram/gate"
	"github.com/engrambench/engrambench/engram/sizing"
)

// MeasureMachine measures this host for the sizing model: the probe's
// gather rate on table (rows of rowBytes) at each thread count, the median
// of rounds runs of d each, plus cores and RAM. Rates are taken per CPU
// second of the probe's threads (the wall rate when they had their cores
// to themselves), so that other work on a shared machine does not pass
// for the machine's limit.
func MeasureMachine(ctx context.Context, p Probe, table []byte, rowBytes int, threads []int, d time.Duration, rounds int) (sizing.Machine, error) {
	if p == nil {
		p = Reference
	}
	rounds = max(rounds, 1)
	m := sizing.Machine{
		Name:   "this host",
		Source: fmt.Sprintf("measured in-process (%s, %s table, per CPU second)", p.Name(), formatBytes(int64(len(table)))),
		Cores:  runtime.GOMAXPROCS(0),
	}
	m.HostMemoryBytes = float64(memTotal())
	for _, t := range threads {
		var rates []float64
		for range rounds {
			c0, t0 := cpuTime(), time.Now()
			r, err := p.GatherRate(ctx, table, rowBytes, t, d)
			if err != nil {
				return m, err
			}
			if cpu := cpuTime() - c0; cpu > 0 {
				r = r * time.Since(t0).Seconds() / (cpu.Seconds() / float64(t))
			}
			rates = append(rates, r)
		}
		m.Gather = append(m.Gather, sizing.GatherPoint{Threads: t, RowBytes: rowBytes, RowsPerSec: Median(rates)})
	}
	m.EngineEfficiency = sizing.DefaultEngineEfficiency
	m.LookupLatency = sizing.DefaultLookupLatency
	m.Notes = append(m.Notes, "no accelerator measured; DRAM bandwidth not measured (use a probe file for it)")
	return m, m.Validate()
}

// memTotal reads MemTotal from /proc/meminfo; 0 if unknown.
func memTotal() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			fs := strings.Fields(rest)
			if len(fs) > 0 {
				kb, _ := strconv.ParseUint(fs[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d B", n)
}

// GateCost is the float32 cost of step 7 (gate and value projection) for
// one Engram layer on this host's cores, beside the lookup's.
type GateCost struct {
	Hidden, DMem, Tokens, Threads int
	FLOPsPerToken                 float64 `json:"flops_per_token"`
	SecondsPerToken               float64 `json:"seconds_per_token"`
	FLOPsPerSec                   float64 `json:"flops_per_second"`
}

// MeasureGate times gate.Forward for model m (its Hidden and DMem) over
// tokens tokens with random weights, best of rounds.
func MeasureGate(m engram.Model, tokens, threads, rounds int) (GateCost, error) {
	if m.Hidden <= 0 {
		return GateCost{}, fmt.Errorf("model %s has no hidden size", m.Name)
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	d, dm := m.Hidden, m.DMem
	rng := rand.New(rand.NewPCG(1, 2))
	w := &gate.Weights{D: d, DMem: dm, WK: make([]float32, d*dm), WV: make([]float32, d*dm)}
	for i := range w.WK {
		w.WK[i] = float32(rng.NormFloat64() * 0.02)
		w.WV[i] = float32(rng.NormFloat64() * 0.02)
	}
	h, e := make([]float32, tokens*d), make([]float32, tokens*dm)
	for i := range h {
		h[i] = float32(rng.NormFloat64())
	}
	for i := range e {
		e[i] = float32(rng.NormFloat64() * 0.01)
	}
	out, alpha := make([]float32, tokens*d), make([]float32, tokens)
	best := time.Duration(1<<63 - 1)
	for range max(rounds, 1) {
		t0 := time.Now()
		if err := gate.Forward(out, alpha, h, e, tokens, w, threads); err != nil {
			return GateCost{}, err
		}
		best = min(best, time.Since(t0))
	}
	c := GateCost{Hidden: d, DMem: dm, Tokens: tokens, Threads: threads, FLOPsPerToken: w.FLOPsPerToken()}
	c.SecondsPerToken = best.Seconds() / float64(tokens)
	c.FLOPsPerSec = c.FLOPsPerToken / c.SecondsPerToken
	return c, nil
}
