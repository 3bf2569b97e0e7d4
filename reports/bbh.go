package reports

import (
	"cmp"
	"fmt"
	"math"
	"strconv"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/tasks/bbh"
)

// BBHVariant is one runner's BBH results at one prompt variant (the cell
// labels other than task and difficulty, e.g. "mode=cot/shots=3"): the
// official tasks against generated ones at difficulty 0, and generated
// accuracy by difficulty.
type BBHVariant struct {
	Runner  string
	Variant string
	Tasks   []BBHTask // every task seen on either side, by name

	// Averages over the tasks of each side, and over the tasks both sides
	// have (matched): generated tasks are a subset of the official ones.
	Official, Generated               BBHAverage
	MatchedOfficial, MatchedGenerated BBHAverage

	Difficulty []BBHLevel // generated accuracy by difficulty, lowest first
}

// BBHTask is one task: official and generated (difficulty 0) accuracy, the
// gap between them and the chance level.
type BBHTask struct {
	Task                          string
	Official, Generated           Estimate
	OfficialErrors, GeneratedErrs errorCount
	// Gap is official minus generated (bbh.Gap); GapShown says both sides
	// have at least MinIntervalN samples, so its interval and the
	// contamination flag mean something.
	Gap      bbh.GapResult
	GapShown bool
	// Chance is the mean chance level over the task's scored samples that
	// carry one (bbh.Detail); ChanceN counts them.
	Chance  float64
	ChanceN int
}

// BBHAverage is a micro average (every sample weighs the same: the
// reference harness's group score) with its interval, and a macro average
// (every task weighs the same) over Tasks tasks.
type BBHAverage struct {
	Micro  Estimate
	Macro  float64
	Tasks  int
	Errors errorCount
}

// BBHLevel is generated accuracy at one difficulty, pooled over tasks.
type BBHLevel struct {
	Difficulty int
	Accuracy   Estimate
	Tasks      int
	Errors     errorCount
}

type errorCount struct{ Request, Scorer int }

func (e errorCount) total() int { return e.Request + e.Scorer }

func (e *errorCount) add(c Cell) {
	e.Request += c.RequestErrors
	e.Scorer += c.ScorerErrors
}

type bbhSide struct {
	tally      bbh.Tally
	fractional bool
	errs       errorCount
}

func (s *bbhSide) add(c Cell) {
	s.tally.Correct += c.Successes
	s.tally.N += c.N
	s.fractional = s.fractional || c.Fractional
	s.errs.add(c)
}

func (s bbhSide) estimate() Estimate { return Proportion(s.tally.Correct, s.tally.N, s.fractional) }

