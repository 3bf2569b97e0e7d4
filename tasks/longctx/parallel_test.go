package longctx

import (
	"context"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func upTo(n int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

func TestOrdered(t *testing.T) {
	before := runtime.NumGoroutine()
	var states atomic.Int32
	state := func() int { return int(states.Add(1)) }
	square := func(_ context.Context, _ int, j int) int {
		if j%7 == 0 {
			time.Sleep(time.Millisecond) // out-of-order finishes
		}
		return j * j
	}
	var got []int
	for r := range ordered(context.Background(), upTo(200), 4, state, square) {
		got = append(got, r)
	}
	want := make([]int, 200)
	for i := range want {
		want[i] = i * i
	}
	if !slices.Equal(got, want) || states.Load() != 4 {
		t.Errorf("results out of order or %d states", states.Load())
	}
	// Stopping early and cancelling both end the workers.
	for r := range ordered(context.Background(), upTo(1000), 3, state, square) {
		if r > 100 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	for range ordered(ctx, upTo(1_000_000), 3, state, square) {
		if n++; n == 10 {
			cancel()
		}
	}
	if n > 10+2*3+3 {
		t.Errorf("%d results after cancel", n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines left (was %d)", g, before)
	}
}

// TestInstancesStopEarly: a consumer that stops, or a cancelled context,
// ends generation cleanly with the error reported.
func TestInstancesStopEarly(t *testing.T) {
	n := 0
	for _, err := range NewRuler().Instances(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var last error
	for _, err := range NewRuler().Instances(ctx, nil) {
		last = err
	}
	if last == nil {
		t.Error("cancelled context: want an error")
	}
}
