package runners

import (
	"context"
	"testing"
	"time"
)

func TestTimingDerivations(t *testing.T) {
	send := time.Unix(100, 0)
	tm := Timing{Send: send, FirstToken: send.Add(200 * time.Millisecond), End: send.Add(1200 * time.Millisecond)}
	if tm.TTFT() != 200*time.Millisecond || tm.E2E() != 1200*time.Millisecond {
		t.Fatalf("TTFT %v E2E %v", tm.TTFT(), tm.E2E())
	}
	// 11 tokens: 10 gaps over the 1 s after the first token.
	if got := tm.TPOT(11); got != 100*time.Millisecond {
		t.Fatalf("TPOT %v", got)
	}
	if tm.TPOT(1) != 0 || (Timing{}).TTFT() != 0 || (Timing{}).E2E() != 0 {
		t.Fatal("undefined figures must be 0")
	}
}

func TestHashIdentifiesContent(t *testing.T) {
	a := Request{Messages: []Message{{Role: "user", Content: "hi"}}, MaxTokens: 8}
	b := a
	b.Messages = []Message{{Role: "user", Content: "hi"}}
	if a.Hash() != b.Hash() {
		t.Fatal("equal requests hash differently")
	}
	b.Seed = 1
	if a.Hash() == b.Hash() {
		t.Fatal("seed not in the hash")
	}
	if len(a.Hash()) != 32 {
		t.Fatalf("hash %q", a.Hash())
	}
}

func TestText(t *testing.T) {
	if (Request{Prompt: "p"}).Text() != "p" {
		t.Fatal("raw prompt")
	}
	r := Request{Messages: []Message{{Role: "system", Content: "s"}, {Role: "user", Content: "u"}}}
	if r.Text() != "s\n\nu" || !r.IsChat() {
		t.Fatalf("chat text %q", r.Text())
	}
}

type inner struct{}

func (inner) Name() string { return "inner" }
func (inner) Generate(context.Context, Request) (Response, error) {
	return Response{}, nil
}
func (inner) Identity() string { return "id" }

type wrap struct{ r Runner }

func (w wrap) Name() string { return "wrap" }
func (w wrap) Generate(ctx context.Context, req Request) (Response, error) {
	return w.r.Generate(ctx, req)
}
func (w wrap) Unwrap() Runner { return w.r }

func TestFindThroughWrappers(t *testing.T) {
	r := wrap{wrap{inner{}}}
	id, ok := Find[Identifier](r)
	if !ok || id.Identity() != "id" {
		t.Fatal("Identifier not found through two wrappers")
	}
	if _, ok := Find[Logprober](r); ok {
		t.Fatal("found a power nobody has")
	}
}
