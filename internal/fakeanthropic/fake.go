// Package fakeanthropic is an in-process fake of Anthropic's Messages API
// (POST /v1/messages), streamed as server-sent events or answered as one
// JSON message, so the anthropic runner is tested against the real wire
// protocol on loopback instead of against mocks (STYLE.md 11).
//
// It answers deterministically from the request: Config.Answer picks the
// text, Config.Thinking the optional thinking text shown when the request
// enables extended thinking. Text is split into "tokens" by Tokens (each a
// run of non-space with the spaces before it), so a test knows exactly how
// many deltas arrive and what usage the fake reports. Its token counts are
// deliberately its own, not any real tokenizer's, so a test can tell server
// counts from client estimates.
//
// Faults are injected per request, by request number (Config.Faults) or by
// a marker in the prompt (Marker), so every failure a real server shows can
// be provoked on demand: 429 with retry-after, 500, 529, a slow first byte,
// a stream cut before message_stop (cleanly or by reset), a malformed
// event, pings and comment lines, several tokens per delta, an error event
// mid-stream, an empty answer, a stall after the first delta and a server
// that never answers.
//
// Like the real API it checks what it can of the request (model,
// max_tokens, roles, thinking budget below max_tokens, no temperature with
// thinking, the x-api-key when Config.APIKey is set, the anthropic-version
// header) and rejects a bad one with 400 invalid_request_error, so a runner
// that builds requests wrongly fails its tests.
package fakeanthropic

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Fault is one misbehaviour the fake can show for a request.
type Fault string

// The faults. Where a fault has no meaning for a non-streaming request the
// note says what that request gets instead.
const (
	RateLimit  Fault = "rate_limit"  // 429 rate_limit_error with retry-after: Config.RetryAfter
	Server     Fault = "server"      // 500 api_error
	Overloaded Fault = "overloaded"  // 529 overloaded_error
	BadRequest Fault = "bad_request" // 400 invalid_request_error
	Slow       Fault = "slow"        // waits Config.SlowDelay before the first byte, then answers
	Cut        Fault = "cut"         // half the deltas, then a clean end of body with no message_stop (non-streaming: half the body, short of its Content-Length)
	Reset      Fault = "reset"       // half the deltas, then the connection is aborted (non-streaming: half the body, then aborted)
	Malformed  Fault = "malformed"   // an event whose data is not JSON (non-streaming: a body that is not JSON)
	Ping       Fault = "ping"        // a ping event and a comment line before every delta (non-streaming: no effect)
	Multi      Fault = "multi"       // three tokens per delta (non-streaming: no effect)
	ErrorEvent Fault = "error_event" // half the deltas, then an overloaded_error event and the end (non-streaming: 529)
	Empty      Fault = "empty"       // an empty answer and no thinking
	Stall      Fault = "stall"       // message_start and one delta, then nothing until the client leaves (non-streaming: half the body, then nothing)
	Hang       Fault = "hang"        // never answers: no status, no byte, until the client leaves
)

// Marker is the text that, anywhere in a request's system prompt or
// messages, makes the fake show fault f for that request.
func Marker(f Fault) string { return "[[fault:" + string(f) + "]]" }

// Config sets how the fake answers. The zero value works.
type Config struct {
	// Answer returns the answer text; nil means DefaultAnswer.
	Answer func(Request) string
	// Thinking returns the thinking text for requests that enable
	// thinking; nil means such requests get no thinking block.
	Thinking func(Request) string
	// TokensPerDelta is how many tokens each delta carries; 0 means 1.
	TokensPerDelta int
	// DeltaDelay is the pause before each delta, for timing tests.
	DeltaDelay time.Duration
	// SlowDelay is the wait of the Slow fault; 0 means 300 ms.
	SlowDelay time.Duration
	// RetryAfter is the retry-after header of a 429, in seconds; 0 means 2.
	RetryAfter int
	// CacheReadTokens and CacheCreationTokens are reported as
	// cache_read_input_tokens and cache_creation_input_tokens, on top of
	// input_tokens (the API counts them apart).
	CacheReadTokens     int
	CacheCreationTokens int
	// APIKey, when set, is the only x-api-key accepted; a request with
	// another gets 401, whose message quotes the key it got, as careless
	// servers do, so tests can check that runners keep keys out of errors.
	APIKey string
	// Model is the model the fake says answered; "" means the requested one.
	Model string
	// Faults maps request numbers (the first request is 1) to the faults
	// that request shows, besides any its markers ask for.
	Faults map[int][]Fault
}

