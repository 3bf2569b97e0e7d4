package middleware

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/engrambench/engrambench/runners"
)

// AdaptiveRunner admits at most its current limit of requests at once and
// moves the limit the way TCP moves its window (AIMD).
type AdaptiveRunner struct {
	inner runners.Runner
	max   int
	now   func() time.Time // a seam for tests

	mu       sync.Mutex
	limit    float64 // in [1, max]; floor(limit) requests may be in flight
	inFlight int
	epoch    uint64    // bumped at every decrease
	paused   time.Time // no admissions before this (Retry-After)
	changed  chan struct{}
}

var (
	_ runners.Runner  = (*AdaptiveRunner)(nil)
	_ runners.Wrapper = (*AdaptiveRunner)(nil)
)

// Adaptive gates r below the executor's fixed worker count, so a provider
// that starts answering 429 gets less traffic instead of a storm of
// retries. The limit starts at ceiling (at least 1). A rate_limit error
// halves it, not below 1, and pauses new admissions until its Retry-After
// has passed; each success raises it by 1/limit, up to ceiling, so it
// climbs back by about one per limit's worth of successes. A successful
// response's Timing.Intended is set to when it began waiting, if earlier,
// so time spent queued here shows as schedule lag.
//
// Only a 429 from a request admitted since the last decrease lowers the
// limit again: the others were sent under the old limit, and halving once
// per one of them would collapse the limit to 1 after a single burst.
// Other errors leave the limit alone, as do errors that say they are
// permanent (IsPermanent).
func Adaptive(r runners.Runner, ceiling int) runners.Runner {
	ceiling = max(ceiling, 1)
	return &AdaptiveRunner{inner: r, max: ceiling, now: time.Now, limit: float64(ceiling), changed: make(chan struct{})}
}

// Name is the inner runner's name.
func (a *AdaptiveRunner) Name() string { return a.inner.Name() }

// Unwrap returns the inner runner.
func (a *AdaptiveRunner) Unwrap() runners.Runner { return a.inner }

// Limit is how many requests may be in flight now.
func (a *AdaptiveRunner) Limit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return int(a.limit)
}

// Max is the ceiling the limit climbs back to.
func (a *AdaptiveRunner) Max() int { return a.max }

// InFlight is how many requests are in flight now.
func (a *AdaptiveRunner) InFlight() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inFlight
}

// Generate waits for admission, then asks the inner runner.
func (a *AdaptiveRunner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	queued := a.now()
	epoch, err := a.acquire(ctx)
	if err != nil {
		return runners.Response{}, err
	}
	resp, err := a.inner.Generate(ctx, req)
	a.release(epoch, err)
	if err == nil {
		resp.Timing.Intended = earliest(resp.Timing.Intended, queued)
	}
	return resp, err
}

// acquire blocks until a slot is free and no pause is on, or ctx ends.
func (a *AdaptiveRunner) acquire(ctx context.Context) (uint64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		a.mu.Lock()
		wait := a.paused.Sub(a.now())
		if wait <= 0 && a.inFlight < int(a.limit) {
			a.inFlight++
			e := a.epoch
			a.mu.Unlock()
			return e, nil
		}
		changed := a.changed
		a.mu.Unlock()

		var t *time.Timer
		var timer <-chan time.Time
		if wait > 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// release frees a slot and moves the limit by the outcome.
func (a *AdaptiveRunner) release(epoch uint64, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inFlight--
	switch {
	case err == nil:
		a.limit = math.Min(float64(a.max), a.limit+1/a.limit)
	case runners.Classify(err) == runners.ClassRateLimit && !IsPermanent(err):
		if epoch == a.epoch {
			a.limit = math.Max(1, a.limit/2)
			a.epoch++
		}
		if ra := runners.RetryAfter(err); ra > 0 {
			if until := a.now().Add(ra); until.After(a.paused) {
				a.paused = until
			}
		}
	}
	// Wake every waiter to look again; there are at most a worker pool's worth.
	close(a.changed)
	a.changed = make(chan struct{})
}
