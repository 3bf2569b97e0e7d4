// Package anthropic runs models through Anthropic's Messages API
// (POST /v1/messages), streamed by default so that every token's arrival
// can be timed.
//
// # Why by hand, not with anthropic-sdk-go
//
// The official SDK (github.com/anthropics/anthropic-sdk-go/v2) was weighed
// and not used. It retries twice by default inside one call, so attempts
// (and the time they cost) would vanish from the sample unless every caller
// remembered to turn that off; retries belong to the executor's middleware,
// which counts them. It has a whole-request timeout but no idle timeout, and
// it reports a failure mid-stream as a generic error to be picked apart,
// where this runner needs each failure in exactly one class. It would also
// pull a large module graph (cloud SDKs, OpenTelemetry) into a benchmark
// that otherwise has a handful. The protocol is small: one JSON body, and
// server-sent events parsed here in about a hundred lines, each event timed
// by the arrival of the read that brought its closing blank line: on Linux
// the kernel's receive stamp (runners/netstamp), elsewhere when that read
// returned.
//
// # Request
//
// System messages are hoisted into the top-level system field, joined by
// blank lines (the API has no system role); user and assistant messages
// keep their order; a raw Prompt is one user message. max_tokens is
// Request.MaxTokens, or DefaultMaxTokens when that is 0. With
// thinking_budget > 0 the request enables extended thinking and max_tokens
// becomes the answer budget plus the thinking budget (the API counts
// thinking inside max_tokens and requires it to exceed the budget), and
// temperature is left out (the API rejects it with thinking on). The seed
// is not sent: the API has none.
//
// # Timing (FACTS.md §6)
//
// Intended is when Generate was called. Send is taken just before the
// request is handed to the HTTP client, so connection set-up, when a pooled
// connection is not free, counts as latency, as a user would see it.
// FirstToken is the arrival of the first non-empty text or thinking delta:
// thinking is output the model generates, so a thinking model's TTFT is
// not inflated by its own reasoning. Chunks are the arrival offsets of
// every non-empty text or thinking delta (pings, signatures and empty
// blocks are not content). End is the last such delta, or message_stop
// when there was none. A non-streamed request knows no token times: its
// FirstToken is left zero (unknown, not guessed) and End is when the whole
// body had arrived.
//
// # Usage
//
// The API's input_tokens leaves out tokens read from or written to the
// prompt cache, so PromptTokens is input_tokens + cache_read_input_tokens +
// cache_creation_input_tokens: every prompt token, as other runners count
// them; CachedTokens is cache_read_input_tokens (cache writes, billed
// higher, have no field here). CompletionTokens is output_tokens, which
// includes thinking. The API does not split thinking out, so
// ReasoningTokens is always the client tokenizer's count of the thinking
// text returned (which some models summarize, so it may undercount what
// was billed), capped at CompletionTokens. Usage.Estimated speaks only of
// PromptTokens and CompletionTokens: it is set when the server sent no
// count and the client's stood in. ClientPromptTokens (system and message
// contents, no template overhead) and ClientCompletionTokens (text plus
// thinking) always come from the client tokenizer, for mismatch reports.
//
// # Errors
//
// Every failure is a *runners.RequestError in one class: 429 is
// rate_limit, with RetryAfter from the retry-after header; 5xx (529
// overloaded included) is server; 408 is timeout; any other 4xx is client,
// with an excerpt of the server's message; a redirect or other status is
// protocol (redirects are not followed, so the key never travels to another
// host). Mid-stream, an error event is classed by its type
// (overloaded_error and api_error: server), a stream that ends without
// message_stop is connection, an event that is not JSON is protocol, and a
// request that outlives timeout, or hears nothing for idle_timeout, is
// timeout. The idle clock runs from Send when streaming, and from the
// response headers otherwise (a non-streamed answer is silent while it is
// generated). When the caller's context ends, Generate returns ctx.Err()
// itself. The API key is sent only in the x-api-key header and is cut out
// of any server text quoted in an error.
package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/runners/netstamp"
	"github.com/engrambench/engrambench/tokenize"
)

