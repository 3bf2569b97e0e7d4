package middleware

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/engrambench/engrambench/runners"
)

// fake is a runner that fails on a schedule: call i (from 0) returns
// errs[i] when that is set, and an answer naming the request otherwise.
type fake struct {
	errs  []error
	delay time.Duration // how long each call takes, in real time
	now   func() time.Time
	usage *runners.Usage // reported on success; nil means derived from the request

	calls       atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	onEnter     func(inFlight int64) // called with the in-flight count on entry

	mu    sync.Mutex
	sends []time.Time // when each call started, by now
}

func (f *fake) Name() string { return "fake" }

func (f *fake) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	i := f.calls.Add(1) - 1
	in := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if in <= m || f.maxInFlight.CompareAndSwap(m, in) {
			break
		}
	}
	if f.onEnter != nil {
		f.onEnter(in)
	}
	if f.now != nil {
		f.mu.Lock()
		f.sends = append(f.sends, f.now())
		f.mu.Unlock()
	}
	if f.delay > 0 {
		if err := sleepCtx(ctx, f.delay); err != nil {
			return runners.Response{}, err
		}
	}
	if int(i) < len(f.errs) && f.errs[i] != nil {
		return runners.Response{}, f.errs[i]
	}
	u := runners.Usage{PromptTokens: len(req.Text()), CompletionTokens: 3}
	if f.usage != nil {
		u = *f.usage
	}
	return runners.Response{
		Text:         fmt.Sprintf("answer %d to %q seed %d", i, req.Text(), req.Seed),
		FinishReason: "stop",
		Model:        "fake-model",
		Usage:        u,
		Timing:       runners.Timing{Send: time.Unix(1000, 0), End: time.Unix(1001, 0)},
	}, nil
}

func (f *fake) sendTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.sends...)
}

// idFake is a fake that can say which model it is.
type idFake struct {
	*fake
	id string
}

func (f idFake) Identity() string { return f.id }

var (
	_ runners.Runner     = (*fake)(nil)
	_ runners.Identifier = idFake{}
)

// fakeClock is a clock whose sleeps advance it at once.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newClock() *fakeClock { return &fakeClock{t: time.Unix(1_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	if d > 0 {
		c.t = c.t.Add(d)
	}
	return nil
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

func reqErr(class runners.ErrorClass, status int, retryAfter time.Duration) error {
	return &runners.RequestError{Class: class, Status: status, RetryAfter: retryAfter, Err: fmt.Errorf("%s from fake", class)}
}
