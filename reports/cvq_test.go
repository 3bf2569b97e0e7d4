package reports

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks/bbh"
	"github.com/engrambench/engrambench/tasks/coding"
	"github.com/engrambench/engrambench/tasks/longctx"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestSetNamesMatchTaskPackages(t *testing.T) {
	for got, want := range map[string]string{
		bbhOfficial: bbh.OfficialName, bbhGenerated: bbh.GeneratedName,
		rulerSet: longctx.RulerName, longPPL: longctx.LongPPLName,
	} {
		if got != want {
			t.Errorf("set name %q, the task package says %q", got, want)
		}
	}
	if len(RulerTasks) != 13 {
		t.Errorf("%d RULER tasks", len(RulerTasks))
	}
}

// Intervals against hand-computed cases: n = 0, all correct, all wrong,
// tiny n (a warning, no interval), the threshold itself.
func TestProportion(t *testing.T) {
	for _, tc := range []struct {
		succ       float64
		n          int
		frac       bool
		mean       float64
		lo, hi     float64 // NaN: no interval
		warn, text string
	}{
		{0, 0, false, math.NaN(), math.NaN(), math.NaN(), "no scored samples", "n/a"},
		{10, 10, false, 1, 0.722467, 1, "", "100.0 [72.2, 100.0]"},
		{0, 10, false, 0, 0, 0.277533, "", "0.0 [0.0, 27.8]"},
		{3, 3, false, 1, math.NaN(), math.NaN(), "n = 3 is below 10: too few for a 95% interval", "100.0 ‡"},
		{0, 1, false, 0, math.NaN(), math.NaN(), "n = 1 is below 10: too few for a 95% interval", "0.0 ‡"},
		{5, 9, false, 5.0 / 9, math.NaN(), math.NaN(), "n = 9 is below 10: too few for a 95% interval", "55.6 ‡"},
		{5, 10, false, 0.5, 0.236593, 0.763407, "", "50.0 [23.7, 76.3]"},
		{7.5, 10, true, 0.75, 0.442181, 0.919052, "", "75.0 [44.2, 91.9] †"},
		{81, 263, false, 81.0 / 263, 0.255289, 0.366210, "", "30.8 [25.5, 36.6]"},
	} {
		e := Proportion(tc.succ, tc.n, tc.frac)
		name := fmt.Sprintf("%v/%d", tc.succ, tc.n)
		if e.N != tc.n || !sameFloat(e.Mean, tc.mean) || e.Warning != tc.warn {
			t.Errorf("%s: %+v", name, e)
		}
		if math.IsNaN(tc.lo) != !e.HasInterval() {
			t.Errorf("%s: interval shown %v", name, e.HasInterval())
		}
		if e.HasInterval() && (math.Abs(e.Lo-tc.lo) > 1e-6 || math.Abs(e.Hi-tc.hi) > 1e-6) {
			t.Errorf("%s: [%.6f, %.6f], want [%.6f, %.6f]", name, e.Lo, e.Hi, tc.lo, tc.hi)
		}
		if got := estimateText(e); got != tc.text {
			t.Errorf("%s: text %q, want %q", name, got, tc.text)
		}
	}
	if !strings.Contains(definitions, "fewer than "+strconv.Itoa(MinIntervalN)+" scored samples") {
		t.Error("the definitions do not state MinIntervalN")
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) || near(a, b) }

func TestFrontier(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		q, c []float64
		want []bool
	}{
		{nil, nil, []bool{}},
		{[]float64{0.5}, []float64{1}, []bool{true}},
		// b is better and cheaper: a is dominated.
		{[]float64{0.5, 0.6}, []float64{2, 1}, []bool{false, true}},
		// A trade-off: both on it.
		{[]float64{0.5, 0.6}, []float64{1, 2}, []bool{true, true}},
		// Equal quality, higher cost: dominated; equal cost, lower quality: dominated.
		{[]float64{0.6, 0.6, 0.5}, []float64{1, 2, 1}, []bool{true, false, false}},
		// Identical points dominate neither.
		{[]float64{0.6, 0.6}, []float64{1, 1}, []bool{true, true}},
		// NaN is never on it and dominates nothing.
		{[]float64{nan, 0.1, 0.9}, []float64{0, 5, nan}, []bool{false, true, false}},
		// A staircase of four: c is dominated by b.
		{[]float64{0.3, 0.5, 0.45, 0.8}, []float64{0, 1, 2, 10}, []bool{true, true, false, true}},
	} {
		got := Frontier(tc.q, tc.c)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Frontier(%v, %v) = %v, want %v", tc.q, tc.c, got, tc.want)
		}
	}
}

