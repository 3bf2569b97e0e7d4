// Package fakeopenai is an in-process server that speaks the wire protocol
// of OpenAI-compatible servers (vLLM, SGLang, llama.cpp, Ollama, TGI,
// DeepSeek, OpenAI): chat and text completions, streamed as server-sent
// events or whole as JSON, /v1/models, /tokenize and /health.
//
// Tests of clients need a server whose answers they can predict and whose
// failures they can order, so every answer is a deterministic function of
// the request and every fault is chosen per request: by a marker in the
// prompt (Marker) or by Options.Fault. Tokens are whitespace-separated
// words, so a test knows every count exactly. The server can record, on its
// own clock, when it began writing each chunk; since it runs in the test's
// process the clock is the client's too, and the difference is the
// client's delivery overhead.
//
// It is built for load as well as for faults: no sleeps unless asked for,
// chunks written with hand-built JSON and flushed one by one, as a real
// server does.
package fakeopenai

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Defaults of Options.
const (
	DefaultModel      = "fake-model"
	DefaultAnswer     = "The quick brown fox jumps over the lazy dog."
	DefaultReasoning  = "Let me think about this step by step."
	DefaultRetryAfter = "1"
	DefaultDelay      = 100 * time.Millisecond
)

// Fault is a set of misbehaviours for one request.
type Fault uint32

// The faults. Several may be combined.
const (
	RateLimited    Fault = 1 << iota // 429 with a Retry-After header (Options.RetryAfter)
	InternalError                    // 500 with a JSON error body
	Unavailable                      // 503 with a plain-text body
	SlowFirstByte                    // wait Options.Delay before the status line
	CutStream                        // close the connection half-way through the answer: no finish_reason, no [DONE]
	MalformedChunk                   // one event half-way whose data is not valid JSON
	KeepAlives                       // a ": keep-alive" comment line before every event
	MultiToken                       // three tokens per chunk
	NoUsage                          // no usage chunk, even when stream_options.include_usage asks for one
	EmptyAnswer                      // an answer of no tokens (finish_reason "stop")
	Hang                             // never answer: block until the client goes away
	RoleChunk                        // a first chunk carrying only the role (and content "")
	ReasoningField                   // reasoning as separate deltas (Options.ReasoningField) before the answer
	ThinkTags                        // reasoning inside <think>...</think> at the start of the content
	ThinkNoOpen                      // like ThinkTags but without the opening tag
	TinyChunks                       // content in pieces of 3 characters, so tags split across chunks
	EchoAuth                         // 401 whose body quotes the Authorization header
	MidStreamError                   // an {"error": ...} event half-way, then [DONE]
	NoDone                           // a complete answer (finish_reason set) but no [DONE]
	Stall                            // after the first answer chunk, send nothing until the client goes away
	faultEnd
)

var faultNames = []string{
	"429", "500", "503", "slow", "cut", "malformed", "keepalive", "multitoken", "nousage",
	"empty", "hang", "role", "reasoning", "think", "thinknoopen", "tiny", "echoauth",
	"streamerror", "nodone", "stall",
}

// String lists the fault's names, joined by '+'.
func (f Fault) String() string {
	var parts []string
	for i, name := range faultNames {
		if f&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, "+")
}

// Marker is text that, anywhere in a prompt, makes the server apply f to
// that request: "[fake:429]" and so on, one marker per fault.
func Marker(f Fault) string {
	var b strings.Builder
	for i, name := range faultNames {
		if f&(1<<i) != 0 {
			b.WriteString("[fake:" + name + "]")
		}
	}
	return b.String()
}

// markers returns the faults named by markers in text.
func markers(text string) Fault {
	if !strings.Contains(text, "[fake:") {
		return 0
	}
	var f Fault
	for i, name := range faultNames {
		if strings.Contains(text, "[fake:"+name+"]") {
			f |= 1 << i
		}
	}
	return f
}

// Model is one entry of GET /v1/models.
type Model struct {
	ID       string `json:"id"`
	Root     string `json:"root,omitempty"`     // vLLM: the weights it loaded
	Revision string `json:"revision,omitempty"` // not a standard field; some gateways add it
}

