package reports

import (
	"cmp"
	"math"
	"slices"

	"github.com/engrambench/engrambench/results"
)

// SetRow is one runner on one task set: the set's samples pooled. Its
// embedded Cell has Cell set to the set's name and Task empty.
type SetRow struct {
	Cell
	Cells int // cells of the set the runner has samples in
	Score Estimate

	// Cost. SampleCostUSD is Cell.CostUSD (token prices, per sample);
	// EngineCostUSD is this set's share of the runner's local-engine cost
	// (wall time at its GPU-hour price), shared over the runner's samples
	// that were not served from the cache.
	EngineCostUSD float64
	Fresh         int  // samples not served from the cache
	CostKnown     bool // a price was set or a cost recorded for the runner
	// CostPer1k is (SampleCostUSD + EngineCostUSD) per 1,000 fresh
	// samples; NaN when the cost is not known or no sample was fresh.
	CostPer1k float64

	// PeakRSSBytes is the peak resident memory of the runner's engine
	// process tree over the whole run (0: not a local engine).
	PeakRSSBytes uint64

	// Frontier: Eligible rows have a score and a known cost; OnFrontier
	// marks the eligible rows no other runner of the set dominates.
	Eligible   bool
	OnFrontier bool
}

// TotalCostUSD is what the runner spent on the set.
func (r SetRow) TotalCostUSD() float64 { return r.CostUSD + r.EngineCostUSD }

// setRows pools each runner's samples per task set.
func setRows(run results.Run, samples []*results.Brief) []SetRow {
	type key struct{ runner, set string }
	groups := map[key][]*results.Brief{}
	cells := map[key]map[string]bool{}
	fresh := map[string]int{} // per runner
	for _, s := range samples {
		k := key{s.Runner, s.Set}
		groups[k] = append(groups[k], s)
		if cells[k] == nil {
			cells[k] = map[string]bool{}
		}
		cells[k][s.Cell] = true
		if !s.Cached {
			fresh[s.Runner]++
		}
	}
	keys := sortedKeysFunc(groups, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.set, b.set), cmp.Compare(a.runner, b.runner))
	})
	rows := make([]SetRow, 0, len(keys))
	for _, k := range keys {
		c := aggregateCell(cellKey{k.runner, k.set}, groups[k])
		c.Task = ""
		r := SetRow{Cell: c, Cells: len(cells[k]), Score: cellEstimate(c), CostPer1k: math.NaN()}
		r.Fresh = c.Samples() - c.Cached
		eng, hasEngine := run.Engines[k.runner]
		if hasEngine {
			r.PeakRSSBytes = eng.PeakRSSBytes
			if eng.CostUSD > 0 && fresh[k.runner] > 0 {
				r.EngineCostUSD = eng.CostUSD * float64(r.Fresh) / float64(fresh[k.runner])
			}
		}
		if r.PeakRSSBytes == 0 {
			r.PeakRSSBytes = sampledRSS(run.Samplers, k.runner)
		}
		r.CostKnown = r.CostUSD > 0 || (hasEngine && eng.CostUSD > 0) || priced(run, k.runner)
		if r.CostKnown && r.Fresh > 0 {
			r.CostPer1k = 1000 * r.TotalCostUSD() / float64(r.Fresh)
		}
		r.Eligible = r.N > 0 && !math.IsNaN(r.CostPer1k) && k.set != longPPL
		rows = append(rows, r)
	}
	// The frontier, per set.
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Set == rows[i].Set {
			j++
		}
		markFrontier(rows[i:j])
		i = j
	}
	return rows
}

func sortedKeysFunc[K comparable, V any](m map[K]V, f func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, f)
	return keys
}

// priceParams are the runner parameters that set a price.
var priceParams = []string{"price_input", "price_cached_input", "price_output", "price_gpu_hour"}

// priced reports whether the plan sets any price for the runner: then a
// cost of zero is a measured zero, not an unknown.
func priced(run results.Run, runner string) bool {
	for _, pr := range run.Plan.Runners {
		if pr.Name != runner {
			continue
		}
		for _, p := range priceParams {
			switch v := pr.Params[p].(type) {
			case float64:
				if v > 0 {
					return true
				}
			case int:
				if v > 0 {
					return true
				}
			}
		}
	}
	return false
}

func markFrontier(rows []SetRow) {
	var q, c []float64
	var idx []int
	for i, r := range rows {
		if r.Eligible {
			q = append(q, r.Score.Mean)
			c = append(c, r.CostPer1k)
			idx = append(idx, i)
		}
	}
	for i, on := range Frontier(q, c) {
		rows[idx[i]].OnFrontier = on
	}
}

// Frontier marks the Pareto frontier of quality (higher is better) against
// cost (lower is better): point i is on it when no other point is at least
// as good and at most as costly, with one of the two strictly better.
// Identical points are all on it. NaN values are never on it and dominate
// nothing.
func Frontier(quality, cost []float64) []bool {
	on := make([]bool, len(quality))
	for i := range quality {
		if math.IsNaN(quality[i]) || math.IsNaN(cost[i]) {
			continue
		}
		on[i] = true
		for j := range quality {
			if j == i || math.IsNaN(quality[j]) || math.IsNaN(cost[j]) {
				continue
			}
			if quality[j] >= quality[i] && cost[j] <= cost[i] && (quality[j] > quality[i] || cost[j] < cost[i]) {
				on[i] = false
				break
			}
		}
	}
	return on
}
