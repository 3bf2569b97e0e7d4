package coding

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// sandboxCheck is every coding set's self-check: it says how candidates
// are isolated, then runs each problem's reference solution, its empty
// answer and (for our own sets) its mutated reference through the
// sandbox, and counts the outcome classes. References must pass; empty
// answers and mutants must not. It is also how a user checks that the
// sandbox and the toolchains work on their machine.
func sandboxCheck(ctx context.Context, set tasks.TaskSet, p params.Values) []tasks.CheckResult {
	v := withDefaults(set, p)
	pol := policyOf(v)
	sb := tasks.CheckResult{Name: "sandbox"}
	eng, err := engineFor(pol.eng)
	if err != nil {
		sb.Fail("%v", err)
		return []tasks.CheckResult{sb}
	}
	sb.Name = "sandbox: " + eng.Describe()
	var ins []tasks.Instance
	for in, err := range set.Instances(ctx, p) {
		if err != nil {
			sb.Fail("%v", err)
			return []tasks.CheckResult{sb}
		}
		ins = append(ins, in)
	}
	sb.Checked = len(ins)

	type item struct {
		in     tasks.Instance
		answer string
		kind   int // 0 reference, 1 empty, 2 mutant
	}
	var items []item
	for _, in := range ins {
		items = append(items, item{in, in.Reference.Completion, 0}, item{in, "", 1})
		if e, err := lookup(in); err == nil && e.p.mutant != "" {
			items = append(items, item{in, e.p.mutant, 2})
		}
	}
	results := make([]tasks.Score, len(items))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(runtime.NumCPU(), 2))
	for i, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], errs[i] = scorer{}.Score(ctx, it.in, runners.Response{Text: it.answer})
		}()
	}
	wg.Wait()

	names := []string{"reference solutions through the sandbox", "empty answers through the sandbox", "mutated references through the sandbox"}
	checks := make([]tasks.CheckResult, 3)
	counts := make([]map[Outcome]int, 3)
	for k := range checks {
		checks[k].Name = names[k]
		counts[k] = map[Outcome]int{}
	}
	for i, it := range items {
		c := &checks[it.kind]
		c.Checked++
		if errs[i] != nil {
			c.Fail("%s: %v", it.in.ID, errs[i])
			continue
		}
		s := results[i]
		o := OutcomeOf(s.Detail)
		if o == "" && s.Value == 1 {
			o = Passed
		}
		counts[it.kind][o]++
		switch it.kind {
		case 0:
			if s.Value != 1 {
				c.Fail("%s: %s", it.in.ID, s.Detail)
			}
		default:
			if s.Value == 1 {
				c.Fail("%s: passed: %s", it.in.ID, s.Detail)
			}
		}
	}
	out := []tasks.CheckResult{sb}
	for k := range checks {
		if checks[k].Checked == 0 {
			continue
		}
		checks[k].Name += " (" + countLine(counts[k]) + ")"
		out = append(out, checks[k])
	}
	return out
}

// countLine renders outcome counts in report order: "160 failed_tests, 4 no_tests".
func countLine(c map[Outcome]int) string {
	var parts []string
	for _, o := range Outcomes {
		if n := c[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