// DefaultAnswer is "echo: " and the last user message's text.
func DefaultAnswer(req Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			return "echo: " + string(req.Messages[i].Content)
		}
	}
	return "echo:"
}

// Request is a Messages API request as the fake reads it.
type Request struct {
	Model         string    `json:"model"`
	MaxTokens     int       `json:"max_tokens"`
	System        Text      `json:"system"`
	Messages      []Message `json:"messages"`
	Temperature   *float64  `json:"temperature"`
	StopSequences []string  `json:"stop_sequences"`
	Stream        bool      `json:"stream"`
	Thinking      *Thinking `json:"thinking"`
}

// Message is one turn of a request.
type Message struct {
	Role    string `json:"role"`
	Content Text   `json:"content"`
}

// Thinking is the request's extended-thinking setting.
type Thinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens"`
}

// Text is message or system content: the API takes a plain string or a
// list of content blocks; the fake keeps the text of the text blocks.
type Text string

// UnmarshalJSON accepts a string or a list of {"type":"text","text":...}.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text(s)
		return nil
	}
	var blocks []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &blocks); err != nil {
		return fmt.Errorf("content is neither a string nor a list of blocks")
	}
	var sb strings.Builder
	for _, bl := range blocks {
		if bl.Type == "text" {
			sb.WriteString(bl.Text)
		}
	}
	*t = Text(sb.String())
	return nil
}

// Tokens splits s into the fake's tokens: each is a run of non-space with
// the spaces before it, and trailing spaces join the last one, so the
// tokens concatenate to s exactly.
func Tokens(s string) []string {
	var out []string
	start := 0
	inWord := false
	for i, r := range s {
		space := unicode.IsSpace(r)
		if space && inWord {
			out = append(out, s[start:i])
			start = i
		}
		inWord = !space
	}
	if start < len(s) {
		if len(out) > 0 && strings.TrimSpace(s[start:]) == "" {
			out[len(out)-1] += s[start:]
		} else {
			out = append(out, s[start:])
		}
	}
	return out
}

// Fake is a running fake server. Its methods are safe for concurrent use.
type Fake struct {
	// URL is the base URL to give a runner (no /v1).
	URL string

	cfg  Config
	srv  *httptest.Server
	done chan struct{}
	once sync.Once

	mu         sync.Mutex
	n          int
	lastBody   []byte
	lastHeader http.Header
}

// New starts a fake on a loopback port. Close it when done.
func New(cfg Config) *Fake {
	f := &Fake{cfg: cfg, done: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.handle))
	f.URL = f.srv.URL
	return f
}

// Close releases requests the fake is holding (Hang, Stall) and stops it.
func (f *Fake) Close() {
	f.once.Do(func() {
		f.srv.CloseClientConnections()
		close(f.done)
		f.srv.Close()
	})
}

// Requests is how many requests have reached the fake.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// LastBody is the body of the latest request.
func (f *Fake) LastBody() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), f.lastBody...)
}

// LastHeader is a copy of the latest request's headers.
func (f *Fake) LastHeader() http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastHeader.Clone()
}

// LastRequest decodes the latest request's body.
func (f *Fake) LastRequest() (Request, error) {
	var req Request
	err := json.Unmarshal(f.LastBody(), &req)
	return req, err
}

