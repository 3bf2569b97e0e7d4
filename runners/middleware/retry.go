package middleware

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/engrambench/engrambench/runners"
)

// Defaults for the backoff of a RetryPolicy that leaves them zero.
const (
	DefaultRetryBase = time.Second
	DefaultRetryCap  = 30 * time.Second
)

// RetryPolicy bounds retries. A nightly run against a paid API must end:
// Max bounds the count and MaxTime the time, whichever comes first.
type RetryPolicy struct {
	Max     int           // retries after the first attempt; 0 means none
	MaxTime time.Duration // from the first send to the last retry's send; 0 means no bound but Max
	Base    time.Duration // first backoff ceiling; 0 means DefaultRetryBase
	Cap     time.Duration // largest backoff ceiling; 0 means DefaultRetryCap

	// Seams for tests; nil means the real clock and a shared random source.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error // returns ctx.Err() if ctx ends first
	Rand  func() float64                                   // uniform in [0, 1)
}

// RetryRunner retries a runner's retryable failures under a RetryPolicy.
type RetryRunner struct {
	inner runners.Runner
	p     RetryPolicy
}

var (
	_ runners.Runner  = (*RetryRunner)(nil)
	_ runners.Wrapper = (*RetryRunner)(nil)
)

// Retry retries errors whose class is retryable (rate_limit, server,
// timeout, connection) with exponential backoff and full jitter: before
// retry k it waits a uniform draw from [0, min(Cap, Base·2^(k-1))). When
// the server sent Retry-After it waits at least that long. A retry that
// could not be sent within MaxTime (or before ctx's deadline) is not
// attempted: the last error is returned at once, so the sample records
// what the server said rather than a timeout of our own making.
//
// Errors of other classes, and errors that say they are permanent
// (IsPermanent), are returned at once. The response's Attempts, or the
// final error's *runners.RequestError Attempts, counts every request sent;
// the final error keeps its class, status and Retry-After. If ctx ends,
// ctx.Err() is returned.
func Retry(r runners.Runner, p RetryPolicy) runners.Runner {
	if p.Base <= 0 {
		p.Base = DefaultRetryBase
	}
	if p.Cap <= 0 {
		p.Cap = DefaultRetryCap
	}
	if p.Cap < p.Base {
		p.Cap = p.Base
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = sleepCtx
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return &RetryRunner{inner: r, p: p}
}

// Name is the inner runner's name.
func (r *RetryRunner) Name() string { return r.inner.Name() }

// Unwrap returns the inner runner.
func (r *RetryRunner) Unwrap() runners.Runner { return r.inner }

// Generate sends req until it succeeds, fails for good, or the policy's
// budget is spent.
func (r *RetryRunner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	start := r.p.Now()
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return runners.Response{}, err
		}
		resp, err := r.inner.Generate(ctx, req)
		if err == nil {
			resp.Attempts = attempt
			return resp, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return runners.Response{}, cerr
		}
		if !runners.Classify(err).Retryable() || IsPermanent(err) || attempt > r.p.Max {
			return runners.Response{}, withAttempts(err, attempt)
		}
		wait := r.backoff(attempt)
		if ra := runners.RetryAfter(err); ra > wait {
			wait = ra
		}
		if r.p.MaxTime > 0 && r.p.Now().Add(wait).Sub(start) > r.p.MaxTime {
			return runners.Response{}, withAttempts(err, attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return runners.Response{}, withAttempts(err, attempt)
		}
		if serr := r.p.Sleep(ctx, wait); serr != nil {
			return runners.Response{}, serr
		}
	}
}

// backoff is the full-jitter wait before retry number attempt.
func (r *RetryRunner) backoff(attempt int) time.Duration {
	ceil := r.p.Cap
	// Base·2^(attempt-1), stopping before it overflows or passes Cap.
	if shift := attempt - 1; shift < 62 {
		if d := r.p.Base << shift; d > 0 && d>>shift == r.p.Base && d < ceil {
			ceil = d
		}
	}
	return time.Duration(r.p.Rand() * float64(ceil))
}

// withAttempts returns err as a *runners.RequestError carrying the number
// of requests sent. A RequestError returned as is gets a copy with the
// count; anything else is wrapped, with its class, status and Retry-After.
func withAttempts(err error, attempts int) error {
	if re, ok := err.(*runners.RequestError); ok {
		c := *re
		c.Attempts = attempts
		return &c
	}
	out := &runners.RequestError{Class: runners.Classify(err), Attempts: attempts, Err: err}
	var re *runners.RequestError
	if errors.As(err, &re) {
		out.Status = re.Status
		out.RetryAfter = re.RetryAfter
	}
	return out
}
