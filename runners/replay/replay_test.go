package replay

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/runners/middleware"
)

func request(q string, seed int64) runners.Request {
	return runners.Request{Messages: []runners.Message{{Role: "user", Content: q}}, MaxTokens: 32, Seed: seed}
}

var t0 = time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)

func answered(runner, q string, seed int64, text string) results.Sample {
	req := request(q, seed)
	score := 1.0
	return results.Sample{
		Key: results.SampleKey(runner, q, int(seed)), RunID: "r1", Runner: runner, Model: "model-of-" + runner,
		Set: "bbh", Task: "t", InstanceID: q, Repeat: int(seed), Seed: seed, RequestHash: req.Hash(),
		Response: text, Reasoning: "thought about " + q, FinishReason: "stop", Extracted: text, Score: &score,
		Usage:  runners.Usage{PromptTokens: 11, CompletionTokens: 7, ReasoningTokens: 3},
		Timing: results.TimingFrom(runners.Timing{Send: t0, FirstToken: t0.Add(300 * time.Millisecond), End: t0.Add(time.Second)}, 7),
	}
}

func failed(runner, q string, seed int64, class string) results.Sample {
	s := answered(runner, q, seed, "")
	s.Score, s.Extracted = nil, ""
	s.Error, s.ErrorKind, s.ErrorClass, s.Attempts = class+" (HTTP 503): overloaded", results.ErrRequest, class, 5
	return s
}