const maxBody = 64 << 20

func (f *Fake) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/messages" {
		writeError(w, http.StatusNotFound, "not_found_error", "no such endpoint: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method not allowed")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	f.mu.Lock()
	f.n++
	num := f.n
	f.lastBody = body
	f.lastHeader = r.Header.Clone()
	f.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", err.Error())
		return
	}

	if f.cfg.APIKey != "" && r.Header.Get("x-api-key") != f.cfg.APIKey {
		writeError(w, http.StatusUnauthorized, "authentication_error", "invalid x-api-key: "+r.Header.Get("x-api-key"))
		return
	}
	if r.Header.Get("anthropic-version") == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required")
		return
	}
	var req Request
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "body is not valid JSON: "+err.Error())
		return
	}
	if msg := validate(req); msg != "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", msg)
		return
	}

	faults := f.faults(num, req)
	switch {
	case faults[Hang]:
		f.wait(r)
		return
	case faults[RateLimit]:
		ra := f.cfg.RetryAfter
		if ra == 0 {
			ra = 2
		}
		w.Header().Set("retry-after", strconv.Itoa(ra))
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", "rate limit exceeded")
		return
	case faults[Server]:
		writeError(w, http.StatusInternalServerError, "api_error", "internal server error")
		return
	case faults[Overloaded]:
		writeError(w, 529, "overloaded_error", "Overloaded")
		return
	case faults[BadRequest]:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "bad request, as asked")
		return
	case faults[ErrorEvent] && !req.Stream:
		writeError(w, 529, "overloaded_error", "Overloaded")
		return
	}
	if faults[Slow] {
		d := f.cfg.SlowDelay
		if d == 0 {
			d = 300 * time.Millisecond
		}
		if !f.sleep(r, d) {
			return
		}
	}

	a := f.answer(num, req, faults)
	if req.Stream {
		f.stream(w, r, a, faults)
	} else {
		f.whole(w, r, a, faults)
	}
}

// validate returns what the real API would object to, or "".
func validate(req Request) string {
	switch {
	case req.Model == "":
		return "model: field required"
	case req.MaxTokens < 1:
		return "max_tokens: must be at least 1"
	case len(req.Messages) == 0:
		return "messages: at least one message is required"
	}
	for i, m := range req.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return fmt.Sprintf("messages.%d.role: must be user or assistant, got %q", i, m.Role)
		}
	}
	if t := req.Thinking; t != nil {
		if t.Type != "enabled" && t.Type != "disabled" {
			return "thinking.type: must be enabled or disabled"
		}
		if t.Type == "enabled" {
			if t.BudgetTokens < 1024 {
				return "thinking.budget_tokens: must be at least 1024"
			}
			if t.BudgetTokens >= req.MaxTokens {
				return "max_tokens must be greater than thinking.budget_tokens"
			}
			if req.Temperature != nil && *req.Temperature != 1 {
				return "temperature may only be set to 1 when thinking is enabled"
			}
		}
	}
	if req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 1) {
		return "temperature: must be between 0 and 1"
	}
	return ""
}

func (f *Fake) faults(num int, req Request) map[Fault]bool {
	out := map[Fault]bool{}
	for _, x := range f.cfg.Faults[num] {
		out[x] = true
	}
	texts := []string{string(req.System)}
	for _, m := range req.Messages {
		texts = append(texts, string(m.Content))
	}
	for _, t := range texts {
		for {
			_, rest, ok := strings.Cut(t, "[[fault:")
			if !ok {
				break
			}
			name, after, ok := strings.Cut(rest, "]]")
			if !ok {
				break
			}
			out[Fault(name)] = true
			t = after
		}
	}
	return out
}

// answer is what the fake will say: thinking and text tokens within
// max_tokens, cut at a stop sequence, and the usage that goes with them.
type answer struct {
	id           string
	model        string
	thinking     []string
	text         []string
	stopReason   string
	stopSequence string
	input        int
	output       int
	perDelta     int
}

