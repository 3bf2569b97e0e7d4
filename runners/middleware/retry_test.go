package middleware

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/engrambench/engrambench/runners"
)

var (
	_ runners.Runner  = (*RetryRunner)(nil)
	_ runners.Wrapper = (*RetryRunner)(nil)
)

func TestRetry(t *testing.T) {
	rateLimited := reqErr(runners.ClassRateLimit, 429, 0)
	server := reqErr(runners.ClassServer, 503, 0)
	timeout := reqErr(runners.ClassTimeout, 0, 0)
	conn := reqErr(runners.ClassConnection, 0, 0)
	client := reqErr(runners.ClassClient, 400, 0)
	protocol := reqErr(runners.ClassProtocol, 200, 0)

	tests := []struct {
		name      string
		errs      []error
		policy    RetryPolicy
		rand      float64
		wantErr   runners.ErrorClass // "" for success
		wantCalls int
		wantSlept []time.Duration
	}{
		{
			name:      "retryable classes then success",
			errs:      []error{rateLimited, server, timeout, conn},
			policy:    RetryPolicy{Max: 4, MaxTime: time.Hour, Base: time.Second, Cap: 3 * time.Second},
			rand:      0.5,
			wantCalls: 5,
			wantSlept: []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 1500 * time.Millisecond},
		},
		{
			name:      "a bare deadline error is a timeout and is retried",
			errs:      []error{fmt.Errorf("read: %w", context.DeadlineExceeded)},
			policy:    RetryPolicy{Max: 1, Base: time.Second},
			wantCalls: 2,
			wantSlept: []time.Duration{0},
		},
		{
			name:      "stops at Max",
			errs:      []error{server, server, server, server},
			policy:    RetryPolicy{Max: 2, Base: time.Second},
			wantErr:   runners.ClassServer,
			wantCalls: 3,
			wantSlept: []time.Duration{0, 0},
		},
		{
			name:      "no retries at Max 0",
			errs:      []error{server},
			policy:    RetryPolicy{},
			wantErr:   runners.ClassServer,
			wantCalls: 1,
		},
		{
			// Waits of 1 s each: sends at 0, 1, 2; a fourth at 3 s is past 2.5 s.
			name:      "stops at MaxTime",
			errs:      []error{timeout, timeout, timeout, timeout, timeout},
			policy:    RetryPolicy{Max: 10, MaxTime: 2500 * time.Millisecond, Base: time.Second, Cap: time.Second},
			rand:      0.999999999,
			wantErr:   runners.ClassTimeout,
			wantCalls: 3,
			wantSlept: []time.Duration{999999999, 999999999},
		},
		{
			name:      "client errors are not retried",
			errs:      []error{client},
			policy:    RetryPolicy{Max: 4},
			wantErr:   runners.ClassClient,
			wantCalls: 1,
		},
		{
			name:      "protocol errors are not retried",
			errs:      []error{protocol},
			policy:    RetryPolicy{Max: 4},
			wantErr:   runners.ClassProtocol,
			wantCalls: 1,
		},
		{
			name:      "other errors are not retried",
			errs:      []error{errors.New("something odd")},
			policy:    RetryPolicy{Max: 4},
			wantErr:   runners.ClassOther,
			wantCalls: 1,
		},
		{
			name:      "permanent errors are not retried",
			errs:      []error{&runners.RequestError{Class: runners.ClassRateLimit, Err: permanent{}}},
			policy:    RetryPolicy{Max: 4},
			wantErr:   runners.ClassRateLimit,
			wantCalls: 1,
		},
		{
			name:      "Retry-After is honoured",
			errs:      []error{reqErr(runners.ClassRateLimit, 429, 7*time.Second)},
			policy:    RetryPolicy{Max: 3, MaxTime: time.Minute, Base: time.Second},
			rand:      0.5,
			wantCalls: 2,
			wantSlept: []time.Duration{7 * time.Second},
		},
		{
			name:      "backoff longer than Retry-After wins",
			errs:      []error{reqErr(runners.ClassRateLimit, 429, time.Second)},
			policy:    RetryPolicy{Max: 3, Base: 4 * time.Second},
			rand:      0.5,
			wantCalls: 2,
			wantSlept: []time.Duration{2 * time.Second},
		},
		{
			name:      "Retry-After past the budget stops at once",
			errs:      []error{reqErr(runners.ClassRateLimit, 429, 10*time.Second)},
			policy:    RetryPolicy{Max: 3, MaxTime: 5 * time.Second},
			wantErr:   runners.ClassRateLimit,
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			f := &fake{errs: tt.errs}
			p := tt.policy
			p.Now, p.Sleep = clock.Now, clock.Sleep
			p.Rand = func() float64 { return tt.rand }
			r := Retry(f, p)
			resp, err := r.Generate(context.Background(), runners.Request{Prompt: "q"})
			if got := int(f.calls.Load()); got != tt.wantCalls {
				t.Errorf("inner calls %d, want %d", got, tt.wantCalls)
			}
			if slept := clock.Slept(); fmt.Sprint(slept) != fmt.Sprint(tt.wantSlept) {
				t.Errorf("slept %v, want %v", slept, tt.wantSlept)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if resp.Attempts != tt.wantCalls {
					t.Errorf("Attempts %d, want %d", resp.Attempts, tt.wantCalls)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if got := runners.Classify(err); got != tt.wantErr {
				t.Errorf("class %s, want %s", got, tt.wantErr)
			}
			var re *runners.RequestError
			if !errors.As(err, &re) || re.Attempts != tt.wantCalls {
				t.Errorf("RequestError %+v, want Attempts %d", re, tt.wantCalls)
			}
			last := tt.errs[tt.wantCalls-1]
			if !errors.Is(err, last) && !errors.Is(err, errors.Unwrap(last)) {
				t.Errorf("final error %v does not wrap the last one %v", err, last)
			}
		})
	}
}

