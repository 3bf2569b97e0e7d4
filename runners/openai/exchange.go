package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/runners/netstamp"
)

// epoch anchors mono, so timers and readers can share instants as integers.
var epoch = time.Now()

// mono is t in nanoseconds on the monotonic clock since epoch.
func mono(t time.Time) int64 { return int64(t.Sub(epoch)) }

// The causes an exchange's context ends with when a limit is hit.
var (
	errIdle    = errors.New("idle timeout")
	errTimeout = errors.New("request timeout")
)

// maxBody bounds a response body read whole (an echoed long prompt with
// its log-probabilities is the largest expected).
const maxBody = 256 << 20

// exchange is one HTTP request with the runner's limits: the whole request
// within timeout, and never idle_timeout without a byte from the server.
// One timer serves both; it re-arms itself instead of being reset on every
// read, so a read costs an atomic store.
type exchange struct {
	caller   context.Context // ended by the caller: its error is returned as is
	ctx      context.Context
	cancel   context.CancelCauseFunc
	timer    atomic.Pointer[time.Timer]
	deadline int64 // mono
	timeout  time.Duration
	idle     time.Duration
	last     atomic.Int64 // mono of the latest bytes from the server
	sent     atomic.Pointer[time.Time]
	before   time.Time      // just before the request went to the transport
	conn     *netstamp.Conn // the connection it went on, when it stamps arrivals
}

func (r *Runner) begin(ctx context.Context) *exchange {
	now := time.Now()
	x := &exchange{caller: ctx, timeout: r.timeout, idle: r.idle, deadline: mono(now) + int64(r.timeout)}
	x.ctx, x.cancel = context.WithCancelCause(ctx)
	x.last.Store(mono(now))
	t := time.AfterFunc(math.MaxInt64, x.fire)
	x.timer.Store(t)
	t.Reset(min(r.timeout, r.idle))
	return x
}

// fire ends the exchange if a limit has passed, or re-arms for the next.
func (x *exchange) fire() {
	if x.ctx.Err() != nil {
		return
	}
	now := mono(time.Now())
	if now >= x.deadline {
		x.cancel(errTimeout)
		return
	}
	idleAt := x.last.Load() + int64(x.idle)
	if now >= idleAt {
		x.cancel(errIdle)
		return
	}
	x.timer.Load().Reset(time.Duration(min(idleAt, x.deadline) - now))
}

// end releases the exchange's timer and context.
func (x *exchange) end() {
	x.cancel(nil)
	x.timer.Load().Stop()
}

// do sends one request. body nil means no body.
func (x *exchange) do(r *Runner, method, url string, body []byte, stream bool) (*http.Response, error) {
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { x.conn = netstamp.Of(info.Conn) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				t := time.Now()
				x.sent.Store(&t)
			}
		},
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(x.ctx, trace), method, url, rd)
	if err != nil {
		return nil, err
	}
	h := req.Header
	if body != nil {
		h["Content-Type"] = []string{"application/json"}
	}
	if stream {
		h["Accept"] = []string{"text/event-stream"}
	} else {
		h["Accept"] = []string{"application/json"}
	}
	h["User-Agent"] = []string{"engrambench"}
	if r.auth != "" {
		h["Authorization"] = []string{r.auth}
	}
	// No Idempotency-Key: with one, the transport would silently send the
	// request again after a read error on a reused connection, hiding a
	// failed attempt (and its cost) from the retry count and the timing.
	x.before = time.Now()
	return r.client.Do(req)
}

// sendTime is when the request was written (see the package comment).
func (x *exchange) sendTime() time.Time {
	if t := x.sent.Load(); t != nil {
		return *t
	}
	return x.before
}

// progress wraps a body so every read counts as progress for the idle
// limit.
type progress struct {
	r    io.Reader
	last *atomic.Int64
}

func (p progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.last.Store(mono(time.Now()))
	}
	return n, err
}

// readAll reads a whole body, bounded by maxBody.
func (x *exchange) readAll(body io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(progress{body, &x.last}, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, protocolError("response", fmt.Errorf("body over %d bytes", maxBody))
	}
	return b, nil
}

// fail turns the error of a request, or of reading its response, into
// what Generate returns: the caller's own context error as is, a limit of
// ours as a timeout, anything else classified.
func (x *exchange) fail(err error) error {
	if err := x.caller.Err(); err != nil {
		return err
	}
	switch cause := context.Cause(x.ctx); {
	case errors.Is(cause, errIdle):
		return &runners.RequestError{Class: runners.ClassTimeout, Err: fmt.Errorf("no byte from the server for %v", x.idle)}
	case errors.Is(cause, errTimeout):
		return &runners.RequestError{Class: runners.ClassTimeout, Err: fmt.Errorf("request took longer than %v", x.timeout)}
	}
	var re *runners.RequestError
	if errors.As(err, &re) {
		return err
	}
	return netError(err)
}
