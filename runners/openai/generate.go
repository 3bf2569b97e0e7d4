package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/engrambench/engrambench/runners"
)

// wireRequest is the body of a generation request.
type wireRequest struct {
	Model               string            `json:"model"`
	Messages            []runners.Message `json:"messages,omitempty"`
	Prompt              *string           `json:"prompt,omitempty"`
	MaxTokens           int               `json:"max_tokens,omitempty"`
	MaxCompletionTokens int               `json:"max_completion_tokens,omitempty"`
	Temperature         *float64          `json:"temperature,omitempty"`
	Stop                []string          `json:"stop,omitempty"`
	Seed                *int64            `json:"seed,omitempty"`
	Stream              bool              `json:"stream"`
	StreamOptions       *streamOptions    `json:"stream_options,omitempty"`
	Echo                bool              `json:"echo,omitempty"`
	Logprobs            int               `json:"logprobs,omitempty"`
	PromptLogprobs      *int              `json:"prompt_logprobs,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// body encodes a generation request for the configured endpoint, with
// extra's members spliced in (New made sure they do not collide).
func (r *Runner) body(req runners.Request) ([]byte, error) {
	w := wireRequest{Model: r.model, Stream: r.stream}
	switch {
	case r.chat && req.IsChat():
		w.Messages = req.Messages
	case r.chat:
		w.Messages = []runners.Message{{Role: "user", Content: req.Prompt}}
	default:
		text := req.Text()
		w.Prompt = &text
	}
	if req.MaxTokens > 0 {
		if r.maxField == "max_completion_tokens" {
			w.MaxCompletionTokens = req.MaxTokens
		} else {
			w.MaxTokens = req.MaxTokens
		}
	}
	if !r.replaced["temperature"] {
		w.Temperature = &req.Temperature
	}
	if !r.replaced["seed"] {
		w.Seed = &req.Seed
	}
	if !r.replaced["stop"] {
		w.Stop = req.Stop
	}
	if r.stream {
		w.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	return r.encode(&w)
}

func (r *Runner) encode(w *wireRequest) ([]byte, error) {
	b, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	if r.extra != nil {
		b = append(b[:len(b)-1], ',')
		b = append(b, r.extra...)
		b = append(b, '}')
	}
	return b, nil
}

// Generate sends one request and reads its answer. See the package comment
// for what each timestamp means and how failures are classified.
func (r *Runner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	intended := time.Now()
	if err := ctx.Err(); err != nil {
		return runners.Response{}, err
	}
	body, err := r.body(req)
	if err != nil {
		return runners.Response{}, &runners.RequestError{Class: runners.ClassClient, Err: err}
	}
	x := r.begin(ctx)
	defer x.end()
	res, err := x.do(r, http.MethodPost, r.genURL, body, r.stream)
	if err != nil {
		return runners.Response{}, x.fail(err)
	}
	defer res.Body.Close()
	send := x.sendTime()
	if res.StatusCode != http.StatusOK {
		return runners.Response{}, x.fail(r.statusError(res))
	}
	a := answer{r: r, send: send}
	ct := res.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "text/event-stream") || (r.stream && !strings.HasPrefix(ct, "application/json")) {
		err = a.readStream(x, res.Body)
	} else {
		err = a.readWhole(x, res.Body)
	}
	if err != nil {
		return runners.Response{}, x.fail(err)
	}
	resp := r.response(req, &a)
	resp.Timing.Intended = intended
	return resp, nil
}

// wireChunk is a streamed chunk or a whole response of either endpoint.
type wireChunk struct {
	Model   string          `json:"model"`
	Choices []wireChoice    `json:"choices"`
	Usage   *wireUsage      `json:"usage"`
	Error   json.RawMessage `json:"error"`
}

type wireChoice struct {
	Index        int         `json:"index"`
	Delta        wireMessage `json:"delta"`   // streamed chat
	Message      wireMessage `json:"message"` // whole chat
	Text         string      `json:"text"`    // completions
	FinishReason string      `json:"finish_reason"`
}

type wireMessage struct {
	Content string `json:"content"`
	// DeepSeek and vLLM name it reasoning_content; newer vLLM, Ollama and
	// OpenRouter reasoning. A server may send both with the same text.
	ReasoningContent lenient `json:"reasoning_content"`
	Reasoning        lenient `json:"reasoning"`
}

func (m *wireMessage) reasoning() string {
	if m.ReasoningContent != "" {
		return string(m.ReasoningContent)
	}
	return string(m.Reasoning)
}

// lenient is a string field that some server may fill with something else
// (an object); anything but a string reads as "". Reasoning is never
// scored, so this cannot change a result.
type lenient string

func (l *lenient) UnmarshalJSON(b []byte) error {
	var s string
	json.Unmarshal(b, &s) // not a string: s stays ""
	*l = lenient(s)
	return nil
}

type wireUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens *int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
	PromptCacheHitTokens int `json:"prompt_cache_hit_tokens"` // DeepSeek's name for cached tokens
}

// answer accumulates a response as it arrives.
type answer struct {
	r         *Runner
	send      time.Time
	content   strings.Builder
	reasoning strings.Builder
	finish    string
	model     string
	usage     *wireUsage
	first     time.Time
	last      time.Time
	end       time.Time // end of the stream or body
	chunks    []time.Duration
	streamed  bool
}

// readStream reads server-sent events until [DONE].
func (a *answer) readStream(x *exchange, body io.Reader) error {
	a.streamed = true
	a.chunks = make([]time.Duration, 0, 64)
	s := newSSE(body, &x.last, x.conn)
	defer s.release()
	done := false
	var c wireChunk
	for !done {
		data, at, partial, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, errTooLong) {
				return protocolError("stream", err)
			}
			return err
		}
		if at.Before(a.send) {
			at = a.send // stamped before the write's callback ran: the callback was late
		}
		a.end = at
		if string(bytes.TrimSpace(data)) == "[DONE]" {
			done = true
			break
		}
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		// One chunk value serves the whole stream, its choices' storage
		// reused; each element is cleared first, so nothing carries over.
		clear(c.Choices[:cap(c.Choices)])
		c = wireChunk{Choices: c.Choices[:0]}
		if err := decodeChunk(data, &c); err != nil {
			if partial {
				// The body ended inside an event: it was cut, not garbled.
				return &runners.RequestError{Class: runners.ClassConnection, Err: fmt.Errorf("stream ended inside an event: %w", io.ErrUnexpectedEOF)}
			}
			return protocolError("stream chunk", fmt.Errorf("%v in %s", err, a.r.quote(data)))
		}
		if err := a.add(&c, at); err != nil {
			return err
		}
	}
	if !done {
		if a.finish == "" {
			return &runners.RequestError{Class: runners.ClassConnection, Err: fmt.Errorf("stream ended without [DONE] or a finish_reason: %w", io.ErrUnexpectedEOF)}
		}
		return nil // complete (it said why it stopped), only the terminator is missing
	}
	// Read the rest (the chunked terminator) so the connection is reused.
	io.CopyN(io.Discard, body, 4<<10)
	return nil
}

// add takes one chunk.
func (a *answer) add(c *wireChunk, at time.Time) error {
	if err := a.r.chunkError(c.Error); err != nil {
		return err
	}
	if c.Model != "" {
		a.model = c.Model
	}
	if c.Usage != nil {
		a.usage = c.Usage // cumulative where a server sends it more than once: the last wins
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 {
			continue
		}
		text := ch.Delta.Content + ch.Text
		reasoning := ch.Delta.reasoning()
		if text != "" || reasoning != "" {
			if a.first.IsZero() {
				a.first = at
			}
			a.last = at
			a.chunks = append(a.chunks, at.Sub(a.send))
			a.content.WriteString(text)
			a.reasoning.WriteString(reasoning)
		}
		if ch.FinishReason != "" {
			a.finish = ch.FinishReason
		}
	}
	return nil
}

// chunkError turns an {"error": ...} a server sent inside a 200 response
// (vLLM does mid-stream) into a request error classed by its code.
func (r *Runner) chunkError(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var e struct {
		Message string `json:"message"`
		Code    any    `json:"code"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Message == "" {
		e.Message = string(raw)
	}
	class := runners.ClassServer
	code := 0
	switch c := e.Code.(type) {
	case float64:
		code = int(c)
	case string:
		fmt.Sscan(c, &code)
	}
	switch {
	case code == http.StatusTooManyRequests:
		class = runners.ClassRateLimit
	case code >= 400 && code < 500:
		class = runners.ClassClient
	}
	return &runners.RequestError{Class: class, Err: fmt.Errorf("server error in response: %s", r.excerpt([]byte(e.Message)))}
}

