package compare

import (
	"bytes"
	"fmt"
	"github.com/engrambench/engrambench/internal/golden"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/store"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

// smp builds a sample; score < 0 is a request error, NaN a scorer error.
func smp(runner, cell string, inst int, score, latency, cost float64) results.Brief {
	set, task, _ := strings.Cut(cell, "/task=")
	task, _, _ = strings.Cut(task, "/")
	id := fmt.Sprintf("%s/%04d", cell, inst)
	s := results.Sample{
		Key: results.SampleKey(runner, id, 0), Runner: runner, Set: set, Task: task,
		Cell: cell, InstanceID: id, CostUSD: cost,
		Timing: results.SampleTiming{LatencyS: latency},
	}
	switch {
	case math.IsNaN(score):
		s.Error, s.ErrorKind = "scorer broke", results.ErrScorer
	case score < 0:
		s.Error, s.ErrorKind = "HTTP 500", results.ErrRequest
		s.Timing = results.SampleTiming{}
		s.CostUSD = 0
	default:
		v := score
		s.Score = &v
	}
	return results.BriefOf(&s)
}

const (
	cellSort  = "bbh-gen/task=word_sorting/shots=3"
	cellBool  = "bbh-gen/task=boolean_expressions/shots=3"
	cellRuler = "ruler/task=niah_multikey_2/len=4096"
	cellTiny  = "bbh-gen/task=dyck_languages/shots=3"
	cellGone  = "bbh-gen/task=navigate/shots=3"
	cellNew   = "ruler/task=vt/len=4096"
	cellErr   = "ruler/task=cwe/len=4096"
)

// fixture returns two runs of runner "m": B improved word sorting (30
// pairs, 8 discordant all one way), lost every boolean expression (all
// discordant), moved fractional RULER scores a little, has 3 pairs of a
// tiny cell, one cell with no shared instance, one cell per side only, and
// a cell whose B side errored.
func fixture() (a, b []results.Brief) {
	for i := range 30 {
		sa, sb := 0.0, 0.0
		if i < 20 {
			sa, sb = 1, 1
		} else if i < 28 {
			sb = 1
		}
		a = append(a, smp("m", cellSort, i, sa, 1.0+0.01*float64(i), 0.002))
		b = append(b, smp("m", cellSort, i, sb, 1.5+0.01*float64(i), 0.001))
	}
	for i := range 12 {
		a = append(a, smp("m", cellBool, i, 1, 0.5, 0.001))
		b = append(b, smp("m", cellBool, i, 0, 0.5, 0.001))
	}
	for i := range 15 {
		fa := float64(i%4) / 4
		fb := fa
		if i%5 == 0 {
			fb = math.Min(1, fa+0.25)
		}
		a = append(a, smp("m", cellRuler, i, fa, 2, 0))
		b = append(b, smp("m", cellRuler, i, fb, 2+0.1*float64(i%3), 0))
	}
	for i := range 3 {
		a = append(a, smp("m", cellTiny, i, 0, 0.2, 0))
		b = append(b, smp("m", cellTiny, i, 1, 0.2, 0))
	}
	for i := range 20 {
		a = append(a, smp("m", cellNew, i, float64(i%2), 3, 0))
		b = append(b, smp("m", cellNew, 100+i, float64(min(1, i%4)), 3, 0))
	}
	a = append(a, smp("m", cellGone, 0, 1, 1, 0))
	b = append(b, smp("m", "bbh-gen/task=snarks/shots=3", 0, 1, 1, 0))
	for i := range 4 {
		a = append(a, smp("m", cellErr, i, 1, 1, 0))
		b = append(b, smp("m", cellErr, i, -1, 0, 0))
	}
	b[len(b)-1] = smp("m", cellErr, 3, math.NaN(), 1, 0)
	return a, b
}

func rowOf(t *testing.T, c *Comparison, cell string) Row {
	t.Helper()
	for _, r := range c.Rows {
		if r.Cell == cell {
			return r
		}
	}
	t.Fatalf("no row for %s", cell)
	return Row{}
}

func TestRunsFigures(t *testing.T) {
	a, b := fixture()
	c := Runs(a, b, "run-a", "run-b", Options{})

	// Word sorting: 30 pairs, 20 concordant passes, 8 pairs B alone passed:
	// McNemar p = 2·(1/2^8) = 0.0078125; Δ = 8/30.
	r := rowOf(t, c, cellSort)
	m := r.Accuracy
	if !r.Paired || r.Pairs != 30 || m.Test != "McNemar" || !near(m.P, 2.0/256, 1e-12) || !near(m.Delta, 8.0/30, 1e-12) {
		t.Errorf("word sorting: %+v", r)
	}
	if !(m.Lo > 0 && m.Lo < m.Delta && m.Hi > m.Delta && m.Hi <= 1) {
		t.Errorf("word sorting interval [%g, %g] around %g", m.Lo, m.Hi, m.Delta)
	}
	// Latency rose by 0.5 s on every pair: Wilcoxon V = 0 of 30, normal
	// approximation (n ≥ 50 is not met but every |d| ties).
	if l := r.Latency; l.N != 30 || l.Test != "Wilcoxon" || !(l.P < 0.001) || !near(l.A, 1.145, 1e-9) || !near(l.B, 1.645, 1e-9) {
		t.Errorf("word sorting latency: %+v", l)
	}
	if cst := r.Cost; !cst.Tested() || !near(cst.Delta, -0.5, 1e-12) {
		t.Errorf("word sorting cost: %+v", cst)
	}

	// Boolean expressions: all 12 pairs discordant, B lost each: p = 2/2^12,
	// Δ = −1 and the bootstrap interval is [−1, −1].
	r = rowOf(t, c, cellBool)
	m = r.Accuracy
	if !near(m.P, 2.0/4096, 1e-15) || m.Delta != -1 || m.Lo != -1 || m.Hi != -1 || !m.Significant {
		t.Errorf("boolean: %+v", m)
	}
	// All latencies equal: no non-zero difference, p = 1, not significant.
	if l := r.Latency; l.P != 1 || l.Significant || l.Delta != 0 {
		t.Errorf("boolean latency (all equal): %+v", l)
	}

	// RULER: fractional scores are tested with the signed-rank test.
	if m := rowOf(t, c, cellRuler).Accuracy; m.Test != "Wilcoxon" || m.N != 15 {
		t.Errorf("ruler: %+v", m)
	}

	// Tiny: three pairs, all discordant: p = 2/8, with a warning.
	r = rowOf(t, c, cellTiny)
	if !near(r.Accuracy.P, 0.25, 1e-12) || r.Accuracy.Significant || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "only 3 pairs") {
		t.Errorf("tiny: %+v", r)
	}

	// No shared instance: unpaired, z-test, Newcombe interval, labelled.
	r = rowOf(t, c, cellNew)
	m = r.Accuracy
	if r.Paired || m.Test != "z, unpaired" || m.NA != 20 || m.NB != 20 || !near(m.Delta, 0.25, 1e-12) ||
		!near(m.P, TwoProportionZ(10, 20, 15, 20), 0) || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "unpaired") {
		t.Errorf("unpaired: %+v", r)
	}

	// Errors on B: never paired, never scored as wrong; n = 0, not tested.
	r = rowOf(t, c, cellErr)
	if r.Pairs != 0 || r.Accuracy.Tested() || r.ErrorsB != 4 || r.ErrorsA != 0 || r.OnlyA != 4 {
		t.Errorf("errored: %+v", r)
	}

	// One cell per side only: warnings, no rows.
	var gone, added bool
	for _, w := range c.Warnings {
		gone = gone || strings.Contains(w, "navigate") && strings.Contains(w, "only in A")
		added = added || strings.Contains(w, "snarks") && strings.Contains(w, "only in B")
	}
	if !gone || !added {
		t.Errorf("warnings: %q", c.Warnings)
	}

	// Holm: five accuracy tests (the errored cell is not one).
	tested := 0
	for _, r := range c.Rows {
		if r.Accuracy.Tested() {
			tested++
		}
	}
	if tested != 5 {
		t.Errorf("%d accuracy tests, want 5", tested)
	}
	if got := rowOf(t, c, cellBool).Accuracy.PAdj; !near(got, 5*2.0/4096, 1e-15) {
		t.Errorf("boolean Holm-adjusted p = %g, want %g", got, 5*2.0/4096)
	}

	// Regressions: boolean expressions fell by 100 pp.
	if reg := c.Regressions(0.02); len(reg) != 1 || reg[0].Cell != cellBool {
		t.Errorf("regressions: %+v", reg)
	}
	if reg := c.Regressions(1); len(reg) != 0 {
		t.Errorf("a drop of exactly the threshold is not beyond it: %+v", reg)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := fixture()
	var x, y bytes.Buffer
	if err := WriteMarkdown(&x, Runs(a, b, "A", "B", Options{}), "t", 1); err != nil {
		t.Fatal(err)
	}
	// Reversed input order, same result.
	for i, j := 0, len(a)-1; i < j; i, j = i+1, j-1 {
		a[i], a[j] = a[j], a[i]
	}
	if err := WriteMarkdown(&y, Runs(a, b, "A", "B", Options{}), "t", 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Error("output depends on sample order")
	}
}

