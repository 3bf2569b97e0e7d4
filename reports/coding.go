package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/tasks/coding"
)

// codingSets are the task sets scored by running code, whose scores are
// reported as pass@k.
var codingSets = []string{
	coding.HumanEvalName, coding.MBPPName, coding.MultiPLEGoName,
	coding.CodePyName, coding.CodeGoName, coding.CodeRepoName, coding.CodeSessionName, coding.CodeLongName,
}

// passKs are the k a report shows beside pass@1, where the samples allow;
// the largest number of samples per problem is shown too.
var passKs = []int{1, 2, 5, 10, 20, 50, 100}

// CodingRow is one runner on one problem kind (a coding set's task, e.g.
// code-py's "easy"): unbiased pass@k over problems, with the samples of a
// problem being its repeats (coding.PassAtKByProblem).
type CodingRow struct {
	Runner, Set, Kind string
	Problems          int // problems with at least one scored sample
	Samples           int // scored samples
	MinPer, MaxPer    int // scored samples per problem
	// Pass1 is pass@1 (the mean over problems of passes/samples), with a
	// Wilson interval over problems (approximate when a problem has more
	// than one sample).
	Pass1 Estimate
	// PassAt is pass@k by k and Counted the problems with at least k
	// samples that entered it.
	PassAt   map[int]float64
	Counted  map[int]int
	Errors   errorCount
	Outcomes map[coding.Outcome]int // scored samples by outcome class; "" for no class
	Warnings []string
}

func codingRows(r *Report, bySet map[string][]*results.Brief) []CodingRow {
	type key struct{ runner, set, kind string }
	groups := map[key][]*results.Brief{}
	for _, set := range codingSets {
		for _, s := range bySet[set] {
			k := key{s.Runner, s.Set, s.Task}
			groups[k] = append(groups[k], s)
		}
	}
	var out []CodingRow
	for _, k := range sortedKeysFunc(groups, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.set, b.set), cmp.Compare(a.kind, b.kind), cmp.Compare(a.runner, b.runner))
	}) {
		row := CodingRow{Runner: k.runner, Set: k.set, Kind: k.kind, Outcomes: map[coding.Outcome]int{}}
		var outs []coding.SampleOutcome
		for _, s := range byKey(groups[k]) {
			switch outcomeOf(s) {
			case outRequestError:
				row.Errors.Request++
				continue
			case outScorerError:
				row.Errors.Scorer++
				continue
			}
			outs = append(outs, coding.SampleOutcome{Problem: s.InstanceID, Passed: coding.SamplePassed(*s.Score, s.ScoreDetail)})
			row.Outcomes[coding.OutcomeOf(s.ScoreDetail)]++
		}
		row.Samples = len(outs)
		per := map[string]int{}
		for _, o := range outs {
			per[o.Problem]++
		}
		row.Problems = len(per)
		row.MinPer = math.MaxInt
		for _, n := range per {
			row.MinPer, row.MaxPer = min(row.MinPer, n), max(row.MaxPer, n)
		}
		if row.Problems == 0 {
			row.MinPer = 0
			row.Pass1 = Proportion(0, 0, false)
			out = append(out, row)
			continue
		}
		ks := []int{}
		for _, kk := range passKs {
			if kk <= row.MaxPer {
				ks = append(ks, kk)
			}
		}
		if !slices.Contains(ks, row.MaxPer) {
			ks = append(ks, row.MaxPer)
		}
		sum, err := coding.PassAtKByProblem(outs, ks)
		if err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("%s %s/%s: pass@k: %v", k.runner, k.set, k.kind, err))
			out = append(out, row)
			continue
		}
		row.PassAt, row.Counted, row.Warnings = sum.Overall, sum.Counted, sum.Warnings
		var succ float64
		for _, p := range sum.Problems {
			succ += float64(p.C) / float64(p.N)
		}
		row.Pass1 = Proportion(succ, row.Problems, row.MaxPer > 1)
		out = append(out, row)
	}
	return out
}
