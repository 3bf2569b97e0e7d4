package execute

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/suites"
	"github.com/engrambench/engrambench/tasks"
)

// numbers is a task set whose answer is the instance index; two tasks.
type numbers struct{}

func (numbers) Name() string { return "numbers" }
func (numbers) Help() string { return "" }
func (numbers) Params() []params.Spec {
	return []params.Spec{{Name: "n", Kind: params.Int, Default: 10}}
}
func (numbers) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		for _, task := range []string{"even", "odd"} {
			for i := range p.Int("n") {
				ans := fmt.Sprint(i)
				in := tasks.Instance{Set: "numbers", Task: task, Index: i, Seed: int64(i),
					Request:   runners.Request{Prompt: "say " + ans, MaxTokens: 4},
					Reference: tasks.Reference{Answers: []string{ans}, Completion: ans}}
				in.ID = tasks.MakeID("numbers", task, nil, i, in.Request.Prompt)
				if !yield(in, nil) {
					return
				}
			}
		}
	}
}
func (numbers) Scorer() tasks.Scorer {
	return tasks.ScorerFunc(func(_ context.Context, in tasks.Instance, r runners.Response) (tasks.Score, error) {
		if r.Text == "boom" {
			return tasks.Score{}, errors.New("scorer broke")
		}
		v := 0.0
		if r.Text == in.Reference.Answers[0] {
			v = 1
		}
		return tasks.Score{Value: v, Extracted: r.Text}, nil
	})
}

// parrot answers "say X" with X, fails on 3, breaks the scorer on 5, and
// can block until cancelled after a number of calls.
type parrot struct {
	calls   atomic.Int64
	blockAt int64 // 0: never
}

func (p *parrot) Name() string { return "parrot" }
func (p *parrot) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	n := p.calls.Add(1)
	if p.blockAt > 0 && n >= p.blockAt {
		<-ctx.Done()
		return runners.Response{}, ctx.Err()
	}
	ans := strings.TrimPrefix(req.Prompt, "say ")
	switch ans {
	case "3":
		return runners.Response{}, errors.New("HTTP 503 from server")
	case "5":
		ans = "boom"
	}
	now := time.Now()
	return runners.Response{Text: ans, Usage: runners.Usage{PromptTokens: 2, CompletionTokens: 1}, Timing: runners.Timing{Send: now, FirstToken: now, End: now}}, nil
}

func testPlan(t *testing.T, r *parrot, limit int) (*suites.Plan, suites.Catalog) {
	kind := runners.Kind{Name: "parrot", Concurrency: 3, New: func(string, params.Values) (runners.Runner, error) { return r, nil }}
	cat := suites.Catalog{Runners: []runners.Kind{kind}, Sets: []tasks.TaskSet{numbers{}}}
	s, err := suites.Load("t.yaml", []byte("name: t\nrunners: {p: {kind: parrot}, q: {kind: parrot, concurrency: 1}}\ntasks: [{set: numbers, n: 10, samples: 2}]\n"), cat)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Resolve(cat, limit)
	if err != nil {
		t.Fatal(err)
	}
	return p, cat
}

var opts = Options{Version: "test", Host: func(context.Context) hardware.Host { return hardware.Host{OS: "test"} }, Probe: NoProbe}

func keys(t *testing.T, dir string) []string {
	t.Helper()
	_, samples, err := results.ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range samples {
		out = append(out, s.Key)
	}
	sort.Strings(out)
	return out
}