func (f *Fake) answer(num int, req Request, faults map[Fault]bool) answer {
	a := answer{id: fmt.Sprintf("msg_fake_%d", num), model: req.Model, stopReason: "end_turn", perDelta: max(1, f.cfg.TokensPerDelta)}
	if f.cfg.Model != "" {
		a.model = f.cfg.Model
	}
	if faults[Multi] {
		a.perDelta = 3
	}
	a.input = len(Tokens(string(req.System)))
	for _, m := range req.Messages {
		a.input += len(Tokens(string(m.Content)))
	}
	var thinking, text string
	if !faults[Empty] {
		answerFn := f.cfg.Answer
		if answerFn == nil {
			answerFn = DefaultAnswer
		}
		text = answerFn(req)
		if req.Thinking != nil && req.Thinking.Type == "enabled" && f.cfg.Thinking != nil {
			thinking = f.cfg.Thinking(req)
		}
	}
	cut := -1
	for _, s := range req.StopSequences {
		if i := strings.Index(text, s); s != "" && i >= 0 && (cut < 0 || i < cut) {
			cut, a.stopSequence = i, s
		}
	}
	if cut >= 0 {
		text = text[:cut]
		a.stopReason = "stop_sequence"
	}
	a.thinking, a.text = Tokens(thinking), Tokens(text)
	if len(a.thinking) > req.MaxTokens {
		a.thinking = a.thinking[:req.MaxTokens]
	}
	if room := req.MaxTokens - len(a.thinking); len(a.text) > room {
		a.text = a.text[:room]
		a.stopReason, a.stopSequence = "max_tokens", ""
	}
	if len(Tokens(thinking)) > len(a.thinking) {
		a.stopReason, a.stopSequence = "max_tokens", ""
	}
	a.output = len(a.thinking) + len(a.text)
	return a
}

func (f *Fake) usage(a answer, output int) map[string]int {
	return map[string]int{
		"input_tokens":                a.input,
		"cache_read_input_tokens":     f.cfg.CacheReadTokens,
		"cache_creation_input_tokens": f.cfg.CacheCreationTokens,
		"output_tokens":               output,
	}
}

