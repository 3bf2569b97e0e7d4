package middleware

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/engrambench/engrambench/runners"
)

var (
	_ runners.Runner  = (*RateLimitRunner)(nil)
	_ runners.Wrapper = (*RateLimitRunner)(nil)
)

// offsets returns each time as seconds after the first.
func offsets(ts []time.Time) []float64 {
	out := make([]float64, len(ts))
	for i, t := range ts {
		out[i] = t.Sub(ts[0]).Seconds()
	}
	return out
}

func TestRateLimitSchedule(t *testing.T) {
	usage := func(n int) *runners.Usage { return &runners.Usage{PromptTokens: n - 1, CompletionTokens: 1} }
	tests := []struct {
		name     string
		rpm, tpm float64
		usage    *runners.Usage
		errs     []error
		want     []float64 // send times, seconds after the first
	}{
		{name: "rpm spaces requests", rpm: 60, want: []float64{0, 1, 2, 3}},
		{name: "rpm 30", rpm: 30, want: []float64{0, 2, 4}},
		// Reservation 10 prompt + 20 max = 30 tokens at 1 token/s.
		{name: "tpm without usage keeps the reservation", tpm: 60, usage: &runners.Usage{}, want: []float64{0, 30, 60}},
		{name: "tpm corrected down to usage", tpm: 60, usage: usage(12), want: []float64{0, 12, 24}},
		{name: "tpm corrected up to usage", tpm: 60, usage: usage(45), want: []float64{0, 45, 90}},
		{name: "errors keep the reservation", tpm: 60, usage: usage(12), errs: []error{reqErr(runners.ClassServer, 500, 0)}, want: []float64{0, 30, 42}},
		{name: "the slower limit wins", rpm: 60, tpm: 600, usage: usage(30), want: []float64{0, 3, 6}},
		{name: "the slower limit wins the other way", rpm: 6, tpm: 600, usage: usage(30), want: []float64{0, 10, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			f := &fake{now: clock.Now, usage: tt.usage, errs: tt.errs}
			l := RateLimit(f, tt.rpm, tt.tpm, func(runners.Request) int { return 10 }).(*RateLimitRunner)
			l.now, l.sleep = clock.Now, clock.Sleep
			for range tt.want {
				l.Generate(context.Background(), runners.Request{Prompt: "q", MaxTokens: 20})
			}
			if got := offsets(f.sendTimes()); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("sent at %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRateLimitIdleTimeIsNotCredit(t *testing.T) {
	clock := newClock()
	f := &fake{now: clock.Now}
	l := RateLimit(f, 60, 0, nil).(*RateLimitRunner)
	l.now, l.sleep = clock.Now, clock.Sleep
	l.Generate(context.Background(), runners.Request{})
	clock.Sleep(context.Background(), time.Hour)
	for range 3 {
		l.Generate(context.Background(), runners.Request{})
	}
	want := []float64{0, 3600, 3601, 3602}
	if got := offsets(f.sendTimes()); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sent at %v, want %v: an idle hour became a burst", got, want)
	}
}

func TestRateLimitRealTimeSpacing(t *testing.T) {
	// 1200 rpm: one request every 50 ms, whatever the concurrency.
	f := &fake{now: time.Now}
	l := RateLimit(f, 1200, 0, nil)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, err := l.Generate(context.Background(), runners.Request{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// The schedule is absolute: a send may be late on a loaded machine
	// (and the next one then closer to it), but none is ever early.
	sends := f.sendTimes()
	for i := 1; i < len(sends); i++ {
		if at := sends[i].Sub(sends[0]); at < time.Duration(i)*50*time.Millisecond-5*time.Millisecond {
			t.Fatalf("send %d at %v, before its slot at %v (sends %v)", i, at, time.Duration(i)*50*time.Millisecond, offsets(sends))
		}
	}
}

func TestRateLimitCancelWhileWaiting(t *testing.T) {
	f := &fake{}
	l := RateLimit(f, 60, 0, nil).(*RateLimitRunner)
	l.Generate(context.Background(), runners.Request{}) // the next slot is a second away
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if _, err := l.Generate(ctx, runners.Request{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("took %v", d)
	}
	if f.calls.Load() != 1 {
		t.Fatal("the cancelled request was sent")
	}
	// Its slot was given back: the schedule is free a second after the first.
	l.mu.Lock()
	free := l.requests.free
	l.mu.Unlock()
	if d := time.Until(free); d > time.Second {
		t.Fatalf("schedule busy for %v more", d)
	}
}

func TestRateLimitUnlimited(t *testing.T) {
	f := &fake{}
	l := RateLimit(f, 0, 0, nil)
	start := time.Now()
	for range 100 {
		if _, err := l.Generate(context.Background(), runners.Request{}); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("100 unlimited requests took %v", d)
	}
}

func TestRateLimitCachedResponsesGiveBackTheirShare(t *testing.T) {
	clock := newClock()
	f := &fake{now: clock.Now}
	l := RateLimit(cachedRunner{f}, 60, 0, nil).(*RateLimitRunner)
	l.now, l.sleep = clock.Now, clock.Sleep
	for range 3 {
		l.Generate(context.Background(), runners.Request{})
	}
	if got := offsets(f.sendTimes()); fmt.Sprint(got) != fmt.Sprint([]float64{0, 0, 0}) {
		t.Fatalf("cache hits were paced: %v", got)
	}
}

type cachedRunner struct{ *fake }

func (c cachedRunner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	resp, err := c.fake.Generate(ctx, req)
	resp.Cached = true
	return resp, err
}

func TestEstimateTokens(t *testing.T) {
	if n := estimateTokens(runners.Request{Prompt: "abcdefghi"}); n != 3 {
		t.Fatalf("%d", n)
	}
}