// Defaults of the runner's parameters.
const (
	DefaultURL         = "https://api.anthropic.com"
	DefaultKeyEnv      = "ANTHROPIC_API_KEY"
	DefaultVersion     = "2023-06-01"
	DefaultTimeout     = 600 * time.Second
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxTokens is the answer budget of a request that sets none;
	// the API requires one.
	DefaultMaxTokens = 1024
	// MinThinkingBudget is the smallest thinking budget the API accepts.
	MinThinkingBudget = 1024
)

// Kind registers the runner.
var Kind = runners.Kind{
	Name:        "anthropic",
	Help:        "Anthropic Messages API (Claude), streamed with per-token timing",
	Params:      specs,
	Concurrency: 8,
	New:         New,
}

var specs = []params.Spec{
	{Name: "url", Kind: params.String, Default: DefaultURL, Help: "base URL of the API, without /v1"},
	{Name: "api_key_env", Kind: params.String, Default: DefaultKeyEnv, Help: "environment variable that holds the API key"},
	{Name: "api_key_file", Kind: params.String, Help: "file that holds the API key; when set it wins over api_key_env"},
	{Name: "stream", Kind: params.Bool, Default: true, Help: "stream the answer, timing every token; false waits for the whole message"},
	{Name: "timeout", Kind: params.Float, Default: DefaultTimeout.Seconds(), Min: params.AtLeast(0), Help: "seconds a request may take in all (0: no limit)"},
	{Name: "idle_timeout", Kind: params.Float, Default: DefaultIdleTimeout.Seconds(), Min: params.AtLeast(0), Help: "seconds without a byte from the server before a request is given up (0: no limit)"},
	{Name: "thinking_budget", Kind: params.Int, Default: 0, Min: params.AtLeast(0), Help: "extended-thinking budget in tokens, at least 1024, added to max_tokens (0: thinking off)"},
	{Name: "tokenizer", Kind: params.String, Default: tokenize.Default, Choices: tokenize.Names(), Help: "offline tokenizer for the client-side token counts"},
	{Name: "version", Kind: params.String, Default: DefaultVersion, Help: "anthropic-version header"},
}

// Runner drives one model through the Messages API. It is safe for
// concurrent use.
type Runner struct {
	name     string
	base     string // normalized base URL, as in Identity
	endpoint string
	model    string
	key      string
	version  string
	stream   bool
	timeout  time.Duration
	idle     time.Duration
	thinking int
	tok      tokenize.Tokenizer
	client   *http.Client
}

var (
	_ runners.Runner     = (*Runner)(nil)
	_ runners.Modeler    = (*Runner)(nil)
	_ runners.Identifier = (*Runner)(nil)
	_ runners.Closer     = (*Runner)(nil)
)