// Options configure a Server. The zero value serves DefaultAnswer as
// DefaultModel with no faults.
type Options struct {
	Model  string  // the model it reports; default DefaultModel
	Models []Model // GET /v1/models; default one entry for Model

	// Answer and Reasoning give the text for a prompt; the defaults
	// ignore it. Reasoning is used only by the reasoning faults.
	Answer    func(prompt string) string
	Reasoning func(prompt string) string
	// ReasoningField names the reasoning deltas: "reasoning_content"
	// (default; DeepSeek, vLLM) or "reasoning".
	ReasoningField string

	// Fault adds faults by request number (from 1), besides markers.
	Fault      func(n int64, req *Request) Fault
	RetryAfter string        // Retry-After of a 429; default DefaultRetryAfter
	Delay      time.Duration // SlowFirstByte's wait; default DefaultDelay
	ChunkDelay time.Duration // wait before each answer chunk; default none

	TokensPerChunk int    // default 1; MultiToken makes it 3
	CachedTokens   int    // reported as usage.prompt_tokens_details.cached_tokens
	APIKey         string // when set, generation requests must carry "Bearer APIKey"
	NoEcho         bool   // ignore echo on /v1/completions, as llama.cpp does

	Record bool             // keep a Record of every generation request
	Now    func() time.Time // the clock of Records; default time.Now

	// Handler, when set, sees every request first; true means it answered.
	Handler func(w http.ResponseWriter, r *http.Request) bool
}

