package coding

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// exhaustive runs every problem of every set (and all 164 HumanEval
// problems) through the sandbox; the default run checks a representative
// subset so that go test ./... stays within its budget.
var exhaustive = flag.Bool("coding.all", os.Getenv("ENGRAMBENCH_CODING_ALL") != "", "check every problem of every coding set in the sandbox (slow)")

func requireExhaustive(t *testing.T) {
	t.Helper()
	if !*exhaustive {
		t.Skip("exhaustive: run with -coding.all (or ENGRAMBENCH_CODING_ALL=1)")
	}
	if testing.Short() {
		t.Skip("exhaustive checks are skipped in -short mode")
	}
}

// requireSandbox skips a test that runs candidates when no sandbox works
// on this machine (user namespaces disabled, no Python), unless
// ENGRAMBENCH_REQUIRE_SANDBOX is set, which makes that a failure.
func requireSandbox(t *testing.T) {
	t.Helper()
	e, err := engineFor(engineConfig{Python: "python3", Go: "go"})
	if err == nil {
		_, err = e.toolchain(context.Background(), "python")
	}
	if err == nil {
		return
	}
	if os.Getenv("ENGRAMBENCH_REQUIRE_SANDBOX") != "" {
		t.Fatalf("no sandbox: %v", err)
	}
	t.Skipf("candidates cannot run on this machine: %v", err)
}

// checkSet runs the generic and the sandbox self-checks of a set and fails
// on any failure.
func checkSet(t *testing.T, set tasks.TaskSet, p params.Values) {
	t.Helper()
	requireSandbox(t)
	res, err := tasks.Check(context.Background(), set, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	sawSandbox := false
	for _, r := range res {
		t.Logf("%s: %s (%d checked)", set.Name(), r.Name, r.Checked)
		if strings.HasPrefix(r.Name, "reference solutions through the sandbox") {
			sawSandbox = true
		}
		for _, f := range r.Failures {
			if len(f) > 1000 {
				f = f[:1000] + "…"
			}
			t.Errorf("%s: %s", r.Name, f)
		}
	}
	if !sawSandbox {
		t.Error("the sandbox self-check did not run")
	}
}

func TestOwnSetsSubset(t *testing.T) {
	for _, c := range []struct {
		set tasks.TaskSet
		p   params.Values
	}{
		{NewCodePy(), params.Values{"n": 1}},
		{NewCodePy(), params.Values{"n": 1, "form": tasks.FormCompletion}},
		{NewCodeGo(), params.Values{"n": 1}},
		{NewCodeRepo(), params.Values{"n": 1}},
		{NewCodeLong(), params.Values{"n": 1}},
		{NewCodeSession(), params.Values{"n": 1}},
	} {
		t.Run(c.set.Name(), func(t *testing.T) { checkSet(t, c.set, c.p) })
	}
}

func TestOwnSetsAll(t *testing.T) {
	requireExhaustive(t)
	for _, c := range []struct {
		set tasks.TaskSet
		p   params.Values
	}{
		{NewCodePy(), params.Values{}},
		{NewCodePy(), params.Values{"form": tasks.FormCompletion}},
		{NewCodeGo(), params.Values{}},
		{NewCodeGo(), params.Values{"form": tasks.FormCompletion}},
		{NewCodeRepo(), params.Values{}},
		{NewCodeLong(), params.Values{}},
		{NewCodeSession(), params.Values{}},
	} {
		t.Run(c.set.Name(), func(t *testing.T) { checkSet(t, c.set, c.p) })
	}
}

// TestProblemInventory checks, without running anything, that our own sets
// hold what the issue asks for.
func TestProblemInventory(t *testing.T) {
	cs, err := loadConcepts()
	if err != nil {
		t.Fatal(err)
	}
	per := map[int]int{}
	for _, c := range cs {
		per[c.difficulty]++
		if c.mutatePy.old == c.mutatePy.new || c.mutateGo.old == c.mutateGo.new {
			t.Errorf("%s: a mutation that changes nothing", c.name)
		}
		if _, err := c.pyProblem(tasks.FormChat, 100); err != nil {
			t.Error(err)
		}
		if _, err := c.goProblem(tasks.FormChat, 100); err != nil {
			t.Error(err)
		}
	}
	if len(cs) < 40 || per[1] < 10 || per[2] < 10 || per[3] < 10 {
		t.Errorf("%d function problems (by difficulty %v), want at least 40 in each language, graded", len(cs), per)
	}

	repos, err := loadRepoTasks()
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) < 8 {
		t.Errorf("%d repository tasks, want at least 8", len(repos))
	}
	for _, r := range repos {
		changed := 0
		for p, text := range r.solution {
			if r.skeleton[p] != text {
				changed++
			}
		}
		if changed < 3 {
			t.Errorf("%s: the solution changes %d files, want at least 3", r.name, changed)
		}
		if hiddenTests(r.lang, r.hidden) == 0 {
			t.Errorf("%s: no hidden tests", r.name)
		}
	}

	sessions, err := loadSessions()
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) < 3 {
		t.Errorf("%d sessions, want at least 3", len(sessions))
	}
	for _, s := range sessions {
		if len(s.turns) < 6 || len(s.turns) > 10 {
			t.Errorf("%s: %d turns", s.name, len(s.turns))
		}
	}

	longs, err := loadLongTasks()
	if err != nil {
		t.Fatal(err)
	}
	if len(longs) < 5 {
		t.Errorf("%d long-generation tasks, want at least 5", len(longs))
	}
	for _, l := range longs {
		if n := strings.Count(l.solution, "\n"); n < l.minLines || l.minLines < 300 {
			t.Errorf("%s: the reference has %d lines, want at least %d (>= 300)", l.name, n, l.minLines)
		}
		if n := hiddenTests(l.lang, l.hidden); n < 20 {
			t.Errorf("%s: %d hidden tests, want a large suite", l.name, n)
		}
	}
}

