// Package openai is the runner for every server that speaks OpenAI's chat
// and text completions API: vLLM, SGLang, llama.cpp's server, Ollama, TGI,
// LM Studio, DeepSeek's API and OpenAI itself.
//
// # Why a hand-written client, not the official SDK
//
// The official Go SDK (github.com/openai/openai-go/v3) was considered and
// not used. Its stream decoder treats a body that ends without [DONE] as a
// normal end and drops a last event that has no blank line after it, so a
// stream cut mid-answer would look like a short answer: the one failure a
// benchmark must never hide. It retries inside the call (twice by default),
// which would hide attempts and bend latency; it times an event only after
// decoding it into a typed struct; fields other servers add
// (reasoning_content, vLLM's prompt_logprobs, DeepSeek's cache counts) are
// reachable only as raw extras; and it has no /tokenize. This client is
// small instead: net/http with a Transport tuned for many long-lived
// streams (HTTP/1.1, one stream per connection as the Python benchmark
// tools do, idle connections kept for the whole concurrency, no gzip), its
// own SSE reader that stamps each event with the moment its last byte was
// read, a chunk decoder that gives encoding/json's results (fuzzed against
// it) at a fraction of its cost, and its own error classes.
//
// # Timing (runners.Timing, FACTS.md §6)
//
//   - Intended: when Generate was called. Connection set-up (dial, TLS)
//     therefore shows as schedule lag, not as time to first token.
//   - Send: when the transport had written the whole request (httptrace's
//     WroteRequest); in the rare case the response overtakes that callback,
//     the moment before the request was handed to the transport.
//   - FirstToken: arrival of the first event carrying non-empty answer or
//     reasoning text; a role-only or empty chunk does not count. A model
//     that reasons first has begun generating when its reasoning arrives.
//   - Chunks: arrival offsets from Send of every such event.
//   - End: arrival of the last such event; for a stream with none, the
//     end of the stream; for a non-streamed response, the end of the body
//     (whose FirstToken stays zero: unknown, never guessed).
//
// Arrival is when an event's last byte reached the machine: on Linux the
// kernel's receive stamp of the bytes (runners/netstamp), so neither this
// process's load nor its garbage collector delays it; elsewhere, or for a
// segment the kernel did not stamp, the moment the read that delivered it
// returned. Either way it is taken before the event is parsed, and never
// earlier than Send.
//
// # Reasoning
//
// reasoning_content (or reasoning) deltas go to Response.Reasoning. With
// think_tags, a <think>...</think> block at the start of the content is
// moved there too, as is everything before a closing </think> that has no
// opening tag (servers whose chat template opens the block themselves).
// The split is made on the whole content once the stream ends, so a tag
// split across chunks needs no special case.
//
// # Usage
//
// Token counts come from the server's usage (the final chunk that
// stream_options.include_usage asks for; cached tokens from
// prompt_tokens_details or DeepSeek's prompt_cache_hit_tokens; reasoning
// tokens from completion_tokens_details). The client tokenizer always
// counts too (ClientPromptTokens over Request.Text, ClientCompletionTokens
// over answer and reasoning as sent), so reports can show disagreements;
// without server usage its counts stand in and Estimated is set, as it is
// when reasoning tokens had to be counted on our side.
//
// # Errors
//
// Every failure is a *runners.RequestError:
//
//   - 429: rate_limit, with Retry-After (seconds or a date) or OpenAI's
//     retry-after-ms;
//   - 5xx: server; an {"error"} object inside a 200 response is classed
//     by its code the same way, and as server when it has none;
//   - other 4xx: client, with a one-line excerpt of the body, the API key
//     and anything shaped like one redacted;
//   - refused, reset or cut connections, and a stream that ends with
//     neither [DONE] nor a finish_reason: connection, never a short answer;
//   - the request's timeout, or idle_timeout without a byte: timeout;
//   - malformed JSON or SSE (a line over 1 MiB included): protocol.
//
// When the caller's context ends, Generate returns ctx.Err() as it is.
package openai

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/runners/netstamp"
	"github.com/engrambench/engrambench/tokenize"
)

// Defaults of the runner's parameters.
const (
	DefaultAPIKeyEnv   = "OPENAI_API_KEY"
	DefaultTimeout     = 600.0 // seconds for a whole request
	DefaultIdleTimeout = 60.0  // seconds without a byte
	DefaultConcurrency = 16
)

// Kind registers the runner.
var Kind = runners.Kind{
	Name:        "openai",
	Help:        "any OpenAI-compatible server: vLLM, SGLang, llama.cpp, Ollama, TGI, LM Studio, DeepSeek, OpenAI",
	Params:      specs,
	Concurrency: DefaultConcurrency,
	New:         New,
}

