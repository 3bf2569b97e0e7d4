// Package middleware wraps a runners.Runner with the behaviour a long run
// against a paid API needs and no single runner should implement on its
// own: a response cache, bounded retries, adaptive concurrency and rate
// limits. Each wrapper keeps the inner runner's Name and implements
// runners.Wrapper, so optional powers (Identifier, TokenCounter, Closer...)
// stay reachable through runners.Find.
//
// The order matters. From the outside in,
//
//	Cache(Retry(Adaptive(RateLimit(r, rpm, tpm, count), n), policy), dir)
//
// because:
//
//   - Cache is outermost: a hit costs no request, no retry budget, no rate.
//   - Retry is outside the gates: every attempt is admitted and paced anew,
//     and Adaptive sees every 429, not only the last one of a sequence.
//   - RateLimit is innermost: a request is paced at the moment it goes out.
//
// Every wrapper returns ctx.Err() promptly when ctx is cancelled while it
// waits (backoff, admission, pacing); none sleeps on.
//
// An error can declare that it must not be retried or taken as a sign of
// congestion, whatever its class, by having a method Permanent() bool that
// returns true (see IsPermanent). Errors replayed from an earlier run do:
// retrying them would only wait for the same recorded answer again.
package middleware

import (
	"context"
	"errors"
	"time"
)

// IsPermanent reports whether err, or an error it wraps, says of itself
// that another attempt cannot change it.
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// earliest returns the earlier of two times, ignoring zero ones. Gates use
// it to record on a response when the request first waited on our side
// (runners.Timing.Intended), so queueing shows as schedule lag.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.Before(a):
		return b
	}
	return a
}
