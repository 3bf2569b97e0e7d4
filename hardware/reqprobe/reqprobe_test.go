package reqprobe

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/runners"
)

// fakeRunner answers at once with made-up timings: first token after
// ttft, then tokens tokens, one per tpot.
type fakeRunner struct {
	ttft, tpot time.Duration
	tokens     int
	streamed   bool
	failEvery  int
	calls      int
}

func (f *fakeRunner) Name() string  { return "fake" }
func (f *fakeRunner) Model() string { return "tiny-1" }

func (f *fakeRunner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	f.calls++
	if req.MaxTokens != RequestMaxTokens || len(req.Messages) != 1 {
		return runners.Response{}, errors.New("unexpected request")
	}
	if f.failEvery > 0 && f.calls%f.failEvery == 0 {
		return runners.Response{}, errors.New("503 overloaded")
	}
	send := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t := runners.Timing{Send: send, End: send.Add(f.ttft + time.Duration(f.tokens-1)*f.tpot)}
	if f.streamed {
		t.FirstToken = send.Add(f.ttft)
	}
	return runners.Response{Text: "1, 2, 3", Usage: runners.Usage{CompletionTokens: f.tokens}, Timing: t}, nil
}

var _ runners.Runner = (*fakeRunner)(nil)

func TestProbeRequests(t *testing.T) {
	f := &fakeRunner{ttft: 80 * time.Millisecond, tpot: 10 * time.Millisecond, tokens: 21, streamed: true}
	got, err := Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls != len(RequestPrompts)+1 {
		t.Errorf("calls = %d, want a warm-up and %d", f.calls, len(RequestPrompts))
	}
	if got.Runner != "fake" || got.Model != "tiny-1" || got.Requests != len(RequestPrompts) || got.Errors != 0 || got.OutputTokens != 21*len(RequestPrompts) {
		t.Errorf("probe = %+v", got)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(got.TTFT.Median, 0.08) || !near(got.TPOT.P90, 0.01) || !near(got.E2E.Max, 0.28) || got.TTFT.N != len(RequestPrompts) {
		t.Errorf("stats: ttft %+v tpot %+v e2e %+v", got.TTFT, got.TPOT, got.E2E)
	}
}

func TestProbeRequestsErrorsAndUnstreamed(t *testing.T) {
	f := &fakeRunner{ttft: 50 * time.Millisecond, tpot: 5 * time.Millisecond, tokens: 10, failEvery: 3}
	got, err := Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Errors == 0 || got.Errors == got.Requests || got.TTFT.N != 0 || got.E2E.N != got.Requests-got.Errors {
		t.Errorf("probe = %+v", got)
	}
	notes := strings.Join(got.Notes, "\n")
	if !strings.Contains(notes, "503 overloaded") || strings.Count(notes, "503") != 1 || !strings.Contains(notes, "no first-token time") {
		t.Errorf("notes = %v", got.Notes)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, f); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestSummarize(t *testing.T) {
	s := summarize([]float64{4, 1, 3, 2})
	if s.N != 4 || s.Min != 1 || s.Max != 4 || s.Median != 2.5 || s.Mean != 2.5 || math.Abs(s.P90-3.7) > 1e-9 {
		t.Errorf("%+v", s)
	}
	if (summarize(nil) != hardware.Stats{}) {
		t.Error("stats of nothing")
	}
}