// whole answers a non-streaming request with one JSON message.
func (f *Fake) whole(w http.ResponseWriter, r *http.Request, a answer, faults map[Fault]bool) {
	var content []map[string]any
	if len(a.thinking) > 0 {
		content = append(content, map[string]any{"type": "thinking", "thinking": strings.Join(a.thinking, ""), "signature": "sig-fake"})
	}
	content = append(content, map[string]any{"type": "text", "text": strings.Join(a.text, "")})
	var stopSeq any
	if a.stopSequence != "" {
		stopSeq = a.stopSequence
	}
	body, _ := json.Marshal(map[string]any{
		"id": a.id, "type": "message", "role": "assistant", "model": a.model,
		"content": content, "stop_reason": a.stopReason, "stop_sequence": stopSeq,
		"usage": f.usage(a, a.output),
	})
	if faults[Malformed] {
		body = []byte(`{"id": "` + a.id + `", "type": "message", "content": [{`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if faults[Cut] || faults[Reset] || faults[Stall] {
		w.Write(body[:len(body)/2])
		flush(w)
		switch {
		case faults[Reset]:
			panic(http.ErrAbortHandler)
		case faults[Stall]:
			f.wait(r)
		}
		return // short of Content-Length: the server closes the connection
	}
	w.Write(body)
}

// stream answers a streaming request with server-sent events.
func (f *Fake) stream(w http.ResponseWriter, r *http.Request, a answer, faults map[Fault]bool) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(event string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		flush(w)
	}
	send("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": a.id, "type": "message", "role": "assistant", "model": a.model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": f.usage(a, 1),
	}})
	send("ping", map[string]any{"type": "ping"})
	if faults[Malformed] {
		fmt.Fprint(w, "event: content_block_start\ndata: {\"type\": \"content_block_start\", \"index\": 0, \"content_block\": {\"type\": \"te\n\n")
		flush(w)
	}

	// Every delta in order, so faults can strike half-way through.
	type delta struct {
		index int
		kind  string // "thinking" or "text"
		text  string
	}
	var deltas []delta
	chunk := func(index int, kind string, toks []string) {
		for i := 0; i < len(toks); i += a.perDelta {
			deltas = append(deltas, delta{index, kind, strings.Join(toks[i:min(len(toks), i+a.perDelta)], "")})
		}
	}
	textIndex := 0
	if len(a.thinking) > 0 {
		chunk(0, "thinking", a.thinking)
		textIndex = 1
	}
	chunk(textIndex, "text", a.text)
	half := len(deltas) / 2
	if faults[Stall] {
		half = min(1, len(deltas))
	}

	open := -1 // the content block now open
	for i, d := range deltas {
		if i == half {
			switch {
			case faults[Stall]:
				f.wait(r)
				return
			case faults[Cut]:
				return
			case faults[Reset]:
				panic(http.ErrAbortHandler)
			case faults[ErrorEvent]:
				send("error", map[string]any{"type": "error", "error": map[string]any{"type": "overloaded_error", "message": "Overloaded"}})
				return
			}
		}
		if d.index != open {
			if open >= 0 {
				f.blockStop(send, open, a)
			}
			open = d.index
			send("content_block_start", map[string]any{"type": "content_block_start", "index": open, "content_block": blockStart(d.kind)})
		}
		if f.cfg.DeltaDelay > 0 && !f.sleep(r, f.cfg.DeltaDelay) {
			return
		}
		if faults[Ping] {
			fmt.Fprint(w, ": keep-alive\n\n")
			send("ping", map[string]any{"type": "ping"})
		}
		dd := map[string]any{"type": "text_delta", "text": d.text}
		if d.kind == "thinking" {
			dd = map[string]any{"type": "thinking_delta", "thinking": d.text}
		}
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": d.index, "delta": dd})
	}
	if len(deltas) == 0 {
		// Empty answer: one empty text block, as the API sends.
		send("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": blockStart("text")})
		open = 0
		switch {
		case faults[Cut], faults[Stall]:
			if faults[Stall] {
				f.wait(r)
			}
			return
		case faults[Reset]:
			panic(http.ErrAbortHandler)
		case faults[ErrorEvent]:
			send("error", map[string]any{"type": "error", "error": map[string]any{"type": "overloaded_error", "message": "Overloaded"}})
			return
		}
	}
	f.blockStop(send, open, a)
	var stopSeq any
	if a.stopSequence != "" {
		stopSeq = a.stopSequence
	}
	send("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": a.stopReason, "stop_sequence": stopSeq},
		"usage": map[string]int{"output_tokens": a.output}})
	send("message_stop", map[string]any{"type": "message_stop"})
}

// blockStop ends a content block; a thinking block gets its signature first.
func (f *Fake) blockStop(send func(string, any), index int, a answer) {
	if len(a.thinking) > 0 && index == 0 {
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "signature_delta", "signature": "sig-fake"}})
	}
	send("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
}

func blockStart(kind string) map[string]any {
	if kind == "thinking" {
		return map[string]any{"type": "thinking", "thinking": "", "signature": ""}
	}
	return map[string]any{"type": "text", "text": ""}
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func flush(w http.ResponseWriter) {
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// wait blocks until the client leaves or the fake closes, then aborts the
// response, so a held request never ends in anything that looks like an
// answer.
func (f *Fake) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.done:
	}
	panic(http.ErrAbortHandler)
}

// sleep waits d and reports whether the request is still wanted.
func (f *Fake) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-f.done:
	}
	return false
}