func costSample(runner, set string, i int, score float64, usd float64, cached bool) results.Sample {
	id := fmt.Sprintf("%s/task=t/%d", set, i)
	v := score
	return results.Sample{
		Key: results.SampleKey(runner, id, 0), Runner: runner, Set: set, Task: "t", Cell: set + "/task=t", InstanceID: id,
		Score: &v, CostUSD: usd, Cached: cached, Response: "x",
		Usage:  runners.Usage{PromptTokens: 100, CompletionTokens: 10},
		Timing: results.SampleTiming{LatencyS: 1},
	}
}

// Cost per 1,000 samples, by hand: runner a has a local engine that cost
// $4 and prices tokens; its 4 uncached samples share the engine, 2 in each
// set. Runner b has no price: unknown, not zero. Runner c prices tokens
// but spent nothing: a measured zero.
func TestSetRowsCost(t *testing.T) {
	run := results.Run{
		Plan: results.Plan{Runners: []results.PlanRunner{
			{Name: "a", Params: map[string]any{"price_input": 1.0}},
			{Name: "b", Params: map[string]any{"price_input": 0.0}},
			{Name: "c", Params: map[string]any{"price_output": 2}},
		}},
		Engines: map[string]runners.EngineStats{"a": {CostUSD: 4, PeakRSSBytes: 3 << 30}},
	}
	ss := []results.Sample{
		costSample("a", "x", 0, 1, 0.01, false),
		costSample("a", "x", 1, 0, 0.01, false),
		costSample("a", "x", 2, 1, 0, true),
		costSample("a", "y", 0, 1, 0, false),
		costSample("a", "y", 1, 1, 0, false),
		costSample("b", "x", 0, 1, 0, false),
		costSample("c", "x", 0, 0, 0, false),
	}
	bad := costSample("a", "y", 2, 0, 0.5, false) // a billed request that failed
	bad.Score, bad.Error, bad.ErrorKind = nil, "503", results.ErrRequest
	ss = append(ss, bad)
	rows := setRows(run, pointers(results.Briefs(ss)))
	got := map[string]SetRow{}
	for _, r := range rows {
		got[r.Runner+"/"+r.Set] = r
	}
	ax, ay, bx, cx := got["a/x"], got["a/y"], got["b/x"], got["c/x"]
	// a: 5 uncached samples over both sets, 2 in x and 3 in y.
	if ax.Fresh != 2 || ax.Cached != 1 || !near(ax.EngineCostUSD, 4*2.0/5) || !near(ax.CostPer1k, 1000*(0.02+1.6)/2) {
		t.Errorf("a/x: fresh %d cached %d engine %v per1k %v", ax.Fresh, ax.Cached, ax.EngineCostUSD, ax.CostPer1k)
	}
	if ay.Fresh != 3 || !near(ay.EngineCostUSD, 4*3.0/5) || !near(ay.CostPer1k, 1000*(0.5+2.4)/3) || ay.RequestErrors != 1 || ay.N != 2 {
		t.Errorf("a/y: %+v", ay)
	}
	if ay.PeakRSSBytes != 3<<30 || bx.PeakRSSBytes != 0 {
		t.Errorf("peak RSS: %d, %d", ay.PeakRSSBytes, bx.PeakRSSBytes)
	}
	if bx.CostKnown || !math.IsNaN(bx.CostPer1k) || bx.Eligible || bx.OnFrontier {
		t.Errorf("b has no price: %+v", bx)
	}
	if !cx.CostKnown || cx.CostPer1k != 0 || !cx.Eligible {
		t.Errorf("c priced at zero cost: %+v", cx)
	}
	// In x: c costs nothing but scores 0; a scores 0.5 at a cost: both on
	// the frontier; b is not eligible.
	if !ax.OnFrontier || !cx.OnFrontier {
		t.Errorf("frontier of x: a %v c %v", ax.OnFrontier, cx.OnFrontier)
	}
	if ax.Score.N != 3 || ax.Score.HasInterval() || !near(ax.Score.Mean, 2.0/3) {
		t.Errorf("a/x score: %+v", ax.Score)
	}
}

