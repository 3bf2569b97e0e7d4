package sizing_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/engram/bench"
	"github.com/engrambench/engrambench/engram/sizing"
	"github.com/engrambench/engrambench/engram/store"
)

func openScaled(t testing.TB, name string, f float64) *store.Store {
	t.Helper()
	m, _ := engram.BuiltinModel(name)
	m = m.Scaled(f)
	l, err := m.Layout()
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(l, engram.IdentityCompression(m.Vocab), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// timingEnv, set to 1, makes TestModelAgreesWithBench run: it times the
// machine, and on a shared VM another tenant's memory traffic can hold
// two cores below what the model expects for many seconds at a time, so
// it is not part of the plain go test ./... (BenchmarkModelAgreement
// reports the same figures).
const timingEnv = "ENGRAMBENCH_TIMING_TESTS"

// TestModelAgreesWithBench holds the sizing model to reality: every
// prediction of agreement's must be within 20% of the measurement, on one
// of three attempts (or the machine was too busy to tell).
func TestModelAgreesWithBench(t *testing.T) {
	if raceEnabled {
		t.Skip("timings under the race detector mean nothing")
	}
	if os.Getenv(timingEnv) != "1" {
		t.Skipf("a timing test: set %s=1 to run it (BenchmarkModelAgreement reports the same figures)", timingEnv)
	}
	var report string
	quiet := 0 // attempts on a steady machine
	for attempt := 1; attempt <= 3; attempt++ {
		a := agreement(t)
		if !a.noisy {
			quiet++
		}
		report = a.report
		t.Logf("attempt %d: %s", attempt, report)
		if a.worst <= 0.2 {
			return
		}
	}
	if quiet == 0 {
		t.Skipf("the machine was too busy to hold the model to 20%% (every attempt varied by more than %.0f%% between rounds):\n%s", 100*bench.NoisyAbove, report)
	}
	t.Fatalf("the sizing model and engram bench disagree by more than 20%%:\n%s", report)
}

// BenchmarkModelAgreement measures what TestModelAgreesWithBench checks
// and reports the largest disagreement between the model's predictions
// and engram bench, over all points and per mode, in percent, with the
// spread between rounds (above NoisyAbove the machine was too busy for
// the figures to mean much). Run it with
//
//	go test ./engram/sizing -run '^$' -bench ModelAgreement -benchtime 1x
func BenchmarkModelAgreement(b *testing.B) {
	for range b.N {
		a := agreement(b)
		b.Logf("%s", a.report)
		b.ReportMetric(100*a.worst, "worst-%")
		b.ReportMetric(100*a.worstSplit, "worst-split-%")
		b.ReportMetric(100*a.worstStreams, "worst-streams-%")
		b.ReportMetric(100*a.spread, "spread-%")
	}
}

// agreed is one comparison of the model with engram bench.
type agreed struct {
	worst, worstSplit, worstStreams float64 // largest |predicted/measured - 1|
	spread                          float64 // median spread between rounds
	noisy                           bool
	report                          string
}

// agreement measures the machine with the gather probe on one small
// table (the demo layout scaled to about 130 MB, 128-byte rows, four times
// this VM's last-level cache) and has the model predict engram bench on
// another (Engram-27B scaled to about 115 MB, 160-byte rows: three cache
// lines a row instead of two): rows/s and the time of one lookup at 256
// and 1024 tokens on 1 and all cores.
//
// Timings on a shared machine drift (and go test runs other packages'
// tests beside this one), so the probe runs interleaved with the engine
// (bench.Run's rounds, the probe reading the other table), both sides are
// taken per CPU second (time this process was descheduled counts for
// neither), and each point is predicted from the probe of its own rounds.
func agreement(tb testing.TB) agreed {
	tb.Helper()
	probeTable := openScaled(tb, "demo", 0.05)
	engine := openScaled(tb, "engram-27b", 0.01)
	probeRB := probeTable.RowBytes()
	probe := bench.ProbeFunc{Label: "reference on the probe table", Func: func(ctx context.Context, _ []byte, _ int, threads int, d time.Duration) (float64, error) {
		return store.ReferenceGather(ctx, probeTable.Table().Bytes(), probeRB, threads, d, 1)
	}}
	threads := []int{1}
	if n := runtime.GOMAXPROCS(0); n > 1 {
		threads = append(threads, n)
	}
	rpt := engine.Model().RowsPerToken()
	pts, err := bench.Run(context.Background(), engine, bench.Options{Batches: []int{256, 1024}, Threads: threads, Slice: 20 * time.Millisecond, Rounds: 7, Probe: probe})
	if err != nil {
		tb.Fatal(err)
	}
	// The machine: for each point, the probe as measured in that point's
	// own rounds, per CPU time (what the cores deliver when they are this
	// process's). The engine's figure is the probe's times the median of
	// the rounds' engine/probe ratios, which cancels drift between rounds.
	var one float64
	for _, p := range pts {
		if p.Threads == 1 {
			one = p.ProbeRowsPerCPUSec
		}
	}
	var a agreed
	var b strings.Builder
	var gather []sizing.GatherPoint
	var spreads []float64
	for _, p := range pts {
		mc := sizing.Machine{Name: "this host", Cores: runtime.GOMAXPROCS(0), Gather: []sizing.GatherPoint{{Threads: 1, RowBytes: probeRB, RowsPerSec: one}}}
		if p.Threads > 1 {
			mc.Gather = append(mc.Gather, sizing.GatherPoint{Threads: p.Threads, RowBytes: probeRB, RowsPerSec: p.ProbeRowsPerCPUSec})
		} else {
			mc.Gather[0].RowsPerSec = p.ProbeRowsPerCPUSec
		}
		gather = append(gather, mc.Gather[len(mc.Gather)-1])
		engineRate := p.ProbeRowsPerCPUSec * p.CPURatio
		rows := p.Batch * rpt
		var pred, got float64
		var what string
		if p.Mode == bench.Streams {
			// Throughput on all cores: the model's engine rate.
			what, pred, got = "rows/s", mc.EngineRows(engine.RowBytes(), p.Threads), engineRate
		} else {
			// One lookup split over the cores: the model's lookup time.
			what, pred, got = "lookup s", mc.LookupTime(rows, engine.RowBytes(), p.Threads), float64(rows)/engineRate
		}
		e := pred/got - 1
		fmt.Fprintf(&b, "threads %d %-7s batch %4d: %s predicted %.3g measured %.3g (%+.0f%%)\n", p.Threads, p.Mode, p.Batch, what, pred, got, 100*e)
		a.worst = max(a.worst, math.Abs(e))
		if p.Mode == bench.Streams {
			a.worstStreams = max(a.worstStreams, math.Abs(e))
		} else {
			a.worstSplit = max(a.worstSplit, math.Abs(e))
		}
		spreads = append(spreads, max(p.ProbeSpread, p.RatioSpread))
	}
	a.spread = bench.Median(spreads)
	a.noisy = a.spread > bench.NoisyAbove
	a.report = fmt.Sprintf("probe (%d-byte rows) per point: %+v\nmedian spread between rounds %.2f\n%s", probeRB, gather, a.spread, b.String())
	return a
}