type permanent struct{}

func (permanent) Error() string   { return "replayed" }
func (permanent) Permanent() bool { return true }

func TestRetryKeepsStatusAndRetryAfter(t *testing.T) {
	inner := reqErr(runners.ClassRateLimit, 429, time.Hour)
	wrapped := fmt.Errorf("stream: %w", inner)
	for _, e := range []error{inner, wrapped} {
		clock := newClock()
		r := Retry(&fake{errs: []error{e}}, RetryPolicy{Max: 2, MaxTime: time.Minute, Now: clock.Now, Sleep: clock.Sleep})
		_, err := r.Generate(context.Background(), runners.Request{})
		var re *runners.RequestError
		if !errors.As(err, &re) || re.Status != 429 || re.RetryAfter != time.Hour || re.Attempts != 1 {
			t.Errorf("%v: got %+v", e, re)
		}
		if inner.(*runners.RequestError).Attempts != 0 {
			t.Error("the inner runner's error was modified")
		}
	}
}

func TestRetryCancelDuringBackoff(t *testing.T) {
	f := &fake{errs: []error{reqErr(runners.ClassServer, 500, 0), reqErr(runners.ClassServer, 500, 0)}}
	r := Retry(f, RetryPolicy{Max: 5, Base: 10 * time.Second, Rand: func() float64 { return 0.9 }})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := r.Generate(ctx, runners.Request{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v to notice the cancel", d)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d calls", f.calls.Load())
	}
}

func TestRetryStopsBeforeTheDeadline(t *testing.T) {
	f := &fake{errs: []error{reqErr(runners.ClassServer, 502, 0), nil}}
	r := Retry(f, RetryPolicy{Max: 5, Base: 10 * time.Second, Rand: func() float64 { return 0.9 }})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := r.Generate(ctx, runners.Request{})
	if runners.Classify(err) != runners.ClassServer {
		t.Fatalf("error %v, want the server's", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("waited %v for a retry that could not happen in time", d)
	}
}

func TestRetryCancelledBeforeStart(t *testing.T) {
	f := &fake{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Retry(f, RetryPolicy{Max: 3}).Generate(ctx, runners.Request{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if f.calls.Load() != 0 {
		t.Fatal("sent a request on a cancelled context")
	}
}

func TestRetryBackoffCeiling(t *testing.T) {
	r := Retry(&fake{}, RetryPolicy{Base: time.Second, Cap: 10 * time.Second, Rand: func() float64 { return 1 }}).(*RetryRunner)
	want := []time.Duration{1, 2, 4, 8, 10, 10}
	for i, w := range want {
		if got := r.backoff(i + 1); got != w*time.Second {
			t.Errorf("retry %d: ceiling %v, want %v", i+1, got, w*time.Second)
		}
	}
	if got := r.backoff(200); got != 10*time.Second {
		t.Errorf("retry 200: %v", got)
	}
}

func TestWrappersKeepNameAndPowers(t *testing.T) {
	dir := t.TempDir()
	base := idFake{fake: &fake{}, id: "m@1"}
	c, err := Cache(Retry(Adaptive(RateLimit(base, 0, 0, nil), 4), RetryPolicy{}), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "fake" {
		t.Fatalf("name %q", c.Name())
	}
	if id, ok := runners.Find[runners.Identifier](c); !ok || id.Identity() != "m@1" {
		t.Fatal("identity not reachable through the wrappers")
	}
	for _, ok := range []bool{
		find[*CacheRunner](c), find[*RetryRunner](c), find[*AdaptiveRunner](c), find[*RateLimitRunner](c),
	} {
		if !ok {
			t.Fatal("a wrapper is not reachable through Unwrap")
		}
	}
}

func find[T any](r runners.Runner) bool { _, ok := runners.Find[T](r); return ok }
