package claims

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/compare"
	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/engram/sizing"
	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
)

const bbhCell = "bbh/task=date_understanding/mode=cot/shots=3"

func sample(runner, cell string, inst, repeat int, score float64) results.Sample {
	set, _, _ := strings.Cut(cell, "/")
	id := fmt.Sprintf("%s/%04d", cell, inst)
	v := score
	return results.Sample{Key: results.SampleKey(runner, id, repeat), Runner: runner, Set: set, Cell: cell, InstanceID: id, Repeat: repeat, Score: &v}
}

// pairs builds n instances of a cell: base[i] and treat[i] are the scores.
func pairs(cell string, base, treat []float64) []results.Sample {
	var out []results.Sample
	for i := range base {
		out = append(out, sample("moe", cell, i, 0, base[i]), sample("engram", cell, i, 0, treat[i]))
	}
	return out
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func claim(t *testing.T, cs []Claim, id string) Claim {
	t.Helper()
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no claim %s", id)
	return Claim{}
}

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, p, paper float64
		want             reports.Verdict
		why              string
	}{
		{0.01, 0.09, 0.01, 0.05, reports.Supported, "the interval includes the paper's +5.0 points"},
		{0.06, 0.09, 0.001, 0.05, reports.Supported, "larger than the paper's"},
		{0.01, 0.05, 0.01, 0.05, reports.Supported, "includes"}, // the upper end reaches the figure exactly
		{0.01, 0.09, 0.2, 0.05, reports.Inconclusive, "does not reject"},
		{-0.02, 0.09, 0.3, 0.05, reports.Inconclusive, "more pairs are needed"},
		{0.0, 0.09, 0.04, 0.05, reports.Inconclusive, "more pairs"}, // zero is not excluded
		{0.005, 0.03, 0.02, 0.05, reports.Contradicted, "smaller than the paper's"},
		{-0.02, 0.03, 0.5, 0.05, reports.Contradicted, "does not establish a gain"},
		{-0.09, -0.01, 0.01, 0.05, reports.Contradicted, "scores lower"},
	} {
		v, why := Judge(tc.lo, tc.hi, tc.p, tc.paper)
		if v != tc.want || !strings.Contains(why, tc.why) {
			t.Errorf("Judge(%v, %v, p=%v, %v) = %s (%s), want %s (%s)", tc.lo, tc.hi, tc.p, tc.paper, v, why, tc.want, tc.why)
		}
	}
}

// A hand-computed BBH claim: 40 instances; the baseline passes the first
// 20; the treatment passes 18 of those and 6 more. The difference is
// 24/40 − 20/40 = +10 points; McNemar's discordant pairs are 2 and 6, so
// p = 2·P(X ≤ 2 | X ~ Bin(8, ½)) = 2·37/256.
func TestLedgerHandComputed(t *testing.T) {
	base := make([]float64, 40)
	treat := make([]float64, 40)
	for i := range 20 {
		base[i] = 1
	}
	for i := 2; i < 26; i++ {
		treat[i] = 1
	}
	ss := pairs(bbhCell, base, treat)
	// An errored sample on each side is counted, never paired; an instance
	// only the treatment scored is left out.
	e := sample("moe", bbhCell, 40, 0, 0)
	e.Score, e.Error, e.ErrorKind = nil, "timeout", results.ErrRequest
	ss = append(ss, e, sample("engram", bbhCell, 41, 0, 1))
	c := claim(t, Ledger(results.Run{}, ss, "engram", "moe"), "bbh-3shot")
	if c.Pairs != 40 || c.Unpaired != 1 || c.BaselineErrors != 1 || c.TreatmentErrors != 0 {
		t.Fatalf("counts: %+v", c)
	}
	if math.Abs(c.Delta-0.10) > 1e-12 || c.Test != "McNemar" || math.Abs(c.P-2*37.0/256) > 1e-12 {
		t.Errorf("delta %v, %s p %v", c.Delta, c.Test, c.P)
	}
	if c.Baseline.Mean != 0.5 || c.Treatment.Mean != 0.6 || c.Baseline.N != 40 {
		t.Errorf("sides: %+v / %+v", c.Baseline, c.Treatment)
	}
	// The interval is compare's paired bootstrap over the per-instance
	// differences (in instance order), seeded by the claim.
	d := make([]float64, 40)
	for i := range d {
		d[i] = treat[i] - base[i]
	}
	lo, hi := compare.BootstrapMeanCI(d, Resamples, 0.95, seed("bbh-3shot"))
	if c.Lo != lo || c.Hi != hi || !(lo <= c.Delta && c.Delta <= hi) {
		t.Errorf("interval [%v, %v], want [%v, %v]", c.Lo, c.Hi, lo, hi)
	}
	if v, why := Judge(lo, hi, c.P, 0.05); c.Verdict != v || !strings.HasPrefix(c.Why, why) || !strings.Contains(c.Why, "1 instance scored for only one runner") {
		t.Errorf("verdict %s (%s), want %s (%s)", c.Verdict, c.Why, v, why)
	}
	// p ≈ 0.29: not significant, so not supported whatever the interval.
	if c.Verdict == reports.Supported {
		t.Error("supported without a significant test")
	}
}