// New builds a runner from resolved parameters; unset ones take their
// defaults. It reads the API key now, so a missing key fails before any
// request, and reports every problem with the parameters at once.
func New(name string, p params.Values) (runners.Runner, error) {
	v := params.Defaults(specs)
	for k, x := range p {
		v[k] = x
	}
	var errs []error
	for _, s := range specs {
		x, ok := v[s.Name]
		if !ok {
			continue
		}
		if !typed(s.Kind, x) {
			errs = append(errs, fmt.Errorf("%s wants a %s, got %v", s.Name, s.Kind, x))
			continue
		}
		if err := s.Check(x); err != nil {
			errs = append(errs, err)
		}
	}
	model := v.String("model")
	if model == "" {
		errs = append(errs, errors.New("model is required"))
	}
	if b := v.Int("thinking_budget"); b > 0 && b < MinThinkingBudget {
		errs = append(errs, fmt.Errorf("thinking_budget must be 0 or at least %d, got %d", MinThinkingBudget, b))
	}
	if v.String("version") == "" {
		errs = append(errs, errors.New("version must not be empty"))
	}
	base, err := normalizeURL(v.String("url"))
	if err != nil {
		errs = append(errs, err)
	}
	key, err := loadKey(v.String("api_key_env"), v.String("api_key_file"))
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("anthropic: %w", err)
	}
	tok, err := tokenize.Get(v.String("tokenizer"))
	if err != nil {
		return nil, fmt.Errorf("anthropic: %w", err)
	}
	if name == "" {
		name = "anthropic"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Arrivals stamped by the kernel, not by this process's scheduler.
	tr.DialContext = netstamp.DialContext(&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
	// Keep a connection per request in flight, so requests do not pay
	// for new handshakes that would show up as latency.
	tr.MaxIdleConnsPerHost = 256
	// Streamed events must not wait in a decompressor's buffer.
	tr.DisableCompression = true
	return &Runner{
		name:     name,
		base:     base,
		endpoint: base + "/v1/messages",
		model:    model,
		key:      key,
		version:  v.String("version"),
		stream:   v.Bool("stream"),
		timeout:  seconds(v.Float("timeout")),
		idle:     seconds(v.Float("idle_timeout")),
		thinking: v.Int("thinking_budget"),
		tok:      tok,
		client: &http.Client{
			Transport: tr,
			// Never follow: x-api-key would go along to wherever it points.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// typed reports whether x has the Go type of a parameter of kind k;
// params.Check lets values of the wrong type through.
func typed(k params.Kind, x any) bool {
	switch k {
	case params.Int:
		_, ok := x.(int)
		return ok
	case params.Float:
		switch x.(type) {
		case float64, int:
			return true
		}
		return false
	case params.String:
		_, ok := x.(string)
		return ok
	case params.Bool:
		_, ok := x.(bool)
		return ok
	}
	return true
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// normalizeURL checks the base URL and trims a trailing slash and /v1, so
// "https://api.anthropic.com/v1/" and "https://api.anthropic.com" name
// the same server in Identity.
func normalizeURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("url %q is not an http(s) URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("url %q may not carry a query, fragment or user", s)
	}
	s = strings.TrimRight(s, "/")
	s = strings.TrimSuffix(s, "/v1")
	return strings.TrimRight(s, "/"), nil
}

// loadKey reads the API key (runners.ReadKey), which the API requires.
func loadKey(env, file string) (string, error) {
	key, err := runners.ReadKey(env, file)
	switch {
	case err != nil:
		return "", err
	case key != "":
		return key, nil
	case env == "":
		return "", errors.New("api_key_env is empty and no api_key_file is set")
	}
	return "", fmt.Errorf("no API key: environment variable %s is empty (or set api_key_file)", env)
}

// Name is the runner's name in the suite.
func (r *Runner) Name() string { return r.name }

// Model is the model named in the parameters.
func (r *Runner) Model() string { return r.model }

// Identity is "anthropic:" + base URL + "|" + model. With thinking on it
// ends in "|thinking=" + budget: a thinking model's answers differ, and
// response caches key on Identity, so the two must not share answers.
func (r *Runner) Identity() string {
	id := "anthropic:" + r.base + "|" + r.model
	if r.thinking > 0 {
		id += "|thinking=" + strconv.Itoa(r.thinking)
	}
	return id
}

// Close drops idle connections.
func (r *Runner) Close() error {
	r.client.CloseIdleConnections()
	return nil
}

// Causes of a request's own cancellation, told apart from the caller's.
var (
	errDeadline = errors.New("request deadline")
	errIdle     = errors.New("idle deadline")
)

// errCut is a stream that ended before message_stop.
var errCut = errors.New("stream ended before message_stop")

const (
	maxBody    = 64 << 20 // a whole message, at most
	maxErrBody = 16 << 10 // what is read of an error response
	drainWait  = time.Second
)

// Generate sends one request and waits for the whole answer.
func (r *Runner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	intended := time.Now()
	if err := ctx.Err(); err != nil {
		return runners.Response{}, err
	}
	body, err := r.build(req)
	if err != nil {
		return runners.Response{}, err
	}
	payload, err := json.Marshal(body)
	if err != nil { // a NaN or infinite temperature
		return runners.Response{}, &runners.RequestError{Class: runners.ClassClient, Err: err}
	}

	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if r.timeout > 0 {
		t := time.AfterFunc(r.timeout, func() { cancel(errDeadline) })
		defer t.Stop()
	}
	dog := &watchdog{d: r.idle, fire: func() { cancel(errIdle) }}
	defer dog.stop()

	var conn *netstamp.Conn // the connection used, when it stamps arrivals
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { conn = netstamp.Of(info.Conn) }}
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(rctx, trace), http.MethodPost, r.endpoint, bytes.NewReader(payload))
	if err != nil {
		return runners.Response{}, &runners.RequestError{Class: runners.ClassClient, Err: err}
	}
	h := hreq.Header
	h.Set("x-api-key", r.key)
	h.Set("anthropic-version", r.version)
	h.Set("content-type", "application/json")
	h.Set("user-agent", "engrambench")
	if r.stream {
		h.Set("accept", "text/event-stream")
		dog.arm(r.idle)
	} else {
		h.Set("accept", "application/json")
	}

	res := &result{}
	send := time.Now()
	res.send = send
	hresp, err := r.client.Do(hreq)
	if err != nil {
		return runners.Response{}, r.failure(ctx, rctx, err)
	}
	defer hresp.Body.Close()
	dog.arm(r.idle)
	rd := &progress{r: hresp.Body, dog: dog, conn: conn}

	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		return runners.Response{}, r.statusError(ctx, hresp, rd)
	}
	var end time.Time
	if r.stream {
		err = r.readStream(res, hresp, rd, dog)
		end = res.last
		if end.IsZero() {
			end = res.stoppedAt
		}
	} else {
		err = r.readWhole(res, rd)
		end = time.Now()
	}
	if err != nil {
		return runners.Response{}, r.failure(ctx, rctx, err)
	}

	model := res.model
	if model == "" {
		model = r.model
	}
	return runners.Response{
		Text:         res.text.String(),
		Reasoning:    res.reasoning.String(),
		FinishReason: finishReason(res.stopReason),
		Model:        model,
		Usage:        r.usage(res, body),
		Timing: runners.Timing{
			Intended:   intended,
			Send:       send,
			FirstToken: res.first,
			End:        end,
			Chunks:     res.chunks,
		},
		Attempts: 1,
	}, nil
}

// build maps a request onto the API's body.
func (r *Runner) build(req runners.Request) (apiRequest, error) {
	b := apiRequest{Model: r.model, MaxTokens: req.MaxTokens, Stream: r.stream}
	if b.MaxTokens <= 0 {
		b.MaxTokens = DefaultMaxTokens
	}
	if !req.IsChat() {
		b.Messages = []apiMessage{{Role: "user", Content: req.Prompt}}
	} else {
		var system []string
		for i, m := range req.Messages {
			switch m.Role {
			case "system":
				system = append(system, m.Content)
			case "user", "assistant":
				b.Messages = append(b.Messages, apiMessage{Role: m.Role, Content: m.Content})
			default:
				return apiRequest{}, &runners.RequestError{Class: runners.ClassClient,
					Err: fmt.Errorf("message %d has role %q; want system, user or assistant", i, m.Role)}
			}
		}
		b.System = strings.Join(system, "\n\n")
		if len(b.Messages) == 0 {
			return apiRequest{}, &runners.RequestError{Class: runners.ClassClient,
				Err: errors.New("no user or assistant message: the API needs at least one")}
		}
	}
	for _, s := range req.Stop {
		if s != "" { // an empty stop sequence is rejected by the API and means nothing
			b.StopSequences = append(b.StopSequences, s)
		}
	}
	if r.thinking > 0 {
		b.Thinking = &apiThinking{Type: "enabled", BudgetTokens: r.thinking}
		b.MaxTokens += r.thinking
	} else {
		t := req.Temperature
		b.Temperature = &t
	}
	return b, nil
}

// readStream reads server-sent events until message_stop.
func (r *Runner) readStream(res *result, hresp *http.Response, rd *progress, dog *watchdog) error {
	if mt, _, _ := mime.ParseMediaType(hresp.Header.Get("Content-Type")); mt != "text/event-stream" {
		b, _ := io.ReadAll(io.LimitReader(rd, maxErrBody))
		if err := (&result{}).whole(b); err != nil && !isProtocol(err) {
			return err // an error message sent with status 200
		}
		return protocolf("content type %q, not text/event-stream: %s", hresp.Header.Get("Content-Type"), r.excerpt(string(b)))
	}
	sr := newSSEReader(rd)
	for {
		ev, err := sr.next()
		if err == io.EOF {
			return errCut
		}
		if err != nil {
			return err
		}
		// The event's bytes came with the latest read or an earlier one:
		// the latest read's arrival is the closest bound known.
		if err := res.event(ev, rd.at); err != nil {
			return err
		}
		if res.stopped {
			break
		}
	}
	// Read on to the end of the body, briefly, so the connection can be
	// reused; what comes after message_stop does not count.
	// The answer is complete: the drain's end, by EOF or by the watchdog
	// cancelling the request, is no failure.
	dog.final = true
	dog.arm(drainWait)
	io.Copy(io.Discard, io.LimitReader(rd, 64<<10))
	return nil
}

// readWhole reads a non-streamed message.
func (r *Runner) readWhole(res *result, rd io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(rd, maxBody+1))
	if err != nil {
		return err
	}
	if len(b) > maxBody {
		return protocolf("response over %d bytes", maxBody)
	}
	return res.whole(b)
}