var specs = []params.Spec{
	{Name: "url", Kind: params.String, Help: "base URL including /v1, e.g. http://localhost:8000/v1 (required)"},
	{Name: "api_key_env", Kind: params.String, Default: DefaultAPIKeyEnv, Help: "environment variable holding the API key (unset or empty: no key is sent)"},
	{Name: "api_key_file", Kind: params.String, Help: "file holding the API key; wins over api_key_env"},
	{Name: "endpoint", Kind: params.String, Default: "chat", Choices: []string{"chat", "completions"}, Help: "chat: /chat/completions (a prompt is sent as one user message); completions: /completions (messages are joined as Request.Text does, no chat template)"},
	{Name: "stream", Kind: params.Bool, Default: true, Help: "stream the answer (needed for time to first token and chunk gaps)"},
	{Name: "timeout", Kind: params.Float, Default: DefaultTimeout, Min: params.AtLeast(0), Help: "seconds a whole request may take"},
	{Name: "idle_timeout", Kind: params.Float, Default: DefaultIdleTimeout, Min: params.AtLeast(0), Help: "seconds without a byte from the server (keep-alives count) before the request times out"},
	{Name: "max_tokens_field", Kind: params.String, Default: "max_tokens", Choices: []string{"max_tokens", "max_completion_tokens"}, Help: "field that carries the token budget (OpenAI's reasoning models want max_completion_tokens)"},
	{Name: "tokenizer", Kind: params.String, Default: tokenize.Default, Choices: tokenize.Names(), Help: "offline tokenizer for client-side token counts and estimates"},
	{Name: "think_tags", Kind: params.Bool, Default: true, Help: "move <think>...</think> out of the answer into the reasoning"},
	{Name: "extra", Kind: params.String, Help: `JSON object merged into every request body, e.g. {"top_k":1} or {"chat_template_kwargs":{"enable_thinking":false}}; it may replace temperature, seed and stop`},
	{Name: "prompt_logprobs", Kind: params.Bool, Default: false, Help: "score prompts with vLLM's prompt_logprobs instead of echo with logprobs"},
}

// managed are the body fields the runner sets itself; extra may not.
var managed = []string{"model", "messages", "prompt", "max_tokens", "max_completion_tokens", "stream", "stream_options", "echo", "logprobs", "prompt_logprobs", "n"}

// replaceable are the body fields extra may replace (or drop, with null).
var replaceable = []string{"temperature", "seed", "stop"}

// Runner talks to one model on one server. It is safe for concurrent use.
type Runner struct {
	name, model string
	base        string // the url parameter, without a trailing slash
	root        string // base without a trailing /v1: where /tokenize lives
	genURL      string
	chat        bool
	stream      bool
	timeout     time.Duration
	idle        time.Duration
	maxField    string
	tok         tokenize.Tokenizer
	thinkTags   bool
	vllmLogp    bool
	extra       []byte          // members of the extra object, without braces; nil for none
	replaced    map[string]bool // fields of replaceable that extra sets
	extraHash   string
	auth        string // "Bearer <key>", or "" for none
	key         string // for redaction only
	client      *http.Client
	transport   *http.Transport

	revOnce  sync.Once
	revision string
	flavour  atomic.Int32 // the /tokenize dialect that last worked
}

var (
	_ runners.Runner       = (*Runner)(nil)
	_ runners.Identifier   = (*Runner)(nil)
	_ runners.TokenCounter = (*Runner)(nil)
	_ runners.Logprober    = (*Runner)(nil)
	_ runners.Modeler      = (*Runner)(nil)
	_ runners.Closer       = (*Runner)(nil)
)