func TestLedgerEdgeCases(t *testing.T) {
	// n = 0: the run has no BBH at all; it has RULER at other lengths.
	ss := pairs("ruler/task=vt/len=4096", repeat(1, 3), repeat(1, 3))
	cs := Ledger(results.Run{}, ss, "engram", "moe")
	if len(cs) != 6 {
		t.Fatalf("%d claims, want 6", len(cs))
	}
	if c := claim(t, cs, "bbh-3shot"); c.Verdict != reports.NotMeasured || c.Pairs != 0 || !strings.Contains(c.Why, "no samples of official BBH") {
		t.Errorf("no BBH: %s, %s", c.Verdict, c.Why)
	}
	if c := claim(t, cs, "ruler-vt-32k"); c.Verdict != reports.NotMeasured || !strings.Contains(c.Why, "it has ruler at len=4096, task=vt") {
		t.Errorf("vt at 4K only: %s", c.Why)
	}

	// Tiny n: 5 pairs, a warning instead of an interval.
	c := claim(t, Ledger(results.Run{}, pairs(bbhCell, repeat(0, 5), repeat(1, 5)), "engram", "moe"), "bbh-3shot")
	if c.Verdict != reports.Inconclusive || c.Pairs != 5 || !math.IsNaN(c.Lo) || !strings.Contains(c.Why, "only 5 pairs: too few for a 95% interval") {
		t.Errorf("tiny n: %+v", c)
	}
	if c.Baseline.HasInterval() || c.Delta != 1 {
		t.Errorf("tiny n sides: %+v, delta %v", c.Baseline, c.Delta)
	}

	// Between 10 and 29 pairs: an interval, but no verdict.
	c = claim(t, Ledger(results.Run{}, pairs(bbhCell, repeat(0, 20), repeat(1, 20)), "engram", "moe"), "bbh-3shot")
	if c.Verdict != reports.Inconclusive || math.IsNaN(c.Lo) || !strings.Contains(c.Why, "only 20 pairs: a verdict needs at least 30") {
		t.Errorf("20 pairs: %+v", c)
	}

	// All correct on both sides: no difference on any pair; the interval
	// collapses to [0, 0], which must not read as ruling out +5.
	c = claim(t, Ledger(results.Run{}, pairs(bbhCell, repeat(1, 40), repeat(1, 40)), "engram", "moe"), "bbh-3shot")
	if c.Verdict != reports.Inconclusive || c.Lo != 0 || c.Hi != 0 || !strings.Contains(c.Why, "collapses") || c.P != 1 {
		t.Errorf("all correct: %+v", c)
	}

	// All wrong for the treatment, all correct for the baseline.
	c = claim(t, Ledger(results.Run{}, pairs(bbhCell, repeat(1, 40), repeat(0, 40)), "engram", "moe"), "bbh-3shot")
	if c.Verdict != reports.Contradicted || c.Delta != -1 || c.Lo != -1 || c.Hi != -1 || !strings.Contains(c.Why, "scores lower") {
		t.Errorf("all wrong: %+v", c)
	}

	// A clear gain on 60 pairs: supported.
	base, treat := repeat(0, 60), repeat(0, 60)
	for i := range 30 {
		base[i] = 1
	}
	for i := range 34 {
		treat[i] = 1
	}
	treat[0] = 0
	for i := 40; i < 45; i++ {
		treat[i] = 1
	}
	// Baseline 30/60; treatment 33 + 5 = 38/60: +13.3 points; discordant 1 and 9.
	c = claim(t, Ledger(results.Run{}, pairs(bbhCell, base, treat), "engram", "moe"), "bbh-3shot")
	if c.Verdict != reports.Supported || math.Abs(c.Delta-8.0/60) > 1e-12 || math.Abs(c.P-compare.McNemarExact(1, 9)) > 1e-15 {
		t.Errorf("clear gain: %+v", c)
	}
	// A clear loss: contradicted.
	c = claim(t, Ledger(results.Run{}, pairs(bbhCell, treat, base), "engram", "moe"), "bbh-3shot")
	if c.Verdict != reports.Contradicted || !strings.Contains(c.Why, "scores lower") {
		t.Errorf("clear loss: %+v", c)
	}

	// Runners missing or the same: every claim not measured, with why.
	for _, tc := range []struct{ t, b, why string }{
		{"", "", "no treatment and baseline"},
		{"moe", "moe", "the same runner"},
		{"nope", "moe", "runner nope has no samples"},
	} {
		for _, c := range Ledger(results.Run{}, ss, tc.t, tc.b) {
			if c.Verdict != reports.NotMeasured || !strings.Contains(c.Why, tc.why) && c.ID != "offload" {
				t.Errorf("%s/%s %s: %s (%s)", tc.t, tc.b, c.ID, c.Verdict, c.Why)
			}
		}
	}
}

