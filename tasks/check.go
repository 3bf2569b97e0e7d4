package tasks

import (
	"context"
	"fmt"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

// SelfChecker is implemented by task sets with checks of their own beyond
// the generic ones (solvers against official targets, canonical solutions
// through the sandbox).
type SelfChecker interface {
	SelfCheck(ctx context.Context, p params.Values) []CheckResult
}

// CheckResult is the outcome of one named check.
type CheckResult struct {
	Name     string // e.g. "reference answers score 1"
	Checked  int    // how many instances (or items) it looked at
	Failures []string
}

// OK reports whether the check passed.
func (c CheckResult) OK() bool { return len(c.Failures) == 0 }

const maxFailures = 5 // keep messages readable; the count says the rest

func (c *CheckResult) fail(format string, a ...any) {
	if len(c.Failures) < maxFailures {
		c.Failures = append(c.Failures, fmt.Sprintf(format, a...))
	} else if len(c.Failures) == maxFailures {
		c.Failures = append(c.Failures, "(more failures not shown)")
	}
}

// Fail records a failure on a check; for SelfCheckers.
func (c *CheckResult) Fail(format string, a ...any) { c.fail(format, a...) }

// Check runs the generic checks every task set must pass, and the set's
// own: generation is deterministic, IDs are unique, each instance's
// reference completion scores full marks and an empty answer scores zero.
// limit caps the instances looked at per task (0: all).
func Check(ctx context.Context, set TaskSet, p params.Values, limit int) ([]CheckResult, error) {
	first, err := collect(ctx, set, p, limit)
	if err != nil {
		return nil, err
	}
	second, err := collect(ctx, set, p, limit)
	if err != nil {
		return nil, err
	}

	det := CheckResult{Name: "generation is deterministic", Checked: len(first)}
	if len(first) != len(second) {
		det.fail("first pass gave %d instances, second %d", len(first), len(second))
	}
	for i := 0; i < len(first) && i < len(second); i++ {
		a, b := first[i], second[i]
		if a.ID != b.ID || a.Request.Hash() != b.Request.Hash() || a.Reference.Completion != b.Reference.Completion {
			det.fail("instance %d differs between passes: %s vs %s", i, a.ID, b.ID)
		}
	}

	uniq := CheckResult{Name: "instance IDs are unique", Checked: len(first)}
	seen := map[string]bool{}
	for _, in := range first {
		if seen[in.ID] {
			uniq.fail("duplicate ID %s", in.ID)
		}
		seen[in.ID] = true
	}

	scorer := set.Scorer()
	ref := CheckResult{Name: "reference answers score 1", Checked: len(first)}
	empty := CheckResult{Name: "empty answers score 0", Checked: len(first)}
	for _, in := range first {
		s, err := scorer.Score(ctx, in, runners.Response{Text: in.Reference.Completion})
		switch {
		case err != nil:
			ref.fail("%s: scorer error: %v", in.ID, err)
		case s.Value != 1:
			ref.fail("%s: reference %q scored %g (extracted %q)", in.ID, in.Reference.Completion, s.Value, s.Extracted)
		}
		s, err = scorer.Score(ctx, in, runners.Response{})
		switch {
		case err != nil:
			empty.fail("%s: scorer error on empty answer: %v", in.ID, err)
		case s.Value != 0:
			empty.fail("%s: empty answer scored %g", in.ID, s.Value)
		}
	}
	out := []CheckResult{det, uniq, ref, empty}
	if sc, ok := set.(SelfChecker); ok {
		out = append(out, sc.SelfCheck(ctx, p)...)
	}
	return out, nil
}

// collect gathers instances, at most limit per task when limit > 0.
func collect(ctx context.Context, set TaskSet, p params.Values, limit int) ([]Instance, error) {
	var out []Instance
	perTask := map[string]int{}
	for in, err := range set.Instances(ctx, p) {
		if err != nil {
			return nil, err
		}
		if limit > 0 && perTask[in.Cell()] >= limit {
			continue
		}
		perTask[in.Cell()]++
		out = append(out, in)
	}
	return out, nil
}
