package compare

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/engrambench/engrambench/results"
)

// Options tune a comparison. Zero fields take the values of DefaultOptions.
type Options struct {
	Alpha     float64 // significance level after Holm's correction
	Level     float64 // confidence level of the intervals
	Resamples int     // bootstrap resamples per cell
	Seed      uint64  // bootstrap seed; each cell mixes in its name
	MinPairs  int     // fewer pairs than this get a warning
}

// DefaultOptions are α = 0.05, 95% intervals, 10,000 resamples, seed 1 and
// a warning below 10 pairs.
func DefaultOptions() Options {
	return Options{Alpha: 0.05, Level: 0.95, Resamples: 10000, Seed: 1, MinPairs: 10}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Alpha <= 0 || o.Alpha >= 1 {
		o.Alpha = d.Alpha
	}
	if o.Level <= 0 || o.Level >= 1 {
		o.Level = d.Level
	}
	if o.Resamples <= 0 {
		o.Resamples = d.Resamples
	}
	if o.Seed == 0 {
		o.Seed = d.Seed
	}
	if o.MinPairs <= 0 {
		o.MinPairs = d.MinPairs
	}
	return o
}

// Mode says what A and B are.
type Mode string

const (
	// ModeRuns compares two runs: each runner's cells against the same
	// runner's cells in the other run.
	ModeRuns Mode = "runs"
	// ModeRunners compares two runners within one run, cell by cell.
	ModeRunners Mode = "runners"
)

// Comparison is the outcome of comparing B against A. Differences are
// always B − A: with A the older run (or the baseline runner), a negative
// accuracy difference is a regression.
type Comparison struct {
	A, B     string // labels
	Mode     Mode
	Options  Options
	Rows     []Row    // sorted by runner, then cell
	Warnings []string // about the comparison as a whole
}

// Row is one cell compared: one runner's cell across two runs, or one cell
// across two runners.
type Row struct {
	Runner string // ModeRuns: the runner; "" in ModeRunners
	Cell   string // set/task=.../key=value
	Set    string
	Task   string

	Paired bool // instances were shared; false: compared unpaired
	Shared int  // (instance, repeat) keys present on both sides, scored or not
	Pairs  int  // shared keys scored on both sides: the n of the accuracy test
	// OnlyA and OnlyB count scored samples whose partner is missing or
	// errored: they are left out of a paired comparison.
	OnlyA, OnlyB int
	// ErrorsA and ErrorsB count samples that ended in an error; they are
	// never scored as wrong answers, and never paired.
	ErrorsA, ErrorsB int

	Accuracy Measure // mean score; Delta in fractions of 1
	Latency  Measure // median end-to-end latency in seconds; Delta relative
	Cost     Measure // mean cost per sample in USD; Delta relative

	Warnings []string
}

// Measure is one measure of a row on both sides, its difference and test.
type Measure struct {
	Test   string // "McNemar", "Wilcoxon", "z, unpaired"; "" when not tested
	N      int    // pairs tested (paired)
	NA, NB int    // values on each side
	A, B   float64
	// Delta is B − A for accuracy, (B − A)/A for latency and cost.
	Delta  float64
	Lo, Hi float64 // interval on Delta; NaN when there is none
	P      float64 // raw p-value; NaN when not tested
	PAdj   float64 // Holm-adjusted across the rows of this measure
	// Significant is PAdj < α.
	Significant bool
}

// Tested reports whether the measure was tested.
func (m Measure) Tested() bool { return !math.IsNaN(m.P) }

func untested() Measure {
	nan := math.NaN()
	return Measure{A: nan, B: nan, Delta: nan, Lo: nan, Hi: nan, P: nan, PAdj: nan}
}

// Runs compares two runs' samples, each runner's cells against the same
// runner's in the other run.
func Runs(a, b []results.Brief, labelA, labelB string, opt Options) *Comparison {
	return compare(a, b, ModeRuns, labelA, labelB, opt)
}

// Runners compares runner y against runner x within one run's samples.
func Runners(samples []results.Brief, x, y string, opt Options) *Comparison {
	var a, b []results.Brief
	for _, s := range samples {
		switch s.Runner {
		case x:
			a = append(a, s)
		case y:
			b = append(b, s)
		}
	}
	c := compare(a, b, ModeRunners, x, y, opt)
	if len(a) == 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("runner %s has no samples", x))
	}
	if len(b) == 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("runner %s has no samples", y))
	}
	return c
}

type groupKey struct{ runner, cell string }

type pairKey struct {
	instance string
	repeat   int
}

type side map[pairKey]results.Brief