// readWhole reads a non-streamed JSON response.
func (a *answer) readWhole(x *exchange, body io.Reader) error {
	b, err := x.readAll(body)
	if err != nil {
		return err
	}
	a.end = time.Now()
	var c wireChunk
	if err := decodeChunk(b, &c); err != nil {
		return protocolError("response", fmt.Errorf("%v in %s", err, a.r.quote(b)))
	}
	if err := a.r.chunkError(c.Error); err != nil {
		return err
	}
	if len(c.Choices) == 0 {
		return protocolError("response", errors.New("no choices"))
	}
	ch := &c.Choices[0]
	a.content.WriteString(ch.Message.Content + ch.Text)
	a.reasoning.WriteString(ch.Message.reasoning())
	a.finish, a.model, a.usage = ch.FinishReason, c.Model, c.Usage
	return nil
}

// quote is b for an error message: redacted, then cut short.
func (r *Runner) quote(b []byte) string {
	s := r.redact(string(b))
	if len(s) > 120 {
		s = strings.ToValidUTF8(s[:120], "") + "..."
	}
	return strconv.Quote(s)
}

// countSlots bounds how many responses count tokens at once. Counting a
// long prompt takes a CPU for tens of milliseconds; were every CPU busy
// counting, the reads of other streams would wait and their timestamps
// would be late. One CPU is left to the network. The wait comes after
// the response's timing is taken.
var countSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))

