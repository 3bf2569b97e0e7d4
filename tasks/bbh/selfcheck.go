package bbh

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/engrambench/engrambench/datasets"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
)

// SelfCheck proves the solvers on the official data when it is at hand,
// and that no exemplar is ever a test question.
func (s generatedSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	c, err := s.config(p)
	if err != nil {
		r := tasks.CheckResult{Name: "bbh-gen parameters"}
		r.Fail("%v", err)
		return []tasks.CheckResult{r}
	}
	out := []tasks.CheckResult{checkExemplarsApart(c)}
	dir, official, err := officialForCheck(c.dataDir, c.tasks)
	switch {
	case errors.Is(err, datasets.ErrMissing):
		msg := err.Error()
		return append(out,
			tasks.CheckResult{Name: "solvers reproduce official targets (skipped: " + msg + ")"},
			tasks.CheckResult{Name: "generated inputs are not official ones (skipped: " + msg + ")"})
	case err != nil:
		r := tasks.CheckResult{Name: "official data (" + dir + ")"}
		r.Fail("%v", err)
		return append(out, r)
	}
	out = append(out, checkSolvers(ctx, official, c.tasks)...)
	return append(out, checkUnseen(c, official))
}

// checkExemplarsApart: no exemplar (of the maxShots reserved) equals any
// of the run's test inputs.
func checkExemplarsApart(c config) tasks.CheckResult {
	r := tasks.CheckResult{Name: "exemplars never equal a test input"}
	for _, t := range c.tasks {
		src, err := t.source(c.seed, c.difficulty)
		if err != nil {
			r.Fail("%s: %v", t.name, err)
			continue
		}
		ex := map[string]bool{}
		for _, e := range src.exemplars {
			ex[e] = true
		}
		for i := range c.n {
			in, err := src.test(i)
			r.Checked++
			switch {
			case err != nil:
				r.Fail("%s instance %d: %v", t.name, i, err)
			case ex[in]:
				r.Fail("%s instance %d is an exemplar: %q", t.name, i, in)
			}
		}
	}
	return r
}

// Disagreement is one official example whose target a solver does not
// reproduce.
type Disagreement struct {
	Task     string
	Index    int    // the example's position in bbh/<task>.json
	Official string // the official target
	Solver   string // what the solver says; "" when it finds no single answer
	Reason   string // the solver's own finding and the documented explanation
}

func (d Disagreement) String() string {
	solver := d.Solver
	if solver == "" {
		solver = "no single answer"
	}
	return fmt.Sprintf("%s #%d: official %s, solver %s: %s", d.Task, d.Index, d.Official, solver, d.Reason)
}

// Agreement is how a solver fares on a task's official examples.
type Agreement struct {
	Task          string
	Agree, Total  int
	Required      float64 // the share the issue requires: 1, or 0.98
	Disagreements []Disagreement
	Undocumented  []Disagreement // disagreements knownDisagreements does not explain
	Stale         []int          // documented indexes the solver now agrees on
}

// Documented is the number of disagreements knownDisagreements explains.
func (a Agreement) Documented() int { return len(a.Disagreements) - len(a.Undocumented) }

// OK reports whether every disagreement is documented and the solver
// meets the threshold on the official items not documented as malformed.
// The raw share (Agree/Total) can fall below the threshold only through
// documented items: date_understanding has 20 (see knownDisagreements).
func (a Agreement) OK() bool {
	return len(a.Undocumented) == 0 && len(a.Stale) == 0 &&
		float64(a.Agree) >= a.Required*float64(a.Total-a.Documented())
}

func (a Agreement) String() string {
	pct := func(n, d int) float64 { return 100 * float64(n) / float64(max(d, 1)) }
	s := fmt.Sprintf("%s: %d/%d (%.1f%%) agree", a.Task, a.Agree, a.Total, pct(a.Agree, a.Total))
	if d := a.Documented(); d > 0 {
		s += fmt.Sprintf("; %d official items documented as malformed; %d/%d (%.1f%%) of the rest", d, a.Agree, a.Total-d, pct(a.Agree, a.Total-d))
	}
	return s + fmt.Sprintf("; required %.0f%%", 100*a.Required)
}