// statusError turns a response with a failing status into a RequestError.
func (r *Runner) statusError(ctx context.Context, hresp *http.Response, rd io.Reader) error {
	b, _ := io.ReadAll(io.LimitReader(rd, maxErrBody))
	if err := ctx.Err(); err != nil {
		return err
	}
	msg := strings.TrimSpace(string(b))
	var m wireMessage
	if json.Unmarshal(b, &m) == nil && m.Error != nil {
		msg = m.Error.Type + ": " + m.Error.Message
	}
	if msg == "" {
		msg = http.StatusText(hresp.StatusCode)
	}
	var class runners.ErrorClass
	switch s := hresp.StatusCode; {
	case s == http.StatusTooManyRequests:
		class = runners.ClassRateLimit
	case s == http.StatusRequestTimeout:
		class = runners.ClassTimeout
	case s >= 500:
		class = runners.ClassServer
	case s >= 400:
		class = runners.ClassClient
	default:
		class = runners.ClassProtocol
		msg = "unexpected status " + hresp.Status
		if loc := hresp.Header.Get("Location"); loc != "" {
			msg += ", redirect to " + loc + " not followed"
		}
	}
	return &runners.RequestError{
		Class:      class,
		Status:     hresp.StatusCode,
		RetryAfter: retryAfter(hresp.Header.Get("retry-after"), time.Now()),
		Err:        errors.New(r.excerpt(msg)),
	}
}