func TestGoldenRuns(t *testing.T) {
	a, b := fixture()
	var buf bytes.Buffer
	c := Runs(a, b, "quick-20260301T093000Z-7f3a01", "quick-20260302T093000Z-8e4b02", Options{})
	if err := WriteMarkdown(&buf, c, "Changes since last run", 2); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "runs.md", buf.Bytes())
}

func TestGoldenRunners(t *testing.T) {
	a, b := fixture()
	// The same samples as two runners of one run.
	var ss []results.Brief
	for _, s := range a {
		s.Runner = "baseline"
		ss = append(ss, s)
	}
	for _, s := range b {
		s.Runner = "engram"
		ss = append(ss, s)
	}
	c := Runners(ss, "baseline", "engram", Options{})
	if c.Mode != ModeRunners || len(c.Rows) != 6 {
		t.Fatalf("runners: mode %s, %d rows", c.Mode, len(c.Rows))
	}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, c, "engram vs baseline", 1); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "runners.md", buf.Bytes())
}

func TestEmpty(t *testing.T) {
	c := Runners(nil, "x", "y", Options{})
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, c, "nothing", 1); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Nothing to compare", "runner x has no samples", "runner y has no samples"} {
		if !strings.Contains(out, want) {
			t.Errorf("empty comparison lacks %q:\n%s", want, out)
		}
	}
	checkGolden(t, "empty.md", buf.Bytes())
}

