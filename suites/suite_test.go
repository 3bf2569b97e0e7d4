package suites

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// fakeSet is a task set with a few typed parameters, for validation tests.
type fakeSet struct{}

func (fakeSet) Name() string { return "fake" }
func (fakeSet) Help() string { return "test set" }
func (fakeSet) Params() []params.Spec {
	return []params.Spec{
		{Name: "n", Kind: params.Int, Default: 3, Min: params.AtLeast(1)},
		{Name: "lengths", Kind: params.Ints, Default: []int{4096}},
		{Name: "tasks", Kind: params.Strings, Default: []string{"a"}, Choices: []string{"a", "b"}},
		{Name: "ratio", Kind: params.Float, Default: 0.5},
		{Name: "chat", Kind: params.Bool, Default: true},
	}
}
func (fakeSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {}
}
func (fakeSet) Scorer() tasks.Scorer { return nil }

var fakeKind = runners.Kind{
	Name:   "echo",
	Params: []params.Spec{{Name: "url", Kind: params.String}, {Name: "key", Kind: params.String, Secret: true}},
	New:    func(string, params.Values) (runners.Runner, error) { return nil, errors.New("unused") },
}

var cat = Catalog{Runners: []runners.Kind{fakeKind}, Sets: []tasks.TaskSet{fakeSet{}}}

const good = `name: s1
description: a test
runners:
  a:
    kind: echo
    url: http://127.0.0.1:1/v1
    concurrency: 2
tasks:
  - set: fake
    n: 5
    lengths: [1024, 2048]
    tasks: [b]
    ratio: 1
    seed: 7
`

func TestLoadGood(t *testing.T) {
	s, err := Load("s1.yaml", []byte(good), cat)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "s1" || len(s.Runners) != 1 || s.Runners[0].Params.String("url") != "http://127.0.0.1:1/v1" {
		t.Fatalf("parsed %+v", s)
	}
	p, err := s.Resolve(cat, 0)
	if err != nil {
		t.Fatal(err)
	}
	tp := p.Tasks[0].Params
	if tp.Int("n") != 5 || tp.Float("ratio") != 1 || !tp.Bool("chat") || tp.Int("seed") != 7 || tp.Int("samples") != 1 {
		t.Fatalf("resolved params %v", tp)
	}
	if p.Runners[0].Concurrency != 2 {
		t.Fatalf("concurrency %d", p.Runners[0].Concurrency)
	}
}

func TestLoadReportsEveryProblemWithLines(t *testing.T) {
	bad := `name: s1
colour: blue
runners:
  a:
    kind: nope
  b:
    kind: echo
    urll: x
  c:
    kind: echo
    concurrency: many
  bad name:
    kind: echo
tasks:
  - set: fake
    n: "5"
    lengths: 4096
    tasks: [c]
  - set: missing
  - n: 3
`
	_, err := Load("bad.yaml", []byte(bad), cat)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %v", err)
	}
	want := []string{
		"bad.yaml:2:1: unknown key \"colour\"",
		"bad.yaml:5:11: unknown runner kind \"nope\"",
		"bad.yaml:8:5: runner \"b\" (echo) has no parameter \"urll\"",
		"bad.yaml:11:18: runner \"c\" (echo): concurrency wants an integer, got \"many\"",
		"bad.yaml:12:3: runner name \"bad name\"",
		"bad.yaml:16:8: task set \"fake\": n wants an integer, got \"5\"",
		"bad.yaml:17:14: task set \"fake\": lengths wants a list of integers, got the integer 4096",
		"bad.yaml:18:12: task set \"fake\": tasks: \"c\" is not one of a, b",
		"bad.yaml:19:10: unknown task set \"missing\"",
		"bad.yaml:20:5: task entry has no set",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing problem %q in:\n%s", w, msg)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(ps), len(want), msg)
	}
}

