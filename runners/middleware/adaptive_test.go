package middleware

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/engrambench/engrambench/runners"
)

var (
	_ runners.Runner  = (*AdaptiveRunner)(nil)
	_ runners.Wrapper = (*AdaptiveRunner)(nil)
)

func TestAdaptiveHalvesAndClimbsBack(t *testing.T) {
	rl := reqErr(runners.ClassRateLimit, 429, 0)
	f := &fake{errs: []error{rl, rl, rl, rl, reqErr(runners.ClassServer, 500, 0)}}
	a := Adaptive(f, 8).(*AdaptiveRunner)
	if a.Limit() != 8 {
		t.Fatalf("starts at %d", a.Limit())
	}
	for i, want := range []int{4, 2, 1, 1, 1} { // halves, never below 1; a 5xx changes nothing
		a.Generate(context.Background(), runners.Request{})
		if a.Limit() != want {
			t.Fatalf("after failure %d: limit %d, want %d", i+1, a.Limit(), want)
		}
	}
	// Additive increase: 1/limit per success, so about n successes per step at n.
	successes := 0
	for a.Limit() < 8 {
		if _, err := a.Generate(context.Background(), runners.Request{}); err != nil {
			t.Fatal(err)
		}
		successes++
		if successes > 100 {
			t.Fatalf("limit stuck at %d", a.Limit())
		}
	}
	// Between sum(n) and sum(n+1) for n from 1 to 7.
	if successes < 28 || successes > 35 {
		t.Fatalf("climbed from 1 to 8 in %d successes", successes)
	}
	for range 20 {
		a.Generate(context.Background(), runners.Request{})
	}
	if a.Limit() != 8 {
		t.Fatalf("limit %d above max", a.Limit())
	}
}

func TestAdaptiveOneBurstHalvesOnce(t *testing.T) {
	rl := reqErr(runners.ClassRateLimit, 429, 0)
	f := &fake{errs: []error{rl, rl, rl, rl, rl, rl, rl, rl}}
	a := Adaptive(f, 8).(*AdaptiveRunner)
	var wg sync.WaitGroup
	start := make(chan struct{})
	f.onEnter = func(in int64) {
		if in == 8 {
			close(start) // all eight admitted before any returns
		}
		<-start
	}
	for range 8 {
		wg.Go(func() { a.Generate(context.Background(), runners.Request{}) })
	}
	wg.Wait()
	if a.Limit() != 4 {
		t.Fatalf("limit %d after one burst of 429s, want 4", a.Limit())
	}
}

func TestAdaptiveNeverExceedsTheLimit(t *testing.T) {
	rl := reqErr(runners.ClassRateLimit, 429, 0)
	f := &fake{delay: time.Millisecond, errs: []error{rl}}
	a := Adaptive(f, 4).(*AdaptiveRunner)
	var mu sync.Mutex
	var violations []int64
	f.onEnter = func(in int64) {
		// The limit only rises after the first call, so the limit now is at
		// least the one this request was admitted under.
		if lim := int64(a.Limit()); in > lim {
			mu.Lock()
			violations = append(violations, in)
			mu.Unlock()
		}
	}
	// The first call fails alone, halving the limit to 2 before the rest.
	a.Generate(context.Background(), runners.Request{})
	if a.Limit() != 2 {
		t.Fatalf("limit %d", a.Limit())
	}
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() { a.Generate(context.Background(), runners.Request{}) })
	}
	wg.Wait()
	if len(violations) > 0 {
		t.Fatalf("in flight above the limit: %v", violations)
	}
	if m := f.maxInFlight.Load(); m > 4 || m < 2 {
		t.Fatalf("max in flight %d", m)
	}
	if a.InFlight() != 0 {
		t.Fatalf("%d slots leaked", a.InFlight())
	}
}

func TestAdaptiveRetryAfterPausesAdmissions(t *testing.T) {
	const pause = 80 * time.Millisecond
	f := &fake{errs: []error{reqErr(runners.ClassRateLimit, 429, pause)}}
	a := Adaptive(f, 4)
	start := time.Now()
	a.Generate(context.Background(), runners.Request{})
	if _, err := a.Generate(context.Background(), runners.Request{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < pause {
		t.Fatalf("admitted after %v, before the Retry-After of %v", d, pause)
	}
	// Cancelling while paused returns at once.
	f2 := &fake{errs: []error{reqErr(runners.ClassRateLimit, 429, time.Hour)}}
	a2 := Adaptive(f2, 4)
	a2.Generate(context.Background(), runners.Request{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := a2.Generate(ctx, runners.Request{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
}

func TestAdaptiveWaitRespectsCtx(t *testing.T) {
	block := make(chan struct{})
	a := Adaptive(blockRunner{block}, 1).(*AdaptiveRunner)
	go a.Generate(context.Background(), runners.Request{})
	for a.InFlight() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if _, err := a.Generate(ctx, runners.Request{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
	close(block)
}

func TestAdaptiveIgnoresPermanentErrors(t *testing.T) {
	f := &fake{errs: []error{&runners.RequestError{Class: runners.ClassRateLimit, Err: permanent{}}}}
	a := Adaptive(f, 4).(*AdaptiveRunner)
	a.Generate(context.Background(), runners.Request{})
	if a.Limit() != 4 {
		t.Fatalf("limit %d after a replayed 429", a.Limit())
	}
}

func TestAdaptiveRecordsQueueing(t *testing.T) {
	a := Adaptive(&fake{}, 2)
	before := time.Now()
	resp, err := a.Generate(context.Background(), runners.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Timing.Intended.Before(before) || resp.Timing.Intended.IsZero() {
		t.Fatalf("intended %v", resp.Timing.Intended)
	}
}