// writeRun writes samples.jsonl into a fresh run directory.
func writeRun(t *testing.T, samples ...results.Sample) string {
	t.Helper()
	dir := t.TempDir()
	w, err := results.OpenWriter(filepath.Join(dir, results.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newReplay(t *testing.T, p params.Values) *Runner {
	t.Helper()
	r, err := New("again", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.(*Runner).Close() })
	return r.(*Runner)
}

// Responses are read back from the file when asked for; a file rewritten
// under the replay is said to have changed, never answered from.
func TestReplayNoticesTheFileChanged(t *testing.T) {
	dir := writeRun(t, answered("gpt", "q1", 0, "(A)"), answered("gpt", "q2", 0, "(B)"))
	r := newReplay(t, params.Values{"from": dir})
	path := filepath.Join(dir, results.SamplesFile)
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	if err := os.WriteFile(path, []byte(lines[1]+lines[0]), 0o644); err != nil { // same bytes, swapped
		t.Fatal(err)
	}
	_, err := r.Generate(context.Background(), request("q1", 0))
	var re *runners.RequestError
	if !errors.As(err, &re) || re.Class != runners.ClassClient || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("after the file changed: %v", err)
	}
}

func TestReplayServesRecordedResponses(t *testing.T) {
	dir := writeRun(t,
		answered("gpt", "q1", 0, "(A)"),
		answered("gpt", "q1", 1, "(B)"), // a repeat: same prompt, another seed
		answered("gpt", "q2", 0, "True"),
	)
	r := newReplay(t, params.Values{"from": dir})
	if r.Name() != "again" || r.Model() != "model-of-gpt" || r.Len() != 3 {
		t.Fatalf("name %q model %q len %d", r.Name(), r.Model(), r.Len())
	}
	for _, c := range []struct {
		req  runners.Request
		text string
	}{{request("q1", 0), "(A)"}, {request("q1", 1), "(B)"}, {request("q2", 0), "True"}} {
		resp, err := r.Generate(context.Background(), c.req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Text != c.text {
			t.Errorf("text %q, want %q", resp.Text, c.text)
		}
		if resp.Reasoning == "" || resp.FinishReason != "stop" || resp.Model != "model-of-gpt" || resp.Attempts != 0 {
			t.Errorf("response %+v", resp)
		}
		if resp.Usage != (runners.Usage{PromptTokens: 11, CompletionTokens: 7, ReasoningTokens: 3}) {
			t.Errorf("usage %+v", resp.Usage)
		}
		if !resp.Timing.Send.Equal(t0) || resp.Timing.TTFT() != 300*time.Millisecond || resp.Timing.E2E() != time.Second {
			t.Errorf("timing %+v", resp.Timing)
		}
	}
}

func TestReplayIdentity(t *testing.T) {
	dir := writeRun(t, answered("gpt", "q1", 0, "x"))
	fromDir := newReplay(t, params.Values{"from": dir})
	fromFile := newReplay(t, params.Values{"from": filepath.Join(dir, results.SamplesFile), "runner": "gpt"})
	want := "replay:" + filepath.Join(dir, results.SamplesFile) + "|gpt"
	if fromDir.Identity() != want || fromFile.Identity() != want {
		t.Fatalf("identities %q and %q, want %q", fromDir.Identity(), fromFile.Identity(), want)
	}
	// A relative path is made absolute.
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, dir)
	if err != nil {
		t.Skip("no relative path to the temp dir")
	}
	if got := newReplay(t, params.Values{"from": rel}).Identity(); got != want {
		t.Fatalf("identity from a relative path %q", got)
	}
}

func TestReplayFailuresStayFailures(t *testing.T) {
	scorerBroke := answered("gpt", "q3", 0, "kept")
	scorerBroke.Score, scorerBroke.Error, scorerBroke.ErrorKind = nil, "regexp blew up", results.ErrScorer
	dir := writeRun(t,
		failed("gpt", "q1", 0, "server"),
		failed("gpt", "q2", 0, "made_up_class"),
		scorerBroke,
	)
	r := newReplay(t, params.Values{"from": dir})
	tests := []struct {
		req  runners.Request
		want runners.ErrorClass
	}{
		{request("q1", 0), runners.ClassServer},
		{request("q2", 0), runners.ClassOther},
		{request("nowhere", 0), runners.ClassClient},
	}
	for _, tt := range tests {
		_, err := r.Generate(context.Background(), tt.req)
		var re *runners.RequestError
		if !errors.As(err, &re) || re.Class != tt.want {
			t.Errorf("%s: error %v, want class %s", tt.req.Text(), err, tt.want)
		}
	}
	_, err := r.Generate(context.Background(), request("nowhere", 0))
	if !strings.Contains(err.Error(), request("nowhere", 0).Hash()) || !strings.Contains(err.Error(), "no recorded response") {
		t.Errorf("missing-sample error %q does not name the hash", err)
	}
	// A scorer error in the old run still had a good response: re-score it.
	if resp, err := r.Generate(context.Background(), request("q3", 0)); err != nil || resp.Text != "kept" {
		t.Errorf("scorer-error sample: %+v %v", resp, err)
	}
}

func TestReplayedFailuresAreNotRetried(t *testing.T) {
	dir := writeRun(t, failed("gpt", "q1", 0, "rate_limit"))
	slept := 0
	r := middleware.Retry(newReplay(t, params.Values{"from": dir}), middleware.RetryPolicy{
		Max:   4,
		Sleep: func(context.Context, time.Duration) error { slept++; return nil },
	})
	_, err := r.Generate(context.Background(), request("q1", 0))
	var re *runners.RequestError
	if !errors.As(err, &re) || re.Class != runners.ClassRateLimit || re.Attempts != 1 || slept != 0 {
		t.Fatalf("error %v (%+v), slept %d times", err, re, slept)
	}
	if !middleware.IsPermanent(err) {
		t.Fatal("replayed failure not permanent")
	}
}

func TestReplayPrefersAnAnswerToAFailure(t *testing.T) {
	bad := failed("gpt", "q1", 0, "timeout")
	bad.Key += "-dup"
	dir := writeRun(t, bad, answered("gpt", "q1", 0, "late but fine"), answered("gpt", "q1", 0, "second answer"))
	resp, err := newReplay(t, params.Values{"from": dir}).Generate(context.Background(), request("q1", 0))
	if err != nil || resp.Text != "late but fine" {
		t.Fatalf("%+v %v", resp, err)
	}
}

func TestReplayChoosesRunner(t *testing.T) {
	dir := writeRun(t,
		answered("gpt", "q1", 0, "from gpt"),
		answered("claude", "q1", 0, "from claude"),
	)
	_, err := New("x", params.Values{"from": dir})
	if err == nil || !strings.Contains(err.Error(), "claude, gpt") || !strings.Contains(err.Error(), "runner=") {
		t.Fatalf("error %v does not list the runners", err)
	}
	_, err = New("x", params.Values{"from": dir, "runner": "llama"})
	if err == nil || !strings.Contains(err.Error(), "claude, gpt") {
		t.Fatalf("error %v does not list the runners", err)
	}
	r := newReplay(t, params.Values{"from": dir, "runner": "claude"})
	resp, err := r.Generate(context.Background(), request("q1", 0))
	if err != nil || resp.Text != "from claude" || r.Model() != "model-of-claude" {
		t.Fatalf("%+v %v", resp, err)
	}
	if !strings.HasSuffix(r.Identity(), "|claude") {
		t.Fatalf("identity %q", r.Identity())
	}
}

func TestReplayBadParams(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		p    params.Values
		want string
	}{
		{"no from", params.Values{}, "from is required"},
		{"from missing", params.Values{"from": filepath.Join(empty, "nope")}, "no such file"},
		{"directory without samples", params.Values{"from": empty}, "has no samples.jsonl"},
		{"no samples", params.Values{"from": writeRun(t)}, "has no samples"},
		{"wrong type", params.Values{"from": 3}, "from wants a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New("x", tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReplayCancelled(t *testing.T) {
	dir := writeRun(t, answered("gpt", "q1", 0, "x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newReplay(t, params.Values{"from": dir}).Generate(ctx, request("q1", 0)); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
}

func TestKind(t *testing.T) {
	if Kind.Name != "replay" || Kind.New == nil || Kind.Concurrency < 1 {
		t.Fatalf("%+v", Kind)
	}
	for _, name := range []string{"from", "runner"} {
		if _, ok := params.Find(Kind.Params, name); !ok {
			t.Errorf("no %s parameter", name)
		}
	}
}