// HumanEval with repeats: an instance is a problem, its score the mean over
// its repeats, so 12 problems × 3 repeats are 12 pairs, not 36.
func TestLedgerRepeats(t *testing.T) {
	const cell = "humaneval/task=humaneval/form=completion"
	var ss []results.Sample
	for p := range 12 {
		for r := range 3 {
			b, tr := 0.0, 0.0
			if r < p%3 {
				b = 1
			}
			if r <= p%3 {
				tr = 1
			}
			ss = append(ss, sample("moe", cell, p, r, b), sample("engram", cell, p, r, tr))
		}
	}
	c := claim(t, Ledger(results.Run{}, ss, "engram", "moe"), "humaneval")
	// Per problem: baseline (p%3)/3, treatment (p%3+1)/3: +1/3 on each.
	if c.Pairs != 12 || math.Abs(c.Delta-1.0/3) > 1e-12 || c.Test != "Wilcoxon" || !c.Baseline.Approx {
		t.Errorf("repeats: %+v", c)
	}
}

func TestOffload(t *testing.T) {
	c := Offload(nil)
	if c.Verdict != reports.NotMeasured || !strings.Contains(c.Why, "engrambench size --claim offload") {
		t.Errorf("no rows: %+v", c)
	}
	row := func(machine string, pen float64) sizing.ClaimRow {
		return sizing.ClaimRow{Machine: machine, Baseline: "4B dense", Penalty: pen}
	}
	for _, tc := range []struct {
		rows []sizing.ClaimRow
		want reports.Verdict
	}{
		{[]sizing.ClaimRow{row("a", 0.012), row("a", 0.029)}, reports.Supported},
		{[]sizing.ClaimRow{row("a", 0.03), row("b", 0.05)}, reports.Contradicted},
		{[]sizing.ClaimRow{row("a", 0.01), row("b", 0.05)}, reports.Inconclusive},
	} {
		c := Offload(tc.rows)
		if c.Verdict != tc.want || c.Basis != reports.Modelled || !strings.Contains(c.Model, "predicted penalty") {
			t.Errorf("%v: %+v", tc.rows, c)
		}
	}
	if c := Offload([]sizing.ClaimRow{row("ddr5", 0.012)}); c.Model != "predicted penalty 1.20% (4B dense)" || c.Cells != "sizing model on ddr5" {
		t.Errorf("text: %q, %q", c.Model, c.Cells)
	}
	if c := Offload([]sizing.ClaimRow{row("a", 0.012), row("b", 0.02)}); c.Model != "predicted penalty 1.20% (4B dense, a), 2.00% (4B dense, b)" {
		t.Errorf("two machines: %q", c.Model)
	}
}

