// Package trend draws the nightly trend chart from the run history store's
// series. It converts store points for reports.TrendChart and lives apart
// from package reports because package store imports reports.
package trend

import (
	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/store"
)

// Chart draws each runner's pooled score per task set over runs (one
// panel per set) from the store's runs and series, as store.Runs and
// store.Series return them; points of runs not in runs are left out. It
// returns nil when there is nothing to draw. The chart's file name is
// reports.ChartTrend.
func Chart(runs []store.RunInfo, points []store.Point) (*reports.Chart, error) {
	return reports.TrendChart(Points(runs, points))
}

// Points converts store points of the given runs to trend points.
func Points(runs []store.RunInfo, points []store.Point) []reports.TrendPoint {
	keep := make(map[string]bool, len(runs))
	for _, r := range runs {
		keep[r.ID] = true
	}
	out := make([]reports.TrendPoint, 0, len(points))
	for _, p := range points {
		if !keep[p.RunID] {
			continue
		}
		out = append(out, reports.TrendPoint{
			RunID: p.RunID, Start: p.Start, Runner: p.Runner, Set: p.Set,
			N: p.N, Successes: p.Successes, Errors: p.RequestErrors + p.ScorerErrors,
		})
	}
	return out
}
