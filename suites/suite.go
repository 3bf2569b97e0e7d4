// Package suites reads suite files (YAML naming runners and task sets with
// their parameters), validates them strictly — every problem at once, each
// with file:line — and resolves them into a plan with every default filled
// in, which is what run.json stores and --resume reads back.
package suites

import (
	"fmt"
	"sort"
	"strings"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// Suite is a parsed, validated suite file.
type Suite struct {
	Name        string
	Description string
	Source      string // "builtin:quick" or the file path
	Runners     []RunnerEntry
	Tasks       []TaskEntry
	Budget      results.Budget
	// Serving, when set, makes this a load test of one runner instead of
	// (or besides) a task run.
	Serving params.Values
	// Store is the history store the suite's runs go to ("" for none;
	// --store overrides).
	Store string
	// Nightly holds the nightly gate's settings.
	Nightly Nightly
	// Treatment and Baseline name two of the suite's runners whose paired
	// differences the report's claims ledger judges against the paper.
	Treatment, Baseline string
}

// Nightly is a suite's settings for `engrambench nightly`.
type Nightly struct {
	MaxRegression *float64 // percentage points a cell may lose significantly; nil: the flag's
	Trend         int      // runs in the trend table; 0: the flag's
}

// RunnerEntry is one named runner in a suite.
type RunnerEntry struct {
	Name   string
	Kind   string
	Params params.Values // as written; defaults are filled in by Resolve
	Line   int
}

// TaskEntry is one task-set entry in a suite.
type TaskEntry struct {
	Set    string
	Params params.Values
	Line   int
}

// Catalog is what a suite may name: the runner kinds and task sets this
// build knows. The catalog package fills it, on one page.
type Catalog struct {
	Runners []runners.Kind
	Sets    []tasks.TaskSet
}

// Kind finds a runner kind by name.
func (c Catalog) Kind(name string) (runners.Kind, bool) {
	for _, k := range c.Runners {
		if k.Name == name {
			return k, true
		}
	}
	return runners.Kind{}, false
}

// Set finds a task set by name.
func (c Catalog) Set(name string) (tasks.TaskSet, bool) {
	for _, s := range c.Sets {
		if s.Name() == name {
			return s, true
		}
	}
	return nil, false
}

// KindNames lists runner kinds, sorted.
func (c Catalog) KindNames() []string {
	var out []string
	for _, k := range c.Runners {
		out = append(out, k.Name)
	}
	sort.Strings(out)
	return out
}

// SetNames lists task sets, sorted.
func (c Catalog) SetNames() []string {
	var out []string
	for _, s := range c.Sets {
		out = append(out, s.Name())
	}
	sort.Strings(out)
	return out
}

// RunnerParams is a kind's own parameters plus the common ones.
func RunnerParams(k runners.Kind) []params.Spec {
	return append(append([]params.Spec(nil), k.Params...), runners.Common...)
}

// Problem is one thing wrong with a suite, located in its file.
type Problem struct {
	File string
	Line int // 0 when the problem is with the whole file
	Col  int
	Msg  string
}

func (p Problem) String() string {
	switch {
	case p.Line > 0 && p.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Problems is every problem found in a suite; it is the error Load returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// validName is what a runner may be called: it ends up in benchmark names
// and file paths.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case (r == '-' || r == '_' || r == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}