func TestRepeatsPairSeparately(t *testing.T) {
	var a, b []results.Brief
	for rep := range 3 {
		x := smp("m", cellSort, 0, 1, 1, 0)
		x.Repeat = rep
		y := smp("m", cellSort, 0, 0, 1, 0)
		y.Repeat = rep
		a, b = append(a, x), append(b, y)
	}
	r := Runs(a, b, "A", "B", Options{}).Rows[0]
	if r.Pairs != 3 || !near(r.Accuracy.P, 2.0/8, 1e-12) {
		t.Errorf("repeats: %+v", r)
	}
}

func TestTrendGolden(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	runs := []store.RunInfo{
		{ID: "nightly-1", Start: t0, Status: results.StatusComplete},
		{ID: "nightly-2", Start: t0.Add(day), Status: results.StatusPartial},
		{ID: "nightly-3", Start: t0.Add(2 * day), Status: results.StatusComplete},
	}
	pts := []store.Point{
		{RunID: "nightly-1", Runner: "engram", Cell: cellSort, N: 20, Successes: 12},
		{RunID: "nightly-2", Runner: "engram", Cell: cellSort, N: 18, Successes: 9, RequestErrors: 2},
		{RunID: "nightly-3", Runner: "engram", Cell: cellSort, N: 20, Successes: 15},
		{RunID: "nightly-3", Runner: "baseline", Cell: cellSort, N: 20, Successes: 10},
		{RunID: "nightly-2", Runner: "baseline", Cell: cellRuler, N: 0, ScorerErrors: 3},
		{RunID: "elsewhere", Runner: "baseline", Cell: cellRuler, N: 5, Successes: 5},
	}
	tr := NewTrend(runs, pts)
	if len(tr.Rows) != 3 || tr.Rows[0].Runner != "baseline" || tr.Rows[2].Points[1].N != 18 || tr.Rows[0].Points[0] != nil {
		t.Fatalf("trend rows: %+v", tr.Rows)
	}
	var buf bytes.Buffer
	if err := WriteTrend(&buf, tr, "Trend over the last 3 runs", 2); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "trend.md", buf.Bytes())
	buf.Reset()
	if err := WriteTrend(&buf, NewTrend(nil, nil), "Trend", 2); err != nil || !strings.Contains(buf.String(), "No stored runs") {
		t.Errorf("empty trend: %q, %v", buf.String(), err)
	}
}