// response builds the Response: the answer split from its reasoning, the
// timing, and usage from the server beside the client tokenizer's counts.
func (r *Runner) response(req runners.Request, a *answer) runners.Response {
	raw, fieldReasoning := a.content.String(), a.reasoning.String()
	text, reasoning := raw, fieldReasoning
	if r.thinkTags {
		var tagged string
		text, tagged = splitThink(raw)
		reasoning = joinNonEmpty(fieldReasoning, tagged)
	}
	resp := runners.Response{
		Text:         text,
		Reasoning:    reasoning,
		FinishReason: a.finish,
		Model:        a.model,
		Attempts:     1,
	}
	if resp.Model == "" {
		resp.Model = r.model
	}
	resp.Timing.Send = a.send
	if a.streamed {
		resp.Timing.FirstToken = a.first
		resp.Timing.Chunks = a.chunks
	}
	resp.Timing.End = a.last
	if a.last.IsZero() || !a.streamed {
		resp.Timing.End = a.end
	}

	u := &resp.Usage
	s := a.usage
	if s != nil && s.PromptTokens == 0 && s.CompletionTokens == 0 {
		s = nil // all zeros, which no real prompt gives: no usage
	}
	estimateReasoning := reasoning != ""
	if s != nil {
		u.PromptTokens, u.CompletionTokens = s.PromptTokens, s.CompletionTokens
		u.CachedTokens = s.PromptCacheHitTokens
		if d := s.PromptTokensDetails; d != nil && d.CachedTokens > 0 {
			u.CachedTokens = d.CachedTokens
		}
		if d := s.CompletionTokensDetails; d != nil && d.ReasoningTokens != nil && (*d.ReasoningTokens > 0 || reasoning == "") {
			u.ReasoningTokens, estimateReasoning = *d.ReasoningTokens, false
		}
	}
	countSlots <- struct{}{}
	u.ClientPromptTokens = r.tok.Count(req.Text())
	u.ClientCompletionTokens = r.tok.Count(raw) + r.tok.Count(fieldReasoning)
	if estimateReasoning {
		u.ReasoningTokens = r.tok.Count(reasoning)
	}
	<-countSlots
	if s == nil {
		u.PromptTokens, u.CompletionTokens = u.ClientPromptTokens, u.ClientCompletionTokens
	}
	u.Estimated = s == nil || estimateReasoning
	return resp
}

// splitThink separates reasoning written in the content from the answer:
// a <think>...</think> block at the start (unclosed: all of it is
// reasoning, the budget ran out while thinking), or, with no opening tag,
// everything before the first </think>. The answer loses the whitespace
// that followed the block.
func splitThink(s string) (answer, reasoning string) {
	const open, close = "<think>", "</think>"
	if t := strings.TrimLeft(s, " \t\r\n"); strings.HasPrefix(t, open) {
		rest := t[len(open):]
		i := strings.Index(rest, close)
		if i < 0 {
			return "", strings.TrimSpace(rest)
		}
		return strings.TrimLeft(rest[i+len(close):], " \t\r\n"), strings.TrimSpace(rest[:i])
	}
	if i := strings.Index(s, close); i >= 0 {
		return strings.TrimLeft(s[i+len(close):], " \t\r\n"), strings.TrimSpace(s[:i])
	}
	return s, ""
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}