// New builds a runner from resolved parameters (its own and the common
// ones); unset ones take their defaults. It reports every problem at once
// and makes no request.
func New(name string, p params.Values) (runners.Runner, error) {
	v := params.Defaults(specs)
	for k, x := range p {
		v[k] = x
	}
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, s := range specs {
		if !v.Has(s.Name) {
			continue
		}
		if err := checkType(s, v[s.Name]); err != nil {
			errs = append(errs, err)
		} else if err := s.Check(v[s.Name]); err != nil {
			errs = append(errs, err)
		}
	}
	r := &Runner{
		name:      name,
		model:     v.String("model"),
		chat:      v.String("endpoint") != "completions",
		stream:    v.Bool("stream"),
		timeout:   seconds(v.Float("timeout")),
		idle:      seconds(v.Float("idle_timeout")),
		maxField:  v.String("max_tokens_field"),
		thinkTags: v.Bool("think_tags"),
		vllmLogp:  v.Bool("prompt_logprobs"),
	}
	if r.name == "" {
		r.name = "openai"
	}
	if r.model == "" {
		bad("model is required: the name the server serves (GET <url>/models lists them)")
	}
	if r.timeout <= 0 {
		bad("timeout must be more than 0 seconds")
	}
	if r.idle <= 0 {
		bad("idle_timeout must be more than 0 seconds")
	}
	base, err := checkURL(v.String("url"))
	if err != nil {
		errs = append(errs, err)
	}
	r.base = base
	r.root = strings.TrimSuffix(base, "/v1")
	if r.chat {
		r.genURL = base + "/chat/completions"
	} else {
		r.genURL = base + "/completions"
	}
	if s := v.String("extra"); s != "" {
		if err := r.setExtra(s); err != nil {
			errs = append(errs, err)
		}
	}
	key, err := runners.ReadKey(v.String("api_key_env"), v.String("api_key_file"))
	if err != nil {
		errs = append(errs, err)
	}
	if key != "" {
		r.key, r.auth = key, "Bearer "+key
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	if r.tok, err = tokenize.Get(v.String("tokenizer")); err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	r.transport = newTransport(max(v.Int("concurrency"), DefaultConcurrency))
	r.client = &http.Client{Transport: r.transport}
	return r, nil
}

// checkType catches values of the wrong type, which Spec.Check lets by.
func checkType(s params.Spec, x any) error {
	ok := true
	switch s.Kind {
	case params.String:
		_, ok = x.(string)
	case params.Bool:
		_, ok = x.(bool)
	case params.Float:
		switch x.(type) {
		case float64, int:
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("%s wants a %s, got %v", s.Name, s.Kind, x)
	}
	return nil
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// checkURL validates the base URL and returns it without a trailing slash.
func checkURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("url is required: the server's base URL including /v1, e.g. http://localhost:8000/v1")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url %q does not parse: %v", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("url %q needs a scheme: http:// or https://", raw)
	case u.Host == "":
		return "", fmt.Errorf("url %q has no host", raw)
	case u.User != nil:
		return "", errors.New("url must not carry credentials; put the key in the environment variable api_key_env names")
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("url %q must not have a query or fragment", u.Redacted())
	}
	return strings.TrimRight(raw, "/"), nil
}

// setExtra checks the extra JSON object and keeps its members, compacted.
func (r *Runner) setExtra(s string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return fmt.Errorf("extra must be a JSON object: %q", s)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return fmt.Errorf("extra: %v", err)
	}
	for k := range m {
		if slices.Contains(managed, k) {
			return fmt.Errorf("extra may not set %q: the runner sets it", k)
		}
		if slices.Contains(replaceable, k) {
			if r.replaced == nil {
				r.replaced = map[string]bool{}
			}
			r.replaced[k] = true
		}
	}
	inner := bytes.TrimSpace(b.Bytes())
	inner = bytes.TrimSpace(inner[1 : len(inner)-1])
	if len(inner) > 0 {
		r.extra = inner
		sum := sha256.Sum256(inner)
		r.extraHash = hex.EncodeToString(sum[:6])
	}
	return nil
}

// newTransport is tuned for many concurrent streams to one host.
func newTransport(concurrency int) *http.Transport {
	var protos http.Protocols
	protos.SetHTTP1(true) // one stream per connection: no HTTP/2 flow control coupling the streams
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           netstamp.DialContext(&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}),
		Protocols:             &protos,
		MaxIdleConns:          0, // no limit overall
		MaxIdleConnsPerHost:   max(concurrency, 256),
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: 0,
		DisableCompression:    true, // gzip would hold back events
		WriteBufferSize:       32 << 10,
		ReadBufferSize:        16 << 10,
	}
}

// Name is the runner's name in the suite.
func (r *Runner) Name() string { return r.name }

// Model is the model name sent to the server.
func (r *Runner) Model() string { return r.model }

// Close drops idle connections.
func (r *Runner) Close() error {
	r.transport.CloseIdleConnections()
	return nil
}

// Identity is "openai:" + base URL + "|" + model, with "@revision" when
// the server's /models names one for the model (a "revision" field, or
// vLLM's "root" when it differs from the served name), and any setting
// that changes answers: "|endpoint=completions", "|think_tags=false",
// "|extra=" + a hash of extra. It never includes the key. The revision is
// fetched once, on first use; when the fetch fails there is none.
func (r *Runner) Identity() string {
	r.revOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), min(r.timeout, 10*time.Second))
		defer cancel()
		r.revision, _ = r.fetchRevision(ctx)
	})
	id := "openai:" + r.base + "|" + r.model
	if r.revision != "" {
		id += "@" + r.revision
	}
	if !r.chat {
		id += "|endpoint=completions"
	}
	if !r.thinkTags {
		id += "|think_tags=false"
	}
	if r.extraHash != "" {
		id += "|extra=" + r.extraHash
	}
	return id
}

// fetchRevision reads GET /models and returns what it says of the model's
// revision.
func (r *Runner) fetchRevision(ctx context.Context) (string, error) {
	x := r.begin(ctx)
	defer x.end()
	res, err := x.do(r, http.MethodGet, r.base+"/models", nil, false)
	if err != nil {
		return "", x.fail(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", r.statusError(res)
	}
	var list struct {
		Data []struct {
			ID       string `json:"id"`
			Root     string `json:"root"`
			Revision string `json:"revision"`
		} `json:"data"`
	}
	body, err := x.readAll(res.Body)
	if err != nil {
		return "", x.fail(err)
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return "", protocolError("models list", err)
	}
	for _, m := range list.Data {
		if m.ID != r.model {
			continue
		}
		switch {
		case m.Revision != "":
			return m.Revision, nil
		case m.Root != "" && m.Root != m.ID:
			return m.Root, nil
		}
	}
	return "", nil
}