func TestRunRecordsEverySampleAndEveryError(t *testing.T) {
	plan, _ := testPlan(t, &parrot{}, 0)
	out, err := Start(context.Background(), plan, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// 2 runners × 2 tasks × 10 instances × 2 samples
	if out.Run.Status != results.StatusComplete || out.Run.Expected != 80 || out.Run.Finished != 80 {
		t.Fatalf("run: %+v", out.Run)
	}
	_, samples, _ := results.ReadRunDir(out.Dir)
	var req, scorer, scored int
	for _, s := range samples {
		switch s.ErrorKind {
		case results.ErrRequest:
			req++
			if s.Score != nil {
				t.Errorf("request error scored: %+v", s)
			}
		case results.ErrScorer:
			scorer++
		default:
			scored++
			if *s.Score != 1 {
				t.Errorf("sample %s scored %v", s.Key, *s.Score)
			}
		}
	}
	// "3" and "5" in each of 2 tasks, for 2 runners and 2 repeats.
	if req != 8 || scorer != 8 || scored != 64 {
		t.Fatalf("request errors %d, scorer errors %d, scored %d", req, scorer, scored)
	}
}

func TestLimitAppliesPerCell(t *testing.T) {
	plan, _ := testPlan(t, &parrot{}, 3)
	out, err := Start(context.Background(), plan, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if out.Run.Expected != 2*2*3*2 || out.Run.Finished != out.Run.Expected {
		t.Fatalf("limited run: expected %d finished %d", out.Run.Expected, out.Run.Finished)
	}
}

func TestInterruptThenResumeGivesTheSameSamples(t *testing.T) {
	full, _ := testPlan(t, &parrot{}, 0)
	ref, err := Start(context.Background(), full, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}

	blocking := &parrot{blockAt: 30}
	plan, cat := testPlan(t, blocking, 0)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for blocking.calls.Load() < 30 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	out, err := Start(ctx, plan, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted() || out.Run.Finished >= out.Run.Expected {
		t.Fatalf("want a partial run, got %+v", out.Run)
	}
	partial := keys(t, out.Dir)
	if len(partial) != out.Run.Finished {
		t.Fatalf("run.json says %d finished, file has %d", out.Run.Finished, len(partial))
	}

	blocking.blockAt = 0
	res, err := Resume(context.Background(), out.Dir, cat, ResumeOptions{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.Status != results.StatusComplete || len(res.Run.Resumed) != 1 {
		t.Fatalf("resumed run: %+v", res.Run)
	}
	got, want := keys(t, out.Dir), keys(t, ref.Dir)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("resumed run has %d samples, uninterrupted %d", len(got), len(want))
	}
}

func TestUnwritableOutputLeavesNothing(t *testing.T) {
	plan, _ := testPlan(t, &parrot{}, 0)
	_, err := Start(context.Background(), plan, "/proc/engrambench-cannot-write-here", opts)
	if err == nil || !strings.Contains(err.Error(), "output directory") {
		t.Fatalf("want an output directory error, got %v", err)
	}
}

func TestBudgetStopsNewRequestsAndResumeContinues(t *testing.T) {
	r := &parrot{}
	kind := runners.Kind{Name: "parrot", Concurrency: 2, New: func(string, params.Values) (runners.Runner, error) { return r, nil }}
	cat := suites.Catalog{Runners: []runners.Kind{kind}, Sets: []tasks.TaskSet{numbers{}}}
	s, err := suites.Load("t.yaml", []byte("name: t\nbudget: {tokens: 30}\nrunners: {p: {kind: parrot, price_input: 1, price_output: 2}}\ntasks: [{set: numbers, n: 10}]\n"), cat)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := s.Resolve(cat, 0)
	out, err := Start(context.Background(), plan, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// Each answered sample costs 3 tokens and "3" fails with none: 11
	// samples reach the budget; at most the other worker's was in flight.
	if !out.BudgetReached() || out.Interrupted() || out.Run.Finished < 10 || out.Run.Finished > 12 {
		t.Fatalf("budget run: %+v", out.Run)
	}
	_, samples, _ := results.ReadRunDir(out.Dir)
	for _, x := range samples {
		if x.Error == "" && x.CostUSD != (2*1+1*2)/1e6 {
			t.Fatalf("cost %v, want 4e-6", x.CostUSD)
		}
	}
	// The same budget: nothing more is sent.
	calls := r.calls.Load()
	again, err := Resume(context.Background(), out.Dir, cat, ResumeOptions{}, opts)
	if err != nil || !again.BudgetReached() || r.calls.Load() != calls {
		t.Fatalf("resume at the same budget: %+v, %v, %d new calls", again.Run, err, r.calls.Load()-calls)
	}
	// A larger budget finishes the run.
	done, err := Resume(context.Background(), out.Dir, cat, ResumeOptions{Budget: &results.Budget{Tokens: 1000}}, opts)
	if err != nil || done.Run.Status != results.StatusComplete || done.Run.Finished != 20 {
		t.Fatalf("resume with a larger budget: %+v, %v", done.Run, err)
	}
}

// named answers every "say X" with X and has its own name.
type named struct{ name string }

func (n named) Name() string { return n.name }
func (n named) Generate(_ context.Context, req runners.Request) (runners.Response, error) {
	return runners.Response{Text: strings.TrimPrefix(req.Prompt, "say ")}, nil
}

// perRunner builds prompts that name the runner they are for.
type perRunner struct{ numbers }

func (perRunner) Name() string                       { return "per-runner" }
func (perRunner) RunnerSpecific(params.Values) bool  { return true }
func (perRunner) Params() []params.Spec              { return nil }
func (perRunner) Sizes(params.Values) map[string]int { return map[string]int{"per-runner/task=t": 3} }
func (perRunner) Instances(ctx context.Context, _ params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		r, ok := tasks.RunnerFrom(ctx)
		if !ok {
			yield(tasks.Instance{}, errors.New("no runner in the context"))
			return
		}
		for i := range 3 {
			ans := fmt.Sprintf("%s-%d", r.Name(), i)
			in := tasks.Instance{Set: "per-runner", Task: "t", Index: i, Request: runners.Request{Prompt: "say " + ans},
				Reference: tasks.Reference{Answers: []string{ans}}}
			in.ID = tasks.MakeID("per-runner", "t", nil, i, in.Request.Prompt)
			if !yield(in, nil) {
				return
			}
		}
	}
}

func TestRunnerSpecificSetsAreGeneratedPerRunner(t *testing.T) {
	kind := runners.Kind{Name: "named", Concurrency: 1, New: func(name string, _ params.Values) (runners.Runner, error) { return named{name}, nil }}
	cat := suites.Catalog{Runners: []runners.Kind{kind}, Sets: []tasks.TaskSet{perRunner{}}}
	s, err := suites.Load("t.yaml", []byte("name: t\nrunners: {a: {kind: named}, b: {kind: named}}\ntasks: [{set: per-runner}]\n"), cat)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := s.Resolve(cat, 0)
	out, err := Start(context.Background(), plan, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	_, samples, _ := results.ReadRunDir(out.Dir)
	if len(samples) != 6 {
		t.Fatalf("%d samples, want 3 per runner", len(samples))
	}
	for _, x := range samples {
		if !strings.HasPrefix(x.Response, x.Runner+"-") || *x.Score != 1 {
			t.Errorf("runner %s got an instance made for another: %q", x.Runner, x.Response)
		}
	}
}
