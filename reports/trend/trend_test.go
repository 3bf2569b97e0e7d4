package trend

import (
	"bytes"
	"testing"
	"time"

	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/store"
)

func TestPointsAndChart(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
	runs := []store.RunInfo{{ID: "n1", Start: t0}, {ID: "n2", Start: t0.Add(24 * time.Hour)}}
	pts := []store.Point{
		{RunID: "n1", Start: t0, Runner: "a", Cell: "bbh/task=x", Set: "bbh", Task: "x", N: 10, Successes: 6, RequestErrors: 1, ScorerErrors: 2},
		{RunID: "n2", Start: t0.Add(24 * time.Hour), Runner: "a", Cell: "bbh/task=x", Set: "bbh", Task: "x", N: 10, Successes: 7},
		{RunID: "old", Start: t0.Add(-24 * time.Hour), Runner: "a", Cell: "bbh/task=x", Set: "bbh", Task: "x", N: 10, Successes: 1},
	}
	got := Points(runs, pts)
	want := []reports.TrendPoint{
		{RunID: "n1", Start: t0, Runner: "a", Set: "bbh", N: 10, Successes: 6, Errors: 3},
		{RunID: "n2", Start: t0.Add(24 * time.Hour), Runner: "a", Set: "bbh", N: 10, Successes: 7},
	}
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d (a run not listed is left out)", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	c, err := Chart(runs, pts)
	if err != nil || c == nil || c.File != reports.ChartTrend || !bytes.HasPrefix(c.SVG, []byte("<?xml")) {
		t.Fatalf("chart: %v, %v", c, err)
	}
	direct, _ := reports.TrendChart(want)
	if !bytes.Equal(c.SVG, direct.SVG) {
		t.Error("Chart differs from reports.TrendChart on the converted points")
	}
	if c, err := Chart(nil, pts); c != nil || err != nil {
		t.Errorf("no runs: %v, %v", c, err)
	}
}
