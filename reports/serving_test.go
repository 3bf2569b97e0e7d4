package reports

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/serving"
)

func servingRun() results.Run {
	run := fixtureRun()
	run.Suite = "serving"
	run.Status = results.StatusComplete
	run.Message = ""
	run.Plan.Serving = map[string]any{"runner": "sim", "mode": "open"}
	q := func(p50, p90, p99 float64, n int) serving.Quantiles {
		return serving.Quantiles{P50: p50, P90: p90, P99: p99, N: n}
	}
	run.Serving = []serving.Result{
		{Step: "open/rate=10", Mode: "open", Rate: 10, Sent: 100, Succeeded: 99, Errors: 1, WallSeconds: 10.4,
			AchievedRate: 9.98, ReqPerSec: 9.5, OutTokPerSec: 950.25, Goodput: 9.1, SLOMet: 95,
			TTFT: q(0.120, 0.210, 0.350, 99), TTFTFromSend: q(0.118, 0.205, 0.340, 99), TPOT: q(0.021, 0.025, 0.031, 99),
			ChunkGap: q(0.020, 0.026, 0.040, 9801), E2E: q(2.2, 2.6, 3.1, 99), E2EFromSend: q(2.19, 2.59, 3.0, 99), Lag: q(0.0001, 0.0003, 0.0009, 100)},
		{Step: "open/rate=40", Mode: "open", Rate: 40, Sent: 400, Succeeded: 0, Errors: 400, WallSeconds: 10.1,
			AchievedRate: 39.7, TTFT: q(math.NaN(), math.NaN(), math.NaN(), 0), TTFTFromSend: q(math.NaN(), math.NaN(), math.NaN(), 0),
			TPOT: q(math.NaN(), math.NaN(), math.NaN(), 0), ChunkGap: q(math.NaN(), math.NaN(), math.NaN(), 0),
			E2E: q(math.NaN(), math.NaN(), math.NaN(), 0), E2EFromSend: q(math.NaN(), math.NaN(), math.NaN(), 0), Lag: q(0.0002, 0.0004, 0.002, 400)},
	}
	return run
}

func TestServingGolden(t *testing.T) {
	var rep, sum bytes.Buffer
	if err := WriteServingReport(&rep, servingRun()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "serving-report.md", rep.Bytes())
	if err := WriteServingSummary(&sum, servingRun()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "serving-summary.txt", sum.Bytes())

	// Every line is a benchmark result benchfmt reads, with its units.
	r := benchfmt.NewReader(strings.NewReader(sum.String()), "serving-summary.txt")
	n := 0
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			n++
			units := map[string]bool{}
			for _, v := range rec.Values {
				units[v.Unit] = true
			}
			if !units["req/s"] || !units["err/op"] {
				t.Errorf("result %s lacks units: %v", rec.Name, units)
			}
		case *benchfmt.SyntaxError:
			t.Errorf("syntax error: %v", rec)
		}
	}
	if n != 2 {
		t.Fatalf("%d results, want 2", n)
	}
}