// TestRepoPartialChangesFail applies each changed file of a reference
// solution alone: the hidden tests must catch every incomplete change.
func TestRepoPartialChangesFail(t *testing.T) {
	repos, err := loadRepoTasks()
	if err != nil {
		t.Fatal(err)
	}
	if !*exhaustive {
		repos = repos[:1]
	}
	requireSandbox(t)
	ctx := context.Background()
	for _, r := range repos {
		pr, err := r.problem(1000)
		if err != nil {
			t.Fatal(err)
		}
		e := &entry{p: pr, key: "partial|" + r.name, pol: policy{eng: engineConfig{Python: "python3", Go: "go"}, base: secondsDuration(10), factor: 4}}
		for _, path := range sortedKeys(r.solution) {
			if r.skeleton[path] == r.solution[path] {
				continue
			}
			answer := renderFiles(map[string]string{path: r.solution[path]}, []string{path})
			v, _, err := judge(ctx, e, answer)
			if err != nil {
				t.Fatal(err)
			}
			if v.Outcome == Passed {
				t.Errorf("%s: changing only %s passes the hidden tests", r.name, path)
			}
		}
	}
}

func TestScorerUnknownInstance(t *testing.T) {
	_, err := scorer{}.Score(context.Background(), tasks.Instance{ID: "nope"}, runners.Response{})
	if err == nil {
		t.Fatal("scored an instance no set generated")
	}
}

func TestUnsafeLabel(t *testing.T) {
	requireSandbox(t)
	// With a working sandbox the unsafe option changes nothing.
	if _, err := engineFor(engineConfig{Unsafe: true, Python: "python3", Go: "go"}); err == nil {
		in, _ := collectOne(t, NewCodePy(), params.Values{"n": 1, "unsafe_no_sandbox": true})
		if e, _ := engineFor(engineConfig{Unsafe: true, Python: "python3", Go: "go"}); e.sb.Isolated() && in.Labels["sandbox"] != "" {
			t.Fatalf("an isolated run is marked unsandboxed: %s", in.Cell())
		}
	}
	// Forced onto no sandbox, instances say so in their cell.
	in, err := collectOne(t, NewCodePy(), params.Values{"n": 1, "unsafe_no_sandbox": true, "sandbox": "none"})
	if err != nil {
		t.Fatal(err)
	}
	if in.Labels["sandbox"] != "none" || !strings.Contains(in.Cell(), "sandbox=none") {
		t.Fatalf("an unsandboxed instance is not marked: %s", in.Cell())
	}
	sc, err := scorer{}.Score(context.Background(), in, runners.Response{Text: in.Reference.Completion})
	if err != nil || sc.Value != 1 || !strings.Contains(sc.Detail, "sandbox=none") {
		t.Fatalf("unsandboxed run: %v %v", sc, err)
	}
}

func TestSizesMatchInstances(t *testing.T) {
	set := NewCodeGo().(tasks.Sizer)
	p := params.Values{"n": 2, "tasks": []string{"easy", "hard"}}
	got := set.Sizes(p)
	want := map[string]int{}
	for in, err := range NewCodeGo().Instances(context.Background(), p) {
		if err != nil {
			t.Fatal(err)
		}
		want[in.Cell()]++
	}
	if len(got) != 2 || len(want) != 2 {
		t.Fatalf("Sizes %v, instances %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: Sizes %d, instances %d", k, got[k], n)
		}
	}
}