// Message is one chat turn of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is the body of a generation request as the server read it.
type Request struct {
	Model               string          `json:"model"`
	Messages            []Message       `json:"messages"`
	Prompt              *string         `json:"prompt"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	Seed                *int64          `json:"seed"`
	Stop                json.RawMessage `json:"stop"` // a string or a list of strings
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Echo           bool            `json:"echo"`
	Logprobs       json.RawMessage `json:"logprobs"`        // an integer on completions
	PromptLogprobs *int            `json:"prompt_logprobs"` // vLLM's extension
}

// Text is the prompt as one string: the raw prompt, or the messages'
// contents joined by blank lines.
func (r *Request) Text() string {
	if r.Prompt != nil {
		return *r.Prompt
	}
	parts := make([]string, len(r.Messages))
	for i, m := range r.Messages {
		parts[i] = m.Content
	}
	return strings.Join(parts, "\n\n")
}

// Stops returns the stop strings, whichever form they came in.
func (r *Request) Stops() []string {
	if len(r.Stop) == 0 || string(r.Stop) == "null" {
		return nil
	}
	var one string
	if json.Unmarshal(r.Stop, &one) == nil {
		return []string{one}
	}
	var many []string
	json.Unmarshal(r.Stop, &many)
	return many
}

// Record is what the server saw and did for one generation request, on
// the server's clock.
type Record struct {
	N        int64
	Path     string
	Prompt   string
	Fault    Fault
	Received time.Time   // when the handler started
	Chunks   []time.Time // when it began writing each chunk carrying answer or reasoning text
	End      time.Time   // when the handler finished
}

// Server is a running fake. Close it when done.
type Server struct {
	URL string // base URL with /v1, e.g. "http://127.0.0.1:41234/v1"
	// Root is the URL without /v1, where /tokenize and /health live.
	Root string

	hs       *httptest.Server
	opts     Options
	done     chan struct{}
	closeOne sync.Once

	requests atomic.Int64 // generation requests
	hits     sync.Map     // path -> *atomic.Int64

	mu       sync.Mutex
	last     []byte
	lastAuth string
	records  []Record
}

// New starts a server on a loopback port.
func New(opts Options) *Server {
	if opts.Model == "" {
		opts.Model = DefaultModel
	}
	if len(opts.Models) == 0 {
		opts.Models = []Model{{ID: opts.Model}}
	}
	if opts.Answer == nil {
		opts.Answer = func(string) string { return DefaultAnswer }
	}
	if opts.Reasoning == nil {
		opts.Reasoning = func(string) string { return DefaultReasoning }
	}
	if opts.ReasoningField == "" {
		opts.ReasoningField = "reasoning_content"
	}
	if opts.RetryAfter == "" {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.Delay == 0 {
		opts.Delay = DefaultDelay
	}
	if opts.TokensPerChunk <= 0 {
		opts.TokensPerChunk = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, true) })
	mux.HandleFunc("POST /v1/completions", func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, false) })
	mux.HandleFunc("GET /v1/models", s.models)
	mux.HandleFunc("POST /tokenize", s.tokenize)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	s.hs = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hit(r.URL.Path)
		if opts.Handler != nil && opts.Handler(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	}))
	s.hs.Start()
	s.Root = s.hs.URL
	s.URL = s.hs.URL + "/v1"
	return s
}

// Close releases requests that hang, then stops the server.
func (s *Server) Close() {
	s.closeOne.Do(func() {
		close(s.done)
		s.hs.CloseClientConnections()
		s.hs.Close()
	})
}

// Requests is the number of generation requests received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Hits is the number of requests received on a path, e.g. "/tokenize".
func (s *Server) Hits(path string) int64 {
	if c, ok := s.hits.Load(path); ok {
		return c.(*atomic.Int64).Load()
	}
	return 0
}

func (s *Server) hit(path string) {
	c, ok := s.hits.Load(path)
	if !ok {
		c, _ = s.hits.LoadOrStore(path, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(1)
}

// LastBody is the body of the latest generation request.
func (s *Server) LastBody() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.last...)
}

// LastAuth is the Authorization header of the latest generation request.
func (s *Server) LastAuth() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAuth
}

// Records returns a copy of the records kept so far (Options.Record).
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.records...)
}

// Pieces splits text into its tokens as this server counts them: each
// whitespace-separated word with the whitespace before it; trailing
// whitespace goes with the last word. Joined, they give text back (unless
// text has no word at all).
func Pieces(text string) []string {
	var out []string
	start, i := 0, 0
	for i < len(text) {
		for i < len(text) && isSpace(text[i]) {
			i++
		}
		for i < len(text) && !isSpace(text[i]) {
			i++
		}
		if i > start {
			out = append(out, text[start:i])
		}
		start = i
	}
	if n := len(out); n > 0 && strings.TrimSpace(out[n-1]) == "" {
		if n == 1 {
			return nil
		}
		out[n-2] += out[n-1]
		out = out[:n-1]
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// Count is the number of tokens in text as this server counts them.
func Count(text string) int { return len(strings.Fields(text)) }

// TokenID is the id /tokenize gives a piece.
func TokenID(piece string) int {
	h := fnv.New32a()
	io.WriteString(h, piece)
	return int(h.Sum32() % 100000)
}

// Logprob is the log-probability the server reports for a prompt piece.
func Logprob(piece string) float64 { return -float64(len(strings.TrimSpace(piece))) / 8 }

// plan is what one request will be answered with.
type plan struct {
	reasoning []string // tokens of a separate reasoning field
	content   []string // pieces of content, tags included, already grouped into chunks
	finish    string
	usage     usage
}

type usage struct {
	prompt, completion, reasoning, cached int
}

func (s *Server) plan(req *Request, prompt string, f Fault) plan {
	answer := ""
	if f&EmptyAnswer == 0 {
		answer = s.opts.Answer(prompt)
	}
	finish := "stop"
	for _, stop := range req.Stops() {
		if i := strings.Index(answer, stop); stop != "" && i >= 0 {
			answer = answer[:i]
		}
	}
	reasoning := ""
	if f&(ReasoningField|ThinkTags|ThinkNoOpen) != 0 {
		reasoning = s.opts.Reasoning(prompt)
	}
	rTok, aTok := Pieces(reasoning), Pieces(answer)
	limit := 0
	if req.MaxTokens != nil {
		limit = *req.MaxTokens
	} else if req.MaxCompletionTokens != nil {
		limit = *req.MaxCompletionTokens
	}
	if limit > 0 && len(rTok)+len(aTok) > limit {
		keep := max(0, limit-len(rTok))
		if keep < len(aTok) {
			aTok = aTok[:keep]
			answer = strings.Join(aTok, "")
			finish = "length"
		}
	}
	p := plan{finish: finish, usage: usage{
		prompt:     Count(prompt),
		completion: len(rTok) + len(aTok),
		reasoning:  len(rTok),
		cached:     s.opts.CachedTokens,
	}}
	per := s.opts.TokensPerChunk
	if f&MultiToken != 0 {
		per = 3
	}
	var content string
	switch {
	case f&ThinkTags != 0:
		content = "<think>" + reasoning + "</think>\n\n" + answer
	case f&ThinkNoOpen != 0:
		content = reasoning + "</think>\n\n" + answer
	case f&ReasoningField != 0:
		p.reasoning = group(rTok, per)
		content = answer
	default:
		content = answer
	}
	if f&TinyChunks != 0 {
		p.content = runeChunks(content, 3)
	} else {
		p.content = group(Pieces(content), per)
	}
	return p
}

// group joins every n consecutive tokens into one chunk.
func group(tokens []string, n int) []string {
	if n <= 1 {
		return tokens
	}
	var out []string
	for i := 0; i < len(tokens); i += n {
		out = append(out, strings.Join(tokens[i:min(i+n, len(tokens))], ""))
	}
	return out
}

func runeChunks(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		i, k := 0, 0
		for i < len(s) && k < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			k++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

func (s *Server) generate(w http.ResponseWriter, r *http.Request, chat bool) {
	n := s.requests.Add(1)
	rec := Record{N: n, Path: r.URL.Path, Received: s.opts.Now()}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	s.last, s.lastAuth = body, auth
	s.mu.Unlock()
	if s.opts.APIKey != "" && auth != "Bearer "+s.opts.APIKey {
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided.", "invalid_request_error")
		return
	}
	var req Request
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error(), "invalid_request_error")
		return
	}
	switch {
	case req.Model == "":
		writeError(w, http.StatusBadRequest, "model is required", "invalid_request_error")
		return
	case chat && len(req.Messages) == 0:
		writeError(w, http.StatusBadRequest, "messages is required", "invalid_request_error")
		return
	case !chat && req.Prompt == nil:
		writeError(w, http.StatusBadRequest, "prompt is required", "invalid_request_error")
		return
	case chat && req.Prompt != nil, !chat && req.Messages != nil:
		writeError(w, http.StatusBadRequest, "messages and prompt belong to different endpoints", "invalid_request_error")
		return
	}
	prompt := req.Text()
	rec.Prompt = prompt
	f := markers(prompt)
	if s.opts.Fault != nil {
		f |= s.opts.Fault(n, &req)
	}
	rec.Fault = f
	if s.opts.Record {
		defer func() {
			rec.End = s.opts.Now()
			s.mu.Lock()
			s.records = append(s.records, rec)
			s.mu.Unlock()
		}()
	}

	switch {
	case f&RateLimited != 0:
		w.Header().Set("Retry-After", s.opts.RetryAfter)
		writeError(w, http.StatusTooManyRequests, "Rate limit reached for requests", "rate_limit_exceeded")
		return
	case f&InternalError != 0:
		writeError(w, http.StatusInternalServerError, "The server had an error while processing your request.", "server_error")
		return
	case f&Unavailable != 0:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "Service Unavailable: the model is loading\n")
		return
	case f&EchoAuth != 0:
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided: "+strings.TrimPrefix(auth, "Bearer ")+".", "invalid_request_error")
		return
	case f&Hang != 0:
		s.wait(r)
		return
	}
	if f&SlowFirstByte != 0 {
		if !s.sleep(r, s.opts.Delay) {
			return
		}
	}
	p := s.plan(&req, prompt, f)
	if req.Stream {
		s.stream(w, r, &req, chat, f, p, &rec)
		return
	}
	s.whole(w, &req, chat, p, prompt)
}

// wait blocks until the client goes away or the server closes.
func (s *Server) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// sleep waits d; false when the client went away first.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

func writeError(w http.ResponseWriter, status int, msg, typ string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b := []byte(`{"error":{"message":`)
	b = appendString(b, msg)
	b = append(b, `,"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"code":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, "}}\n"...)
	w.Write(b)
}