// failure classifies an error met while sending or reading.
func (r *Runner) failure(ctx, rctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr // the caller gave up: not the request's failure
	}
	var (
		ae   *apiError
		ne   net.Error
		rerr *runners.RequestError
	)
	switch cause := context.Cause(rctx); {
	case errors.As(err, &rerr):
		return rerr
	case errors.Is(cause, errDeadline):
		return &runners.RequestError{Class: runners.ClassTimeout, Err: fmt.Errorf("no complete answer within %v", r.timeout)}
	case errors.Is(cause, errIdle):
		return &runners.RequestError{Class: runners.ClassTimeout, Err: fmt.Errorf("nothing from the server for %v", r.idle)}
	case errors.As(err, &ae):
		return &runners.RequestError{Class: ae.class(), Err: errors.New(r.excerpt(ae.Error()))}
	case isProtocol(err):
		return &runners.RequestError{Class: runners.ClassProtocol, Err: r.clean(err)}
	case errors.Is(err, errCut):
		return &runners.RequestError{Class: runners.ClassConnection, Err: err}
	case errors.As(err, &ne) && ne.Timeout():
		return &runners.RequestError{Class: runners.ClassTimeout, Err: r.clean(err)}
	}
	return &runners.RequestError{Class: runners.ClassConnection, Err: r.clean(err)}
}

