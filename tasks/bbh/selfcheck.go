package bbh

import (
	"context"
	"fmt"

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
	return []tasks.CheckResult{
		checkExemplarsApart(c),
		checkOfficial(ctx, c),
		checkUnseen(c),
	}
}

// checkExemplarsApart: no exemplar (of the maxShots reserved) equals any
// of the run's test inputs.
func checkExemplarsApart(c config) tasks.CheckResult {
	r := tasks.CheckResult{Name: "exemplars never equal a test input"}
	for _, t := range c.tasks {
		src, err := t.source(c.seed)
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

// checkOfficial runs each solver on every official example of its task
// and requires the official target exactly.
func checkOfficial(ctx context.Context, c config) tasks.CheckResult {
	dir, ok := findDataDir(c.dataDir)
	if !ok {
		return tasks.CheckResult{Name: fmt.Sprintf("solvers reproduce official targets (skipped: no official data at %s)", dir)}
	}
	r := tasks.CheckResult{Name: "solvers reproduce official targets (" + dir + ")"}
	for _, t := range c.tasks {
		exs, err := loadOfficial(dir, t.name)
		if err != nil {
			r.Fail("%s: %v", t.name, err)
			continue
		}
		for i, ex := range exs {
			if ctx.Err() != nil {
				r.Fail("%v", ctx.Err())
				return r
			}
			r.Checked++
			sol, err := t.solve(ex.Input)
			switch {
			case err != nil:
				r.Fail("%s example %d: %v", t.name, i, err)
			case sol.target != ex.Target:
				r.Fail("%s example %d: solver says %q, official target %q", t.name, i, sol.target, ex.Target)
			}
		}
	}
	return r
}

// checkUnseen: for tasks with large input spaces, no generated input (test
// or exemplar) is an official one. boolean_expressions is exempt: its
// whole space is 2,122 expressions, of which the official set holds 250.
func checkUnseen(c config) tasks.CheckResult {
	dir, ok := findDataDir(c.dataDir)
	if !ok {
		return tasks.CheckResult{Name: fmt.Sprintf("generated inputs are not official ones (skipped: no official data at %s)", dir)}
	}
	r := tasks.CheckResult{Name: "generated inputs are not official ones (tasks with large input spaces)"}
	for _, t := range c.tasks {
		if t.space != nil {
			continue
		}
		exs, err := loadOfficial(dir, t.name)
		if err != nil {
			r.Fail("%s: %v", t.name, err)
			continue
		}
		official := map[string]bool{}
		for _, ex := range exs {
			official[ex.Input] = true
		}
		src, err := t.source(c.seed)
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
			if official[in] {
				r.Fail("%s: generated input is an official one: %q", t.name, in)
			}
		}
	}
	return r
}