func compare(a, b []results.Brief, mode Mode, labelA, labelB string, opt Options) *Comparison {
	opt = opt.withDefaults()
	c := &Comparison{A: labelA, B: labelB, Mode: mode, Options: opt}
	ga, gb := group(a, mode), group(b, mode)
	keys := map[groupKey]bool{}
	for k := range ga {
		keys[k] = true
	}
	for k := range gb {
		keys[k] = true
	}
	sorted := make([]groupKey, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.SortFunc(sorted, func(x, y groupKey) int {
		return cmp.Or(cmp.Compare(x.runner, y.runner), cmp.Compare(x.cell, y.cell))
	})
	for _, k := range sorted {
		sa, sb := ga[k], gb[k]
		name := k.cell
		if k.runner != "" {
			name = k.runner + " " + k.cell
		}
		switch {
		case len(sa) == 0:
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: only in B (%s); not compared", name, labelB))
			continue
		case len(sb) == 0:
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: only in A (%s); not compared", name, labelA))
			continue
		}
		c.Rows = append(c.Rows, compareCell(k, sa, sb, opt))
	}
	adjust(c.Rows, func(r *Row) *Measure { return &r.Accuracy }, opt.Alpha)
	adjust(c.Rows, func(r *Row) *Measure { return &r.Latency }, opt.Alpha)
	adjust(c.Rows, func(r *Row) *Measure { return &r.Cost }, opt.Alpha)
	return c
}

// group splits samples by cell (and runner, comparing runs), keyed by
// instance and repeat; of two samples with one key the first is kept.
func group(ss []results.Brief, mode Mode) map[groupKey]side {
	out := map[groupKey]side{}
	for _, s := range ss {
		k := groupKey{cell: s.Cell}
		if mode == ModeRuns {
			k.runner = s.Runner
		}
		g := out[k]
		if g == nil {
			g = side{}
			out[k] = g
		}
		pk := pairKey{s.InstanceID, s.Repeat}
		if _, dup := g[pk]; !dup {
			g[pk] = s
		}
	}
	return out
}

// scored reports whether a sample has a score and no error of any kind,
// with the same rules as reports.Aggregate.
func scored(s results.Brief) bool {
	return s.ErrorKind == "" && s.Error == "" && s.Score != nil
}

// responded reports whether a sample got a response (it has latency and
// usage): every sample but request errors.
func responded(s results.Brief) bool {
	switch {
	case s.ErrorKind == results.ErrRequest:
		return false
	case s.ErrorKind == results.ErrScorer:
		return true
	}
	return s.Error == ""
}

func compareCell(k groupKey, sa, sb side, opt Options) Row {
	r := Row{Runner: k.runner, Cell: k.cell}
	for _, s := range sa {
		r.Set, r.Task = s.Set, s.Task
		break
	}
	keys := make([]pairKey, 0, len(sa))
	for pk, s := range sa {
		if !scored(s) {
			r.ErrorsA++
		}
		if _, ok := sb[pk]; ok {
			keys = append(keys, pk)
		}
	}
	for _, s := range sb {
		if !scored(s) {
			r.ErrorsB++
		}
	}
	// A fixed order: sums and the bootstrap must not depend on map order.
	slices.SortFunc(keys, func(x, y pairKey) int {
		return cmp.Or(cmp.Compare(x.instance, y.instance), cmp.Compare(x.repeat, y.repeat))
	})
	r.Shared = len(keys)
	r.Paired = r.Shared > 0
	seed := opt.Seed ^ fnv64(k.runner+"\x00"+k.cell)
	if r.Paired {
		pairedCell(&r, keys, sa, sb, opt, seed)
	} else {
		unpairedCell(&r, sa, sb)
	}
	switch {
	case !r.Paired:
		r.Warnings = append(r.Warnings, "no instance is shared: compared unpaired, as independent samples")
	case r.Pairs == 0:
		r.Warnings = append(r.Warnings, "no shared instance was scored on both sides: not tested")
	case r.Pairs < opt.MinPairs:
		r.Warnings = append(r.Warnings, fmt.Sprintf("only %d pairs: the interval and test are unreliable", r.Pairs))
	}
	if r.Paired && (r.OnlyA > 0 || r.OnlyB > 0) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d scored samples of A and %d of B have no scored partner and are left out", r.OnlyA, r.OnlyB))
	}
	return r
}