// Pass@k per problem by hand: p1 has 3 samples and 1 pass, p2 3 and 3, p3
// 2 scored (its third errored) and none.
func TestCodingPassAtK(t *testing.T) {
	var ss []results.Sample
	add := func(problem string, rep int, pass bool, errored bool) {
		v := 0.0
		if pass {
			v = 1
		}
		s := results.Sample{
			Key: results.SampleKey("r", problem, rep), Runner: "r", Set: "humaneval", Task: "humaneval", Cell: "humaneval/task=humaneval",
			InstanceID: problem, Repeat: rep, Score: &v, ScoreDetail: coding.Verdict{Outcome: map[bool]coding.Outcome{true: coding.Passed, false: coding.FailedTests}[pass]}.Detail(),
		}
		if errored {
			s.Score, s.Error, s.ErrorKind = nil, "timeout", results.ErrRequest
		}
		ss = append(ss, s)
	}
	add("p1", 0, true, false)
	add("p1", 1, false, false)
	add("p1", 2, false, false)
	for i := range 3 {
		add("p2", i, true, false)
	}
	add("p3", 0, false, false)
	add("p3", 1, false, false)
	add("p3", 2, false, true)
	r := Build(results.Run{}, ss)
	if len(r.Coding) != 1 {
		t.Fatalf("%d coding rows", len(r.Coding))
	}
	c := r.Coding[0]
	if c.Problems != 3 || c.Samples != 8 || c.MinPer != 2 || c.MaxPer != 3 || c.Errors.Request != 1 {
		t.Errorf("counts: %+v", c)
	}
	want := map[int]float64{1: (1.0/3 + 1 + 0) / 3, 2: (2.0/3 + 1 + 0) / 3, 3: (1 + 1) / 2.0}
	for k, v := range want {
		if !near(c.PassAt[k], v) {
			t.Errorf("pass@%d = %v, want %v", k, c.PassAt[k], v)
		}
	}
	if c.Counted[3] != 2 || c.Counted[2] != 3 || len(c.Warnings) != 1 {
		t.Errorf("counted %v, warnings %v", c.Counted, c.Warnings)
	}
	if !near(c.Pass1.Mean, want[1]) || c.Pass1.N != 3 || c.Pass1.HasInterval() {
		t.Errorf("pass@1 estimate: %+v", c.Pass1)
	}
	if c.Outcomes[coding.Passed] != 4 || c.Outcomes[coding.FailedTests] != 4 {
		t.Errorf("outcomes: %v", c.Outcomes)
	}
	if got := outcomesText(c.Outcomes); got != `passed 4, failed\_tests 4` {
		t.Errorf("outcomes text %q", got)
	}
}

// Perplexity by hand: 100 tokens of total NLL 100·ln 2 over 200 bytes is a
// perplexity of 2 per token and 0.5 bits per byte.
func TestPPLRows(t *testing.T) {
	mk := func(i int, v float64, detail string) results.Sample {
		id := fmt.Sprintf("longppl/task=books/%d", i)
		return results.Sample{Key: results.SampleKey("r", id, 0), Runner: "r", Set: "longppl", Task: "books",
			Cell: "longppl/task=books/window=8", InstanceID: id, Score: &v, ScoreDetail: detail}
	}
	ss := []results.Sample{
		mk(0, 1, "nll_sum="+strconv.FormatFloat(60*math.Ln2, 'g', -1, 64)+" tokens=60 bytes=120"),
		mk(1, 1, "nll_sum="+strconv.FormatFloat(40*math.Ln2, 'g', -1, 64)+" tokens=40 bytes=80"),
		mk(2, 0, "null"),
	}
	r := Build(results.Run{}, ss)
	if len(r.PPL) != 1 {
		t.Fatalf("%d rows", len(r.PPL))
	}
	p := r.PPL[0]
	if !near(p.PPL.PerToken(), 2) || !near(p.PPL.BitsPerByte(), 0.5) || p.Skipped != 1 || p.PPL.Windows != 2 || p.Labels != "window=8" {
		t.Errorf("%+v", p)
	}
	ss = append(ss, mk(3, 1, "garbage"))
	r = Build(results.Run{}, ss)
	if r.PPL[0].Problem == "" || len(r.Notes) != 1 {
		t.Errorf("an unreadable detail must be reported: %+v, notes %v", r.PPL[0], r.Notes)
	}
}

