package middleware

import (
	"context"
	"sync"
	"time"

	"github.com/engrambench/engrambench/runners"
)

// RateLimitRunner paces requests to stay under requests-per-minute and
// tokens-per-minute limits.
type RateLimitRunner struct {
	inner runners.Runner
	count func(runners.Request) int
	// Seams for tests.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	requests *pace // nil: no request limit
	tokens   *pace // nil: no token limit
}

var (
	_ runners.Runner  = (*RateLimitRunner)(nil)
	_ runners.Wrapper = (*RateLimitRunner)(nil)
)

// RateLimit limits r to rpm requests and tpm tokens (prompt and output) a
// minute; 0 means no limit of that kind. It allows no bursts: requests are
// spread evenly, because providers often enforce a per-minute limit in
// slices of a second, and a run that starts with a minute's worth at once
// earns a wall of 429s.
//
// The exact rule. Each limit is a schedule: a request goes out at the
// earliest time both schedules are free, then occupies the request schedule
// for 60/rpm seconds and the token schedule for n·60/tpm seconds, where n
// is its reservation: count(req) prompt tokens plus req.MaxTokens (the most
// it may use). When the response comes back with usage (prompt plus
// completion tokens, above zero), the token schedule is moved by the
// difference between that and n: earlier when it used less, later when it
// used more, so the long-run rate is the actual usage's. A response without
// usage, or a failed request (the server may have counted it), keeps its
// reservation. A response marked Cached returns both reservations, and a
// request abandoned while waiting (ctx cancelled) returns them too. A
// successful response's Timing.Intended is set to when it began waiting,
// if earlier, so pacing shows as schedule lag.
//
// count may be nil: then the prompt is estimated at one token per four
// bytes, the usual rule of thumb; the correction above repairs the error
// once the response says what it used.
//
// x/time/rate is not used: its limiter cannot reserve more than its burst
// nor take on debt after the fact, and both are needed here.
func RateLimit(r runners.Runner, rpm, tpm float64, count func(runners.Request) int) runners.Runner {
	if count == nil {
		count = estimateTokens
	}
	l := &RateLimitRunner{inner: r, count: count, now: time.Now, sleep: sleepCtx}
	if rpm > 0 {
		l.requests = &pace{perSecond: rpm / 60}
	}
	if tpm > 0 {
		l.tokens = &pace{perSecond: tpm / 60}
	}
	return l
}

func estimateTokens(req runners.Request) int { return (len(req.Text()) + 3) / 4 }

// Name is the inner runner's name.
func (l *RateLimitRunner) Name() string { return l.inner.Name() }

// Unwrap returns the inner runner.
func (l *RateLimitRunner) Unwrap() runners.Runner { return l.inner }

// Generate waits for the request's turn, sends it, and corrects the token
// reservation to what the response says it used.
func (l *RateLimitRunner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	if l.requests == nil && l.tokens == nil {
		return l.inner.Generate(ctx, req)
	}
	if err := ctx.Err(); err != nil {
		return runners.Response{}, err
	}
	reserved := 0
	if l.tokens != nil {
		reserved = max(l.count(req), 0) + max(req.MaxTokens, 0)
	}
	queued := l.now()
	l.mu.Lock()
	start := queued
	for _, p := range []*pace{l.requests, l.tokens} {
		if p != nil && p.free.After(start) {
			start = p.free
		}
	}
	l.requests.take(start, 1)
	l.tokens.take(start, float64(reserved))
	l.mu.Unlock()

	if err := l.sleep(ctx, start.Sub(queued)); err != nil {
		l.adjust(-1, -reserved)
		return runners.Response{}, err
	}
	resp, err := l.inner.Generate(ctx, req)
	switch {
	case err != nil:
		// Keep both reservations: the server may have counted the request.
	case resp.Cached:
		l.adjust(-1, -reserved)
	default:
		if used := resp.Usage.PromptTokens + resp.Usage.CompletionTokens; used > 0 {
			l.adjust(0, used-reserved)
		}
	}
	if err == nil {
		resp.Timing.Intended = earliest(resp.Timing.Intended, queued)
	}
	return resp, err
}

// adjust moves both schedules by a number of requests and tokens.
func (l *RateLimitRunner) adjust(requests, tokens int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.requests.shift(now, float64(requests))
	l.tokens.shift(now, float64(tokens))
}

// pace is one limit's schedule: the time from which it is free again. It
// is a token bucket of capacity zero that may run into debt (GCRA).
type pace struct {
	perSecond float64
	free      time.Time
}

// take books n units starting at start, which is not before free.
func (p *pace) take(start time.Time, n float64) {
	if p == nil {
		return
	}
	p.free = start.Add(p.duration(n))
}

// shift books n more units (fewer when negative). Unused time in the past
// is not credit: a bucket of capacity zero holds none.
func (p *pace) shift(now time.Time, n float64) {
	if p == nil || n == 0 {
		return
	}
	if p.free.Before(now) {
		p.free = now
	}
	p.free = p.free.Add(p.duration(n))
}

func (p *pace) duration(n float64) time.Duration {
	return time.Duration(n / p.perSecond * float64(time.Second))
}
