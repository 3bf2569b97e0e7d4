package reports

import (
	"math"
	"strconv"

	"github.com/engrambench/engrambench/tasks/longctx"
)

// RulerTasks are RULER's thirteen tasks (FACTS.md §2); a length's score is
// their unweighted mean.
var RulerTasks = []string{
	"niah_single_1", "niah_single_2", "niah_single_3",
	"niah_multikey_1", "niah_multikey_2", "niah_multikey_3",
	"niah_multivalue", "niah_multiquery", "vt", "cwe", "fwe", "qa_1", "qa_2",
}

// RulerRunner is one runner's RULER results by length.
type RulerRunner struct {
	Runner  string
	Lengths []RulerLength // shortest first
	// Effective is the effective length (longctx.EffectiveLength at
	// longctx.DefaultThreshold); EffectiveNote says why it is not shown
	// ("" when it is). EffectiveRange says whether Lo and Hi can be shown.
	Effective      longctx.LengthRange
	EffectiveNote  string
	EffectiveRange bool
}

// RulerLength is the average over the tasks at one length.
type RulerLength struct {
	Length  int
	Tasks   int // tasks with a scored sample
	Missing []string
	// Average is the unweighted mean of the task scores; N counts samples
	// over all its tasks. Its interval (longctx.Average) treats the tasks
	// as independent; it is left out when any task has fewer than
	// MinIntervalN samples.
	Average       Estimate
	RequestErrors int
	ScorerErrors  int
	Nulls         int
	avg           longctx.Estimate
}

func rulerRunners(cells []Cell) []RulerRunner {
	type lengthCells map[int][]Cell
	per := map[string]lengthCells{}
	for _, c := range cells {
		if c.Set != rulerSet {
			continue
		}
		_, _, labels := cellLabels(c.Cell)
		l, err := strconv.Atoi(labels["len"])
		if err != nil {
			continue
		}
		if per[c.Runner] == nil {
			per[c.Runner] = lengthCells{}
		}
		per[c.Runner][l] = append(per[c.Runner][l], c)
	}
	var out []RulerRunner
	for _, runner := range sortedKeys(per) {
		rr := RulerRunner{Runner: runner}
		avg := map[int]longctx.Estimate{}
		complete, ranged := true, true
		for _, l := range sortedKeys(per[runner]) {
			rl := rulerLength(l, per[runner][l])
			rr.Lengths = append(rr.Lengths, rl)
			if rl.Tasks > 0 {
				avg[l] = rl.avg
			}
			if len(rl.Missing) > 0 {
				complete = false
			}
			if !rl.Average.HasInterval() {
				ranged = false
			}
		}
		switch {
		case !complete:
			rr.EffectiveNote = "not computed: some lengths lack some of the 13 tasks"
		default:
			rr.Effective = longctx.EffectiveLength(avg, longctx.DefaultThreshold)
			rr.EffectiveRange = ranged
		}
		out = append(out, rr)
	}
	return out
}

func rulerLength(l int, cells []Cell) RulerLength {
	rl := RulerLength{Length: l}
	have := map[string]bool{}
	var est []longctx.Estimate
	tiny := false
	n := 0
	for _, c := range cells {
		rl.RequestErrors += c.RequestErrors
		rl.ScorerErrors += c.ScorerErrors
		rl.Nulls += c.Nulls
		if c.N == 0 {
			continue
		}
		// A task may appear in several cells at one length (other labels):
		// each counts once per cell.
		have[c.Task] = true
		lo, hi := Wilson(c.Successes, c.N, Z95)
		est = append(est, longctx.Estimate{Mean: c.Score, Lo: lo, Hi: hi, N: c.N})
		n += c.N
		tiny = tiny || c.N < MinIntervalN
	}
	rl.Tasks = len(have)
	for _, t := range RulerTasks {
		if !have[t] {
			rl.Missing = append(rl.Missing, t)
		}
	}
	nan := math.NaN()
	rl.Average = Estimate{Mean: nan, Lo: nan, Hi: nan, N: n, Approx: true, Warning: "no scored samples"}
	if len(est) == 0 {
		rl.Average.N = 0
		return rl
	}
	rl.avg = longctx.Average(est)
	rl.Average.Mean = rl.avg.Mean
	switch {
	case tiny:
		rl.Average.Warning = "a task has fewer than " + strconv.Itoa(MinIntervalN) + " samples: too few for a 95% interval"
	default:
		rl.Average.Lo, rl.Average.Hi, rl.Average.Warning = rl.avg.Lo, rl.avg.Hi, ""
	}
	return rl
}

// lengthText renders a token length as RULER writes it: 4096 → "4K",
// 131072 → "128K"; other lengths as numbers.
func lengthText(l int) string {
	if l >= 1024 && l%1024 == 0 {
		return strconv.Itoa(l/1024) + "K"
	}
	return strconv.Itoa(l)
}