func TestRulerSection(t *testing.T) {
	run, samples := Fixture(GoldenConfig())
	r := Build(run, samples)
	if len(r.Ruler) != 3 {
		t.Fatalf("%d RULER runners", len(r.Ruler))
	}
	for _, rr := range r.Ruler {
		avg := map[int]longctx.Estimate{}
		for _, l := range rr.Lengths {
			// The average is the unweighted mean of the 13 cells' scores.
			var sum float64
			k := 0
			for _, c := range r.Cells {
				if c.Runner == rr.Runner && c.Set == "ruler" && strings.HasSuffix(c.Cell, "/len="+strconv.Itoa(l.Length)) {
					sum += c.Score
					k++
				}
			}
			if k != 13 || l.Tasks != 13 || !near(l.Average.Mean, sum/13) || !l.Average.HasInterval() {
				t.Errorf("%s at %d: %+v (cells %d)", rr.Runner, l.Length, l, k)
			}
			avg[l.Length] = longctx.Estimate{Mean: l.Average.Mean, Lo: l.Average.Lo, Hi: l.Average.Hi}
		}
		if want := longctx.EffectiveLength(avg, longctx.DefaultThreshold); rr.Effective != want || rr.EffectiveNote != "" || !rr.EffectiveRange {
			t.Errorf("%s: effective %+v, want %+v", rr.Runner, rr.Effective, want)
		}
	}

	// A run with one task at one length and few samples: the average is
	// no RULER average, has no interval, and no effective length.
	var few []results.Sample
	for _, s := range samples {
		if s.Runner == "engram-27b" && s.Cell == "ruler/task=vt/len=4096" && s.OK() && len(few) < 5 {
			few = append(few, s)
		}
	}
	r = Build(run, few)
	rr := r.Ruler[0]
	if rr.EffectiveNote == "" || len(rr.Lengths) != 1 || rr.Lengths[0].Tasks != 1 || len(rr.Lengths[0].Missing) != 12 || rr.Lengths[0].Average.HasInterval() {
		t.Errorf("partial RULER: %+v", rr)
	}
	var b bytes.Buffer
	if err := r.Write(&b, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 of 13", "not computed: some lengths lack some of the 13 tasks", "‡ A task at this length has fewer than 10"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("partial RULER report lacks %q", want)
		}
	}
}

func TestBBHSection(t *testing.T) {
	run, samples := Fixture(GoldenConfig())
	r := Build(run, samples)
	if len(r.BBH) != 3 {
		t.Fatalf("%d BBH variants", len(r.BBH))
	}
	for _, v := range r.BBH {
		if v.Variant != "mode=cot/shots=3" || len(v.Tasks) != 3 || len(v.Difficulty) != 3 {
			t.Errorf("%s: variant %q, %d tasks, %d levels", v.Runner, v.Variant, len(v.Tasks), len(v.Difficulty))
		}
		per := map[string]bbh.Tally{}
		for _, task := range v.Tasks {
			o := tallyOf(r.Cells, v.Runner, "bbh/task="+task.Task+"/mode=cot/shots=3")
			g := tallyOf(r.Cells, v.Runner, "bbh-gen/task="+task.Task+"/difficulty=0/mode=cot/shots=3")
			if want := bbh.Gap(o, g); task.Gap != want {
				t.Errorf("%s %s: gap %+v, want %+v", v.Runner, task.Task, task.Gap, want)
			}
			if o.N > 0 {
				per[task.Task] = o
			}
			wantChance := map[string]float64{"date_understanding": 0.2, "snarks": 0.5, "word_sorting": 1.0 / 5040}[task.Task]
			if task.ChanceN > 0 && math.Abs(task.Chance-wantChance) > 1e-6 {
				t.Errorf("%s %s: chance %v, want %v", v.Runner, task.Task, task.Chance, wantChance)
			}
		}
		micro, macro := bbh.Averages(per)
		if !near(v.Official.Micro.Mean, micro) || !near(v.Official.Macro, macro) || v.Official.Tasks != len(per) {
			t.Errorf("%s official averages %+v, want micro %v macro %v", v.Runner, v.Official, micro, macro)
		}
		// Matched: only tasks on both sides (snarks is official only).
		if v.MatchedOfficial.Tasks != 2 || v.MatchedGenerated.Tasks != 2 {
			t.Errorf("%s matched tasks %d, %d", v.Runner, v.MatchedOfficial.Tasks, v.MatchedGenerated.Tasks)
		}
	}
	// The API model fails every snarks request: errors, no score.
	api := r.BBH[0]
	if api.Runner != "api-large" || api.Tasks[1].Task != "snarks" || api.Tasks[1].Official.N != 0 || api.Tasks[1].OfficialErrors.Request != 30 {
		t.Errorf("api snarks: %+v", api.Tasks[1])
	}
}