// stream writes the answer as server-sent events, one flush per event.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req *Request, chat bool, f Fault, p plan, rec *Record) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	fl.Flush()

	id, created := strconv.FormatInt(rec.N, 10), time.Now().Unix()
	var head []byte // the chunk's common prefix
	if chat {
		head = append(head, `{"id":"chatcmpl-`+id+`","object":"chat.completion.chunk","created":`...)
	} else {
		head = append(head, `{"id":"cmpl-`+id+`","object":"text_completion","created":`...)
	}
	head = strconv.AppendInt(head, created, 10)
	head = append(head, `,"model":`...)
	head = appendString(head, s.opts.Model)
	head = append(head, `,"choices":[`...)

	buf := make([]byte, 0, 512)
	send := func(b []byte, text bool) {
		if f&KeepAlives != 0 {
			w.Write([]byte(": keep-alive\n\n"))
		}
		if text && s.opts.Record {
			rec.Chunks = append(rec.Chunks, s.opts.Now())
		}
		w.Write(b)
		fl.Flush()
	}
	event := func(delta func(b []byte) []byte, finish string) []byte {
		b := append(buf[:0], "data: "...)
		b = append(b, head...)
		b = append(b, `{"index":0,`...)
		b = delta(b)
		b = append(b, `,"logprobs":null,"finish_reason":`...)
		if finish == "" {
			b = append(b, "null"...)
		} else {
			b = appendString(b, finish)
		}
		b = append(b, "}]}\n\n"...)
		buf = b
		return b
	}
	text := func(field, piece string) func([]byte) []byte {
		return func(b []byte) []byte {
			if chat {
				b = append(b, `"delta":{"`+field+`":`...)
				b = appendString(b, piece)
				return append(b, '}')
			}
			b = append(b, `"text":`...)
			return appendString(b, piece)
		}
	}

	if f&RoleChunk != 0 && chat {
		send(event(func(b []byte) []byte { return append(b, `"delta":{"role":"assistant","content":""}`...) }, ""), false)
	}
	total := len(p.reasoning) + len(p.content)
	half := total / 2
	// fault applies the half-way faults; false means the response ends here.
	fault := func() bool {
		switch {
		case f&CutStream != 0:
			panic(http.ErrAbortHandler) // the server drops the connection: no terminating chunk
		case f&MalformedChunk != 0:
			send([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"oops\"\n\n"), false)
		case f&MidStreamError != 0:
			send([]byte("data: {\"error\":{\"message\":\"the engine failed mid-stream\",\"type\":\"server_error\",\"code\":500}}\n\n"), false)
			send([]byte("data: [DONE]\n\n"), false)
			return false
		}
		return true
	}
	i := 0
	step := func(field, piece string) bool {
		if i == half && !fault() {
			return false
		}
		if f&Stall != 0 && i == 1 {
			s.wait(r)
			return false
		}
		if !s.sleep(r, s.opts.ChunkDelay) {
			return false
		}
		if !chat {
			field = "text"
		}
		send(event(text(field, piece), ""), true)
		i++
		return true
	}
	for _, piece := range p.reasoning {
		if !step(s.opts.ReasoningField, piece) {
			return
		}
	}
	for _, piece := range p.content {
		if !step("content", piece) {
			return
		}
	}
	if total == 0 && !fault() {
		return // an empty answer still gets its fault
	}
	if f&Stall != 0 && total <= 1 {
		s.wait(r)
		return
	}
	send(event(func(b []byte) []byte {
		if chat {
			return append(b, `"delta":{}`...)
		}
		return append(b, `"text":""`...)
	}, p.finish), false)
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage && f&NoUsage == 0 {
		b := append(buf[:0], "data: "...)
		b = append(b, head...)
		b = append(b, "],"...)
		b = appendUsage(b, p.usage)
		b = append(b, "}\n\n"...)
		buf = b
		send(b, false)
	}
	if f&NoDone == 0 {
		send([]byte("data: [DONE]\n\n"), false)
	}
}

