package runners

import (
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