func pairedCell(r *Row, keys []pairKey, sa, sb side, opt Options, seed uint64) {
	var (
		d, va, vb    []float64
		binary       = true
		onlyA, onlyB int // pass/fail discordant counts
	)
	var latA, latB, latD, costA, costB, costD []float64
	var anyCost bool
	paired := map[pairKey]bool{}
	for _, pk := range keys {
		x, y := sa[pk], sb[pk]
		if scored(x) && scored(y) {
			paired[pk] = true
			a, b := *x.Score, *y.Score
			va, vb = append(va, a), append(vb, b)
			d = append(d, b-a)
			if (a != 0 && a != 1) || (b != 0 && b != 1) {
				binary = false
			}
			switch {
			case a == 1 && b == 0:
				onlyA++
			case a == 0 && b == 1:
				onlyB++
			}
		}
		if responded(x) && responded(y) {
			if x.LatencyS > 0 && y.LatencyS > 0 {
				latA, latB = append(latA, x.LatencyS), append(latB, y.LatencyS)
				latD = append(latD, y.LatencyS-x.LatencyS)
			}
			costA, costB = append(costA, x.CostUSD), append(costB, y.CostUSD)
			costD = append(costD, y.CostUSD-x.CostUSD)
			anyCost = anyCost || x.CostUSD != 0 || y.CostUSD != 0
		}
	}
	for pk, s := range sa {
		if scored(s) && !paired[pk] {
			r.OnlyA++
		}
	}
	for pk, s := range sb {
		if scored(s) && !paired[pk] {
			r.OnlyB++
		}
	}
	r.Pairs = len(d)

	m := untested()
	m.N, m.NA, m.NB = len(d), len(d), len(d)
	if len(d) > 0 {
		m.A, m.B, m.Delta = Mean(va), Mean(vb), Mean(d)
		m.Lo, m.Hi = BootstrapMeanCI(d, opt.Resamples, opt.Level, seed)
		if binary {
			m.Test, m.P = "McNemar", McNemarExact(onlyA, onlyB)
		} else {
			m.Test, m.P = "Wilcoxon", WilcoxonSignedRank(d).P
		}
	}
	r.Accuracy = m

	r.Latency = pairedRelative(latA, latB, latD, Median)
	r.Cost = untested()
	if anyCost {
		r.Cost = pairedRelative(costA, costB, costD, Mean)
	}
}

// pairedRelative summarises paired values with center (median or mean) and
// tests their differences with the signed-rank test; Delta is the relative
// change of the centers.
func pairedRelative(a, b, d []float64, center func([]float64) float64) Measure {
	m := untested()
	m.N, m.NA, m.NB = len(d), len(a), len(b)
	if len(d) == 0 {
		return m
	}
	m.A, m.B = center(a), center(b)
	if m.A != 0 {
		m.Delta = (m.B - m.A) / m.A
	}
	m.Test, m.P = "Wilcoxon", WilcoxonSignedRank(d).P
	return m
}

// unpairedCell compares a cell that shares no instance: the scores as two
// independent proportions. Latency and cost are only summarised.
func unpairedCell(r *Row, sa, sb side) {
	var xa, xb float64
	var na, nb int
	var latA, latB []float64
	for _, s := range sa {
		if scored(s) {
			xa += *s.Score
			na++
		}
		if responded(s) && s.LatencyS > 0 {
			latA = append(latA, s.LatencyS)
		}
	}
	for _, s := range sb {
		if scored(s) {
			xb += *s.Score
			nb++
		}
		if responded(s) && s.LatencyS > 0 {
			latB = append(latB, s.LatencyS)
		}
	}
	r.OnlyA, r.OnlyB = na, nb
	m := untested()
	m.NA, m.NB = na, nb
	if na > 0 && nb > 0 {
		m.A, m.B = xa/float64(na), xb/float64(nb)
		m.Delta = m.B - m.A
		m.Lo, m.Hi = NewcombeDiff(xa, na, xb, nb)
		m.Test, m.P = "z, unpaired", TwoProportionZ(xa, na, xb, nb)
	}
	r.Accuracy = m
	r.Latency = untested()
	r.Latency.NA, r.Latency.NB = len(latA), len(latB)
	if len(latA) > 0 && len(latB) > 0 {
		r.Latency.A, r.Latency.B = Median(latA), Median(latB)
	}
	r.Cost = untested()
}

// adjust applies Holm's correction to one measure across rows.
func adjust(rows []Row, get func(*Row) *Measure, alpha float64) {
	p := make([]float64, len(rows))
	for i := range rows {
		p[i] = get(&rows[i]).P
	}
	for i, v := range Holm(p) {
		m := get(&rows[i])
		m.PAdj = v
		m.Significant = !math.IsNaN(v) && v < alpha
	}
}

func fnv64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// Regressions returns the rows whose accuracy fell significantly (after
// Holm's correction) by more than maxDrop, a fraction of 1 (0.02 for two
// percentage points; 0 for any significant drop).
func (c *Comparison) Regressions(maxDrop float64) []Row {
	var out []Row
	for _, r := range c.Rows {
		m := r.Accuracy
		if m.Significant && m.Delta < 0 && -m.Delta > maxDrop {
			out = append(out, r)
		}
	}
	return out
}