func bbhVariants(r *Report, cells []Cell, samples []*results.Brief) []BBHVariant {
	type vkey struct{ runner, variant string }
	type tkey struct {
		vkey
		task string
	}
	official := map[tkey]*bbhSide{}
	gen := map[tkey]*bbhSide{}            // difficulty 0
	levels := map[vkey]map[int]*bbhSide{} // by difficulty
	levelTasks := map[vkey]map[int]map[string]bool{}
	variants := map[vkey]bool{}
	get := func(m map[tkey]*bbhSide, k tkey) *bbhSide {
		if m[k] == nil {
			m[k] = &bbhSide{}
		}
		return m[k]
	}
	for _, c := range cells {
		if c.Set != bbhOfficial && c.Set != bbhGenerated {
			continue
		}
		_, task, labels := cellLabels(c.Cell)
		vk := vkey{c.Runner, labelString(labels, "difficulty")}
		variants[vk] = true
		tk := tkey{vk, task}
		if c.Set == bbhOfficial {
			get(official, tk).add(c)
			continue
		}
		d, err := strconv.Atoi(labels["difficulty"])
		if err != nil {
			d = 0 // no label: the official range
		}
		if d == 0 {
			get(gen, tk).add(c)
		}
		if levels[vk] == nil {
			levels[vk] = map[int]*bbhSide{}
			levelTasks[vk] = map[int]map[string]bool{}
		}
		if levels[vk][d] == nil {
			levels[vk][d] = &bbhSide{}
			levelTasks[vk][d] = map[string]bool{}
		}
		levels[vk][d].add(c)
		if c.N > 0 {
			levelTasks[vk][d][task] = true
		}
	}

	// Chance levels from the scorer's details.
	chance := map[tkey]float64{}
	chanceN := map[tkey]int{}
	bad := 0
	for _, s := range byKey(samples) {
		if outcomeOf(s) != outScored || s.ScoreDetail == "" {
			continue
		}
		d, err := bbh.ParseDetail(s.ScoreDetail)
		if err != nil {
			bad++
			continue
		}
		_, task, labels := cellLabels(s.Cell)
		tk := tkey{vkey{s.Runner, labelString(labels, "difficulty")}, task}
		if s.Set == bbhGenerated {
			if v, _ := strconv.Atoi(labels["difficulty"]); v != 0 {
				continue
			}
		}
		chance[tk] += d.Chance
		chanceN[tk]++
	}
	if bad > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("BBH: %d scored samples carry a score detail that is not the BBH scorer's; their chance level is not counted", bad))
	}

	var out []BBHVariant
	for _, vk := range sortedKeysFunc(variants, func(a, b vkey) int {
		return cmp.Or(cmp.Compare(a.runner, b.runner), cmp.Compare(a.variant, b.variant))
	}) {
		v := BBHVariant{Runner: vk.runner, Variant: vk.variant}
		taskSet := map[string]bool{}
		for tk := range official {
			if tk.vkey == vk {
				taskSet[tk.task] = true
			}
		}
		for tk := range gen {
			if tk.vkey == vk {
				taskSet[tk.task] = true
			}
		}
		offAll, genAll, offM, genM := map[string]*bbhSide{}, map[string]*bbhSide{}, map[string]*bbhSide{}, map[string]*bbhSide{}
		for _, task := range sortedKeys(taskSet) {
			tk := tkey{vk, task}
			t := BBHTask{Task: task, Chance: math.NaN()}
			o, g := official[tk], gen[tk]
			if o == nil {
				o = &bbhSide{}
			}
			if g == nil {
				g = &bbhSide{}
			}
			t.Official, t.Generated = o.estimate(), g.estimate()
			t.OfficialErrors, t.GeneratedErrs = o.errs, g.errs
			t.Gap = bbh.Gap(o.tally, g.tally)
			t.GapShown = o.tally.N >= MinIntervalN && g.tally.N >= MinIntervalN
			if n := chanceN[tk]; n > 0 {
				t.Chance, t.ChanceN = chance[tk]/float64(n), n
			}
			v.Tasks = append(v.Tasks, t)
			if official[tk] != nil {
				offAll[task] = o
			}
			if gen[tk] != nil {
				genAll[task] = g
			}
			if official[tk] != nil && gen[tk] != nil && o.tally.N > 0 && g.tally.N > 0 {
				offM[task], genM[task] = o, g
			}
		}
		v.Official, v.Generated = bbhAverage(offAll), bbhAverage(genAll)
		v.MatchedOfficial, v.MatchedGenerated = bbhAverage(offM), bbhAverage(genM)
		for _, d := range sortedKeys(levels[vk]) {
			s := levels[vk][d]
			v.Difficulty = append(v.Difficulty, BBHLevel{Difficulty: d, Accuracy: s.estimate(), Tasks: len(levelTasks[vk][d]), Errors: s.errs})
		}
		out = append(out, v)
	}
	return out
}

// bbhAverage pools tasks' sides into micro and macro averages with
// bbh.Averages.
func bbhAverage(sides map[string]*bbhSide) BBHAverage {
	var a BBHAverage
	per := map[string]bbh.Tally{}
	var all bbhSide
	for _, task := range sortedKeys(sides) {
		s := sides[task]
		per[task] = s.tally
		all.tally.Correct += s.tally.Correct
		all.tally.N += s.tally.N
		all.fractional = all.fractional || s.fractional
		a.Errors.Request += s.errs.Request
		a.Errors.Scorer += s.errs.Scorer
		if s.tally.N > 0 {
			a.Tasks++
		}
	}
	a.Micro = all.estimate()
	_, a.Macro = bbh.Averages(per)
	if a.Tasks == 0 {
		a.Macro = math.NaN()
	}
	return a
}
