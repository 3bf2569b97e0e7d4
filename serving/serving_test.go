package serving

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

// sim is a runner that behaves like a streaming server: a first token
// after ttft, then one token per tpot, up to the budget. slots, when set,
// is a client-side queue: requests wait for a slot before they are sent.
type sim struct {
	ttft, tpot time.Duration
	slots      chan struct{}
	failEvery  int
	calls      atomic.Int64
}

func (s *sim) Name() string { return "sim" }
func (s *sim) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	n := s.calls.Add(1)
	if s.slots != nil {
		select {
		case s.slots <- struct{}{}:
			defer func() { <-s.slots }()
		case <-ctx.Done():
			return runners.Response{}, ctx.Err()
		}
	}
	var t runners.Timing
	t.Send = time.Now()
	if s.failEvery > 0 && n%int64(s.failEvery) == 0 {
		return runners.Response{Timing: t}, &runners.RequestError{Class: runners.ClassServer, Status: 503, Err: errors.New("overloaded")}
	}
	time.Sleep(s.ttft)
	t.FirstToken = time.Now()
	t.Chunks = append(t.Chunks, t.FirstToken.Sub(t.Send))
	for i := 1; i < req.MaxTokens; i++ {
		time.Sleep(s.tpot)
		t.Chunks = append(t.Chunks, time.Since(t.Send))
	}
	t.End = time.Now()
	return runners.Response{Text: "x", Timing: t, Usage: runners.Usage{PromptTokens: 10, CompletionTokens: req.MaxTokens}}, nil
}

func config(t *testing.T, kv map[string]any) Config {
	t.Helper()
	v := params.Defaults(Params)
	for k, x := range kv {
		v[k] = x
	}
	c, err := FromParams(v)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOpenLoopHoldsItsRate(t *testing.T) {
	r := &sim{ttft: 5 * time.Millisecond, tpot: time.Millisecond}
	c := config(t, map[string]any{"mode": "open", "arrival": "constant", "rates": []string{"50"}, "duration": 0.4, "prompt_tokens": []int{32}, "output_tokens": []int{4}})
	res, err := Run(context.Background(), r, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := res[0]
	if x.Sent != 20 || x.Succeeded != 20 || x.Errors != 0 {
		t.Fatalf("sent %d ok %d errors %d", x.Sent, x.Succeeded, x.Errors)
	}
	if math.Abs(x.AchievedRate-50)/50 > 0.15 {
		t.Errorf("achieved rate %.1f, intended 50", x.AchievedRate)
	}
	if x.TTFT.P50 < 0.005 || x.TPOT.P50 < 0.001 || x.ChunkGap.N != 20*3 {
		t.Errorf("ttft %+v tpot %+v gaps %+v", x.TTFT, x.TPOT, x.ChunkGap)
	}
	if x.OutTokPerSec <= 0 || x.ReqPerSec <= 0 {
		t.Errorf("throughput %v %v", x.ReqPerSec, x.OutTokPerSec)
	}
}

func TestClientQueueShowsAsLagNotHidden(t *testing.T) {
	// One slot: arrivals at 100/s against 20 ms requests queue in the client.
	r := &sim{ttft: 15 * time.Millisecond, tpot: time.Millisecond, slots: make(chan struct{}, 1)}
	c := config(t, map[string]any{"mode": "open", "arrival": "constant", "rates": []string{"100"}, "duration": 0.2, "prompt_tokens": []int{16}, "output_tokens": []int{2}})
	res, err := Run(context.Background(), r, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := res[0]
	if x.Lag.P90 < 0.05 {
		t.Errorf("schedule lag p90 %.3f s: the client queue is hidden", x.Lag.P90)
	}
	if x.TTFT.P90 < x.TTFTFromSend.P90+0.04 {
		t.Errorf("TTFT from intended %.3f should exceed TTFT from send %.3f by the queue", x.TTFT.P90, x.TTFTFromSend.P90)
	}
}

func TestClosedLoopGoodputAndErrors(t *testing.T) {
	r := &sim{ttft: 3 * time.Millisecond, tpot: time.Millisecond, failEvery: 5}
	c := config(t, map[string]any{"mode": "closed", "concurrency": []int{2}, "duration": 0.3, "max_requests": 40,
		"prompt_tokens": []int{8, 16}, "output_tokens": []int{3}, "slo_ttft_ms": 1.0})
	res, err := Run(context.Background(), r, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := res[0]
	if x.Sent == 0 || x.Errors != x.Sent/5 || x.Succeeded != x.Sent-x.Errors {
		t.Fatalf("sent %d ok %d errors %d", x.Sent, x.Succeeded, x.Errors)
	}
	// Every TTFT is over 1 ms: nothing meets the SLO.
	if x.SLOMet != 0 || x.Goodput != 0 {
		t.Errorf("goodput %v with %d meeting an unmeetable SLO", x.Goodput, x.SLOMet)
	}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || back.Sent != x.Sent {
		t.Fatalf("round trip: %v", err)
	}
}

func TestQuantilesOfNothingAreNull(t *testing.T) {
	b, _ := json.Marshal(quantiles(nil))
	if string(b) != `{"p50":null,"p90":null,"p99":null,"n":0}` {
		t.Fatalf("%s", b)
	}
}

func TestBadConfig(t *testing.T) {
	for _, kv := range []map[string]any{
		{"rates": []string{"fast"}},
		{"rates": []string{"-1"}},
		{"prompt_tokens": []int{10, 5}},
		{"output_tokens": []int{1, 2, 3}},
		{"rates": []string{}},
	} {
		v := params.Defaults(Params)
		for k, x := range kv {
			v[k] = x
		}
		if _, err := FromParams(v); err == nil {
			t.Errorf("%v: want an error", kv)
		}
	}
}