func testProbe() *hardware.Probe {
	return &hardware.Probe{
		Mode: "quick", CPUs: []int{0, 1},
		Bandwidth: &hardware.Bandwidth{Results: []hardware.BandwidthResult{{Kernel: "triad", Threads: 2, BytesPerSecond: 62e9}}},
		Latency:   &hardware.Latency{Results: []hardware.LatencyResult{{Bytes: 1 << 30, SecondsPerLoad: 150e-9}}},
		Gather: &hardware.Gather{RowBytes: 160, Results: []hardware.GatherResult{
			{Mode: "batched", Threads: 1, RowsPerSecond: 13e6}, {Mode: "batched", Threads: 2, RowsPerSecond: 24e6},
		}},
	}
}

// The run's probe goes through the sizing model exactly as a probe file
// given to engrambench size would.
func TestOffloadRowsFromProbe(t *testing.T) {
	if rows, err := OffloadRows(results.Run{}); rows != nil || err != nil {
		t.Errorf("no probe: %v, %v", rows, err)
	}
	run := results.Run{Host: hardware.Host{CPUModel: "AMD EPYC", LogicalCPUs: 2, MemoryBytes: 24 << 30}, Probe: testProbe()}
	rows, err := OffloadRows(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(sizing.OffloadBaselines) {
		t.Fatalf("%d rows", len(rows))
	}
	// The same figures through a probe file, by hand.
	path := filepath.Join(t.TempDir(), "probe.json")
	data, _ := json.Marshal(map[string]any{"host": run.Host, "probe": run.Probe})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mc, err := sizing.ReadMachine(path)
	if err != nil {
		t.Fatal(err)
	}
	h800, _ := sizing.ParsePreset("ddr5-4800x8,h800", mc.Gather[0])
	mc.GPU, mc.GPUMemoryBytes, mc.GPUBytesPerSec, mc.GPUFLOPs, mc.Link, mc.LinkBytesPerSec = h800.GPU, h800.GPUMemoryBytes, h800.GPUBytesPerSec, h800.GPUFLOPs, h800.Link, h800.LinkBytesPerSec
	mc.Name += " with the paper's H800 assumed"
	m, _ := engram.BuiltinModel("offload-100b")
	want, err := sizing.OffloadClaim(m, mc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d: %+v\nwant %+v", i, rows[i], want[i])
		}
	}
	// Ledger uses them when the caller passes none.
	c := claim(t, Ledger(run, nil, "", ""), "offload")
	if c.Basis != reports.Modelled || !strings.HasSuffix(c.Cells, "from the run's probe") || c.Verdict == reports.NotMeasured {
		t.Errorf("offload from the probe: %+v", c)
	}
}

// The report's definitions state this package's rules: keep them in step.
func TestDefinitionsStateTheRules(t *testing.T) {
	var b strings.Builder
	ledger := &reports.Ledger{Treatment: "engram", Baseline: "moe", Claims: Ledger(results.Run{}, nil, "engram", "moe")}
	if err := reports.Build(results.Run{}, nil).Write(&b, reports.Options{Ledger: ledger}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("fewer than %d pairs", MinVerdictPairs),
		fmt.Sprintf("With fewer than %d pairs no interval", reports.MinIntervalN),
		"10,000 resamples", "rejects no difference at 5%", "under the paper's 3% bound",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("definitions lack %q", want)
		}
	}
	if Resamples != 10000 || Alpha != 0.05 || OffloadBound != 0.03 {
		t.Error("a constant changed: update the definitions in reports/claim.go")
	}
}