func appendUsage(b []byte, u usage) []byte {
	b = append(b, `"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(u.prompt), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(u.completion), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(u.prompt+u.completion), 10)
	if u.cached > 0 {
		b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
		b = strconv.AppendInt(b, int64(u.cached), 10)
		b = append(b, '}')
	}
	if u.reasoning > 0 {
		b = append(b, `,"completion_tokens_details":{"reasoning_tokens":`...)
		b = strconv.AppendInt(b, int64(u.reasoning), 10)
		b = append(b, '}')
	}
	return append(b, '}')
}

// whole writes the answer as one JSON body.
func (s *Server) whole(w http.ResponseWriter, req *Request, chat bool, p plan, prompt string) {
	content := strings.Join(p.content, "")
	reasoning := strings.Join(p.reasoning, "")
	var choice map[string]any
	if chat {
		msg := map[string]any{"role": "assistant", "content": content}
		if reasoning != "" {
			msg[s.opts.ReasoningField] = reasoning
		}
		choice = map[string]any{"index": 0, "message": msg, "finish_reason": p.finish}
	} else {
		choice = map[string]any{"index": 0, "text": content, "finish_reason": p.finish, "logprobs": nil}
		if req.Echo && !s.opts.NoEcho {
			choice["text"] = prompt + content
			if len(req.Logprobs) > 0 && string(req.Logprobs) != "null" {
				choice["logprobs"] = echoLogprobs(prompt, content)
			}
		}
		if req.PromptLogprobs != nil {
			choice["prompt_logprobs"] = promptLogprobs(prompt)
		}
	}
	u := map[string]any{
		"prompt_tokens":     p.usage.prompt,
		"completion_tokens": p.usage.completion,
		"total_tokens":      p.usage.prompt + p.usage.completion,
	}
	if p.usage.cached > 0 {
		u["prompt_tokens_details"] = map[string]any{"cached_tokens": p.usage.cached}
	}
	if p.usage.reasoning > 0 {
		u["completion_tokens_details"] = map[string]any{"reasoning_tokens": p.usage.reasoning}
	}
	object := "chat.completion"
	if !chat {
		object = "text_completion"
	}
	resp := map[string]any{
		"id": "fake", "object": object, "created": time.Now().Unix(), "model": s.opts.Model,
		"choices": []any{choice}, "usage": u,
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// echoLogprobs is OpenAI's legacy logprobs object for prompt+answer: the
// first token has no log-probability (null).
func echoLogprobs(prompt, answer string) map[string]any {
	var tokens []string
	var lps []any
	var offsets []int
	off := 0
	for _, part := range []string{prompt, answer} {
		for _, p := range Pieces(part) {
			tokens = append(tokens, p)
			if len(lps) == 0 {
				lps = append(lps, nil)
			} else {
				lps = append(lps, Logprob(p))
			}
			offsets = append(offsets, off)
			off += len(p)
		}
	}
	return map[string]any{"tokens": tokens, "token_logprobs": lps, "text_offset": offsets, "top_logprobs": nil}
}

// promptLogprobs is vLLM's prompt_logprobs: a list with null first, then
// one map per token from token id to {logprob, rank, decoded_token}. Every
// odd token is made rank 2 beside a more likely rank-1 distractor, as
// vLLM reports a prompt token outside the top k.
func promptLogprobs(prompt string) []any {
	var out []any
	for i, p := range Pieces(prompt) {
		if i == 0 {
			out = append(out, nil)
			continue
		}
		entry := map[string]any{}
		rank := 1
		if i%2 == 1 {
			rank = 2
			entry["99999"] = map[string]any{"logprob": -0.01, "rank": 1, "decoded_token": " distractor"}
		}
		entry[strconv.Itoa(TokenID(p))] = map[string]any{"logprob": Logprob(p), "rank": rank, "decoded_token": p}
		out = append(out, entry)
	}
	return out
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	data := make([]map[string]any, 0, len(s.opts.Models))
	for _, m := range s.opts.Models {
		e := map[string]any{"id": m.ID, "object": "model", "created": time.Now().Unix(), "owned_by": "fakeopenai"}
		if m.Root != "" {
			e["root"] = m.Root
		}
		if m.Revision != "" {
			e["revision"] = m.Revision
		}
		data = append(data, e)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
}

// tokenize answers vLLM/SGLang's {"prompt"} with {"tokens","count"},
// llama.cpp's {"content"} with {"tokens"}, and TGI's {"inputs"} with a
// list of token objects.
func (s *Server) tokenize(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Prompt  *string `json:"prompt"`
		Content *string `json:"content"`
		Inputs  *string `json:"inputs"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body", "invalid_request_error")
		return
	}
	ids := func(text string) []int {
		out := []int{}
		for _, p := range Pieces(text) {
			out = append(out, TokenID(p))
		}
		return out
	}
	var resp any
	switch {
	case req.Prompt != nil:
		t := ids(*req.Prompt)
		resp = map[string]any{"tokens": t, "count": len(t), "max_model_len": 32768}
	case req.Content != nil:
		resp = map[string]any{"tokens": ids(*req.Content)}
	case req.Inputs != nil:
		var list []map[string]any
		off := 0
		for _, p := range Pieces(*req.Inputs) {
			list = append(list, map[string]any{"id": TokenID(p), "text": p, "start": off, "stop": off + len(p)})
			off += len(p)
		}
		resp = list
	default:
		writeError(w, http.StatusUnprocessableEntity, "prompt is required", "invalid_request_error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