// clean returns err, or a copy of its text with the key cut out should
// the key appear in it.
func (r *Runner) clean(err error) error {
	if r.key != "" && strings.Contains(err.Error(), r.key) {
		return errors.New(r.redact(err.Error()))
	}
	return err
}

func (r *Runner) redact(s string) string {
	if r.key == "" {
		return s
	}
	return strings.ReplaceAll(s, r.key, "[redacted]")
}

// excerpt is server text fit for an error message: key-free, valid UTF-8,
// at most 300 bytes.
func (r *Runner) excerpt(s string) string {
	s = strings.ToValidUTF8(r.redact(s), "\uFFFD")
	const limit = 300
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// usage combines the server's counts with the client tokenizer's.
func (r *Runner) usage(res *result, body apiRequest) runners.Usage {
	clientPrompt := r.tok.Count(body.System)
	for _, m := range body.Messages {
		clientPrompt += r.tok.Count(m.Content)
	}
	reasoning := r.tok.Count(res.reasoning.String())
	u := runners.Usage{
		ClientPromptTokens:     clientPrompt,
		ClientCompletionTokens: r.tok.Count(res.text.String()) + reasoning,
		ReasoningTokens:        reasoning,
	}
	w := res.usage
	val := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	u.CachedTokens = val(w.CacheReadTokens)
	if w.InputTokens != nil {
		u.PromptTokens = *w.InputTokens + val(w.CacheReadTokens) + val(w.CacheCreationTokens)
	} else {
		u.PromptTokens = clientPrompt
		u.Estimated = true
	}
	if w.OutputTokens != nil {
		u.CompletionTokens = *w.OutputTokens
		u.ReasoningTokens = min(u.ReasoningTokens, u.CompletionTokens)
	} else {
		u.CompletionTokens = u.ClientCompletionTokens
		u.Estimated = true
	}
	return u
}

// retryAfter reads a retry-after header: delay seconds (the API's form) or
// an HTTP date. Anything else, or a time past, is 0.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if f, err := strconv.ParseFloat(h, 64); err == nil {
		if f <= 0 || f > 1e6 {
			return 0
		}
		return time.Duration(f * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// watchdog cancels a request when no byte has arrived for a while. Only
// the goroutine that reads the body touches it; the timer's function runs
// on its own.
type watchdog struct {
	d     time.Duration
	t     *time.Timer
	fire  func()
	final bool // the countdown runs out whatever arrives
}

// arm (re)starts the countdown at d; d <= 0 leaves it off.
func (w *watchdog) arm(d time.Duration) {
	if d <= 0 {
		return
	}
	if w.t == nil {
		w.t = time.AfterFunc(d, func() { w.fire() })
		return
	}
	w.t.Reset(d)
}

func (w *watchdog) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}

// progress is a body that restarts the watchdog whenever bytes arrive,
// and keeps when the latest ones did (see runners/netstamp).
type progress struct {
	r    io.Reader
	dog  *watchdog
	conn *netstamp.Conn
	at   time.Time
}

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.at = p.conn.Arrival(time.Now())
		if !p.dog.final {
			p.dog.arm(p.dog.d)
		}
	}
	return n, err
}
