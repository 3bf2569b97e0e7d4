package simulated

import (
	"context"
	"testing"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

func TestSimulatedTiming(t *testing.T) {
	r, err := New("sim", params.Values{"ttft_ms": 40.0, "tpot_ms": 5.0})
	if err != nil {
		t.Fatal(err)
	}
	defer r.(runners.Closer).Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := r.Generate(ctx, runners.Request{Messages: []runners.Message{{Role: "user", Content: "go"}}, MaxTokens: 11})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Usage.CompletionTokens != 11 || resp.FinishReason != "length" {
		t.Fatalf("usage %+v finish %q", resp.Usage, resp.FinishReason)
	}
	if ttft := resp.Timing.TTFT(); ttft < 40*time.Millisecond || ttft > 400*time.Millisecond {
		t.Errorf("TTFT %v, want about 40 ms", ttft)
	}
	if tpot := resp.Timing.TPOT(11); tpot < 5*time.Millisecond {
		t.Errorf("TPOT %v, want at least 5 ms", tpot)
	}
	if _, ok := runners.Find[runners.Identifier](r); ok {
		t.Error("a simulated runner must not be cached: it has no identity")
	}
}