func TestLoadSmallProblems(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "the file is empty"},
		{"syntax", "name: [unclosed\n", "YAML syntax"},
		{"not a mapping", "- a\n- b\n", "a suite is a mapping"},
		{"missing keys", "name: x\n", `missing required key "runners"`},
		{"duplicate key", "name: x\nname: y\nrunners: {a: {kind: echo}}\ntasks: [{set: fake}]\n", `duplicate key "name" (first at line 1)`},
		{"two documents", good + "---\nname: z\n", "one YAML document"},
		{"secret in file", "name: x\nrunners: {a: {kind: echo, key: sk-123}}\ntasks: [{set: fake}]\n", "is secret"},
		{"no kind", "name: x\nrunners: {a: {url: y}}\ntasks: [{set: fake}]\n", `runner "a" has no kind`},
		{"below min", "name: x\nrunners: {a: {kind: echo}}\ntasks: [{set: fake, n: 0}]\n", "n must be at least 1"},
		{"empty runners", "name: x\nrunners: {}\ntasks: [{set: fake}]\n", "runners is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("f.yaml", []byte(c.in), cat)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestRunnerFlag(t *testing.T) {
	s, err := Load("s1.yaml", []byte(good), cat)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyRunnerFlag("b=echo,url=http://127.0.0.1:8000/v1,concurrency=3", cat); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyRunnerFlag("a=echo,model=m", cat); err != nil {
		t.Fatal(err)
	}
	if len(s.Runners) != 2 || s.Runners[0].Params.String("model") != "m" || s.Runners[0].Params.Has("url") {
		t.Fatalf("runners after flags: %+v", s.Runners)
	}
	if s.Runners[1].Params.Int("concurrency") != 3 {
		t.Fatalf("flag runner: %+v", s.Runners[1])
	}
	for _, bad := range []string{"x", "=echo", "x=nope", "x=echo,url", "x=echo,zzz=1", "x=echo,concurrency=lots", "bad name=echo"} {
		if err := s.ApplyRunnerFlag(bad, cat); err == nil {
			t.Errorf("--runner %q: want an error", bad)
		}
	}
}

func TestPlanRecordRoundTrip(t *testing.T) {
	s, _ := Load("s1.yaml", []byte(good), cat)
	p, _ := s.Resolve(cat, 2)
	rec := p.Record()
	// Through JSON, as run.json stores it.
	run := results.Run{ID: "r", Suite: p.Suite, Plan: rec}
	dir := t.TempDir()
	if err := results.WriteRun(dir, run); err != nil {
		t.Fatal(err)
	}
	back, err := results.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := FromRecord(back, cat)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Limit != 2 || p2.Tasks[0].Params.Int("n") != 5 || len(p2.Tasks[0].Params.Ints("lengths")) != 2 || p2.Runners[0].Concurrency != 2 {
		t.Fatalf("round trip lost something: %+v %+v", p2.Tasks[0].Params, p2.Runners[0])
	}
}

func TestBuiltinsAreValid(t *testing.T) {
	names := BuiltinNames()
	if len(names) < 2 {
		t.Fatalf("builtins: %v", names)
	}
	for _, n := range names {
		if _, _, err := Open(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, _, err := Open("no-such-suite"); err == nil || !strings.Contains(err.Error(), "not a built-in suite") {
		t.Errorf("unknown suite error: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(good)
	f.Add("name: x\nrunners: {a: {kind: echo}}\ntasks: [{set: fake, lengths: [1, 2]}]\n")
	f.Add("a: &x [1]\nb: *x\n")
	f.Add("name: x\nrunners:\n  a: &r {kind: echo}\n  b: *r\ntasks: [{set: fake}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Load("f.yaml", []byte(in), cat)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error is not a list of problems: %v", err)
			}
			for _, p := range ps {
				if p.File != "f.yaml" || p.Msg == "" {
					t.Fatalf("problem without file or message: %+v", p)
				}
			}
			return
		}
		if s.Name == "" || len(s.Runners) == 0 || len(s.Tasks) == 0 {
			t.Fatalf("accepted an incomplete suite: %+v", s)
		}
		if _, err := s.Resolve(cat, 0); err != nil {
			t.Fatalf("valid suite does not resolve: %v", err)
		}
	})
}