func tallyOf(cells []Cell, runner, cell string) bbh.Tally {
	for _, c := range cells {
		if c.Runner == runner && c.Cell == cell {
			return bbh.Tally{Correct: c.Successes, N: c.N}
		}
	}
	return bbh.Tally{}
}

// The report and its charts do not depend on the order samples finished
// in.
func TestFullReportDeterministic(t *testing.T) {
	run, samples := Fixture(GoldenConfig())
	render := func(ss []results.Sample) ([]byte, []Chart) {
		r := Build(run, ss)
		charts, err := r.Charts()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := r.Write(&b, Options{Charts: charts}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes(), charts
	}
	md1, c1 := render(samples)
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(samples), func(i, j int) { samples[i], samples[j] = samples[j], samples[i] })
	md2, c2 := render(samples)
	if !bytes.Equal(md1, md2) {
		t.Error("report depends on sample order")
	}
	for i := range c1 {
		if !bytes.Equal(c1[i].SVG, c2[i].SVG) {
			t.Errorf("%s depends on sample order", c1[i].File)
		}
	}
	// Without a ledger the section says why; without charts nothing is linked.
	if !bytes.Contains(md1, []byte("Not computed: the suite declares no `treatment` and `baseline` runner.")) {
		t.Error("no ledger: the report does not say why")
	}
	var b bytes.Buffer
	if err := Build(run, samples).Write(&b, Options{}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte(".svg)")) {
		t.Error("charts linked that were not written")
	}
}

func TestFullReportNoSamples(t *testing.T) {
	run := fixtureRun()
	r := Build(run, nil)
	charts, err := r.Charts()
	if err != nil || len(charts) != 0 {
		t.Fatalf("charts of nothing: %v, %v", charts, err)
	}
	var b bytes.Buffer
	if err := r.Write(&b, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"## RULER", "## BBH", "## Coding", "## Perplexity"} {
		if bytes.Contains(b.Bytes(), []byte(bad)) {
			t.Errorf("empty run has section %s", bad)
		}
	}
	if !bytes.Contains(b.Bytes(), []byte("No samples were recorded.")) || !bytes.Contains(b.Bytes(), []byte("## Machine")) {
		t.Errorf("empty report:\n%s", b.String())
	}
}

func TestTrendChartGolden(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 5, d, 2, 0, 0, 0, time.UTC) }
	var pts []TrendPoint
	for d := 1; d <= 5; d++ {
		id := fmt.Sprintf("n%d", d)
		pts = append(pts,
			TrendPoint{RunID: id, Start: day(d), Runner: "engram-27b", Set: "bbh", N: 100, Successes: float64(60 + d)},
			TrendPoint{RunID: id, Start: day(d), Runner: "engram-27b", Set: "bbh", N: 50, Successes: 20}, // a second cell, pooled
			TrendPoint{RunID: id, Start: day(d), Runner: "moe-27b", Set: "bbh", N: 150, Successes: float64(70 - d)},
			TrendPoint{RunID: id, Start: day(d), Runner: "moe-27b", Set: "ruler", N: 130, Successes: float64(100 - 2*d), Errors: 1},
		)
	}
	pts = append(pts, TrendPoint{RunID: "n6", Start: day(6), Runner: "moe-27b", Set: "ruler", N: 0, Errors: 130}) // all errors: no point
	c, err := TrendChart(pts)
	if err != nil {
		t.Fatal(err)
	}
	if c == nil || c.File != ChartTrend {
		t.Fatalf("chart %+v", c)
	}
	checkGolden(t, "trend.svg", c.SVG)
	if c, err := TrendChart(nil); c != nil || err != nil {
		t.Errorf("empty trend: %v, %v", c, err)
	}
}

// BenchmarkReportLarge renders the cost-versus-quality report and its
// charts for 2 runners × (13 × 6 RULER + 27 BBH + 17 bbh-gen) cells × 50
// samples (12,200 samples).
func BenchmarkReportLarge(b *testing.B) {
	run, samples := Fixture(LargeConfig())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := Build(run, samples)
		charts, err := r.Charts()
		if err != nil {
			b.Fatal(err)
		}
		var w bytes.Buffer
		if err := r.Write(&w, Options{Charts: charts}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(samples)), "samples")
}