// agreement runs t's solver on every official example.
func agreement(ctx context.Context, t *genTask, exs []officialExample) (Agreement, error) {
	a := Agreement{Task: t.name, Total: len(exs), Required: t.agreement}
	known := knownDisagreements[t.name]
	seen := map[int]bool{}
	for i, ex := range exs {
		if err := ctx.Err(); err != nil {
			return a, err
		}
		sol, err := t.solve(ex.Input)
		if err == nil && sol.target == ex.Target {
			a.Agree++
			continue
		}
		d := Disagreement{Task: t.name, Index: i, Official: ex.Target, Solver: sol.target}
		if err != nil {
			d.Solver = ""
			d.Reason = err.Error()
		} else {
			// The solver's own last findings show why it answers otherwise.
			d.Reason = "the solver finds: " + strings.Join(sol.steps[max(0, len(sol.steps)-2):], " ")
		}
		if why, ok := known[i]; ok {
			d.Reason += "; " + why
			seen[i] = true
			a.Disagreements = append(a.Disagreements, d)
		} else {
			a.Undocumented = append(a.Undocumented, d)
			a.Disagreements = append(a.Disagreements, d)
		}
	}
	for i := range known {
		if !seen[i] && i < len(exs) {
			a.Stale = append(a.Stale, i)
		}
	}
	slices.Sort(a.Stale)
	return a, nil
}

// checkSolvers reports, per task, how many official targets the solver
// reproduces, and each documented disagreement as a passing check of its
// own so the reason is printed with it.
func checkSolvers(ctx context.Context, official map[string][]officialExample, ts []*genTask) []tasks.CheckResult {
	var out []tasks.CheckResult
	for _, t := range ts {
		exs, ok := official[t.name]
		if !ok {
			continue
		}
		a, err := agreement(ctx, t, exs)
		r := tasks.CheckResult{Name: "solver agreement " + a.String(), Checked: a.Total}
		if err != nil {
			r.Fail("%v", err)
			out = append(out, r)
			return out
		}
		if float64(a.Agree) < a.Required*float64(a.Total-a.Documented()) {
			r.Fail("below the required %.0f%%", 100*a.Required)
		}
		for _, d := range a.Undocumented {
			r.Fail("undocumented disagreement: %s", d)
		}
		for _, i := range a.Stale {
			r.Fail("%s #%d is documented as a disagreement but the solver now agrees; remove it from knownDisagreements", t.name, i)
		}
		out = append(out, r)
		for _, d := range a.Disagreements {
			if _, documented := knownDisagreements[t.name][d.Index]; documented {
				out = append(out, tasks.CheckResult{Name: "documented disagreement " + d.String(), Checked: 1})
			}
		}
	}
	return out
}

// checkUnseen: for tasks with large input spaces, no generated input (test
// or exemplar) is an official one. boolean_expressions at difficulty 0 is
// exempt: its whole space is 2,122 expressions, of which the official set
// holds 250.
func checkUnseen(c config, official map[string][]officialExample) tasks.CheckResult {
	r := tasks.CheckResult{Name: "generated inputs are not official ones (tasks with large input spaces)"}
	for _, t := range c.tasks {
		if t.space != nil && t.space(c.difficulty) != nil {
			continue
		}
		seen := map[string]bool{}
		for _, ex := range official[t.name] {
			seen[strings.TrimSpace(ex.Input)] = true
		}
		src, err := t.source(c.seed, c.difficulty)
		if err != nil {
			r.Fail("%s: %v", t.name, err)
			continue
		}
		inputs := append([]string(nil), src.exemplars...)
		for i := range c.n {
			in, err := src.test(i)
			if err != nil {
				r.Fail("%s instance %d: %v", t.name, i, err)
				continue
			}
			inputs = append(inputs, in)
		}
		for _, in := range inputs {
			r.Checked++
			if seen[strings.TrimSpace(in)] {
				r.Fail("%s: generated input is an official one: %q", t.name, in)
			}
		}
	}
	return r
}
