package coding

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

func TestTranscriptRoundTrip(t *testing.T) {
	answers := []string{"first\n", "", "third"}
	got := SplitTranscript(Transcript(answers))
	if len(got) != 3 || got[0] != "first" || got[1] != "" || got[2] != "third" {
		t.Fatalf("%q", got)
	}
	if got := SplitTranscript("no markers"); len(got) != 1 || got[0] != "no markers" {
		t.Fatalf("%q", got)
	}
	if got := SplitTranscript("  "); got != nil {
		t.Fatalf("%q", got)
	}
	// Markers out of order or repeated: each turn keeps its first answer.
	text := turnMark(1, 3) + "b\n" + turnMark(0, 3) + "a\n" + turnMark(1, 3) + "again\n"
	if got := SplitTranscript(text); len(got) != 2 || got[0] != "" || got[1] != "b" {
		t.Fatalf("%q", got)
	}
}

// pythonSession returns the first Python session's instance.
func pythonSession(t *testing.T) (tasks.Instance, *session) {
	t.Helper()
	requireSandbox(t)
	for in, err := range NewCodeSession().Instances(context.Background(), params.Values{"tasks": []string{"python"}, "n": 1}) {
		if err != nil {
			t.Fatal(err)
		}
		e, err := lookup(in)
		if err != nil {
			t.Fatal(err)
		}
		return in, e.p.session
	}
	t.Fatal("no Python session")
	return tasks.Instance{}, nil
}

// TestConverse drives a session with a fake model that answers each turn
// with the reference, and checks what the executor would record.
func TestConverse(t *testing.T) {
	in, s := pythonSession(t)
	refs, err := s.referenceAnswers(false)
	if err != nil {
		t.Fatal(err)
	}
	var seen []runners.Request
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	gen := func(ctx context.Context, req runners.Request) (runners.Response, error) {
		seen = append(seen, req)
		turn := len(req.Messages) / 2
		return runners.Response{
			Text: refs[turn], Reasoning: "thinking", Model: "fake",
			Usage:  runners.Usage{PromptTokens: 10, CompletionTokens: 5},
			Timing: runners.Timing{Send: start.Add(time.Duration(turn) * time.Second), End: start.Add(time.Duration(turn)*time.Second + 500*time.Millisecond)},
		}, nil
	}
	var conv Conversational = NewCodeSession().Scorer().(Conversational)
	resp, sc, err := conv.Converse(context.Background(), in, gen)
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.turns)
	if sc.Value != 1 || !SamplePassed(sc.Value, sc.Detail) {
		t.Fatalf("score %v: %s", sc.Value, sc.Detail)
	}
	if p, total, ok := TurnsOf(sc.Detail); !ok || p != n || total != n {
		t.Fatalf("turns in %q", sc.Detail)
	}
	if len(seen) != n {
		t.Fatalf("%d requests for %d turns", len(seen), n)
	}
	for i, req := range seen {
		if len(req.Messages) != 2*i+1 || req.Messages[len(req.Messages)-1].Role != "user" {
			t.Fatalf("turn %d: %d messages", i+1, len(req.Messages))
		}
		if i > 0 && req.Messages[2*i-1].Content != refs[i-1] {
			t.Fatalf("turn %d does not carry the model's previous answer", i+1)
		}
		if req.Seed != in.Request.Seed || req.MaxTokens != in.Request.MaxTokens {
			t.Fatalf("turn %d lost the request settings", i+1)
		}
	}
	if resp.Usage.PromptTokens != 10*n || resp.Usage.CompletionTokens != 5*n || resp.Attempts != n {
		t.Fatalf("usage %+v attempts %d", resp.Usage, resp.Attempts)
	}
	if !resp.Timing.Send.Equal(start) || !resp.Timing.End.Equal(start.Add(time.Duration(n-1)*time.Second+500*time.Millisecond)) {
		t.Fatalf("timing %+v", resp.Timing)
	}
	// The recorded transcript scores the same through Score.
	again, err := NewCodeSession().Scorer().Score(context.Background(), in, resp)
	if err != nil || again.Value != sc.Value {
		t.Fatalf("re-scoring the transcript: %v %v", again.Value, err)
	}
	if !strings.Contains(resp.Reasoning, "thinking") {
		t.Fatal("reasoning dropped")
	}
}

func TestConverseModelLosesTrack(t *testing.T) {
	in, s := pythonSession(t)
	refs, _ := s.referenceAnswers(false)
	gen := func(ctx context.Context, req runners.Request) (runners.Response, error) {
		turn := len(req.Messages) / 2
		if turn == 2 {
			return runners.Response{Text: "Sorry, I am not sure what you mean."}, nil
		}
		return runners.Response{Text: refs[turn]}, nil
	}
	_, sc, err := NewCodeSession().Scorer().(Conversational).Converse(context.Background(), in, gen)
	if err != nil {
		t.Fatal(err)
	}
	p, n, _ := TurnsOf(sc.Detail)
	if p != n-1 || sc.Value >= 1 || OutcomeOf(sc.Detail) != Malformed || !strings.Contains(sc.Detail, "turn3=malformed") {
		t.Fatalf("score %v: %s", sc.Value, sc.Detail)
	}
}

func TestConverseRequestError(t *testing.T) {
	in, _ := pythonSession(t)
	boom := errors.New("rate limited")
	calls := 0
	gen := func(ctx context.Context, req runners.Request) (runners.Response, error) {
		calls++
		if calls == 2 {
			return runners.Response{}, boom
		}
		return runners.Response{Text: "x"}, nil
	}
	resp, _, err := NewCodeSession().Scorer().(Conversational).Converse(context.Background(), in, gen)
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	var sf interface{ ScorerFault() bool }
	if errors.As(err, &sf) {
		t.Fatal("a request error is marked as the scorer's")
	}
	if len(SplitTranscript(resp.Text)) != 1 {
		t.Fatalf("partial transcript %q", resp.Text)
	}
}

func TestConverseSingleTurnSets(t *testing.T) {
	requireSandbox(t)
	// Other sets' instances go through Converse as one Generate and Score.
	var in tasks.Instance
	for i, err := range NewCodePy().Instances(context.Background(), params.Values{"n": 1, "tasks": []string{"easy"}}) {
		if err != nil {
			t.Fatal(err)
		}
		in = i
		break
	}
	gen := func(ctx context.Context, req runners.Request) (runners.Response, error) {
		return runners.Response{Text: in.Reference.Completion}, nil
	}
	_, sc, err := sessionScorer{}.Converse(context.Background(), in, gen)
	if err != nil || sc.Value != 1 {
		t.Fatalf("%v %v", sc, err)
	}
}
