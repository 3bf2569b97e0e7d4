// Package runners defines how engrambench talks to a model: one Request in,
// one Response out, with the usage and timing a cost report needs. Remote
// APIs, local engines and the built-in offline engines all sit behind the
// same small Runner interface; optional powers (counting tokens the way the
// model does, prompt log-probabilities) are separate interfaces found by
// type assertion.
package runners

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/engrambench/engrambench/params"
)

// Message is one chat turn.
type Message struct {
	Role    string `json:"role"` // "system", "user" or "assistant"
	Content string `json:"content"`
}

// AnswerSpace declares what an instance's answer can be, for offline
// baselines that answer without a model. It is never sent to a model.
type AnswerSpace struct {
	Choices []string `json:"choices,omitempty"` // pick one
	Permute []string `json:"permute,omitempty"` // answer is an ordering of these, space-joined
	Prefix  string   `json:"prefix,omitempty"`  // text the answer is written after, e.g. "So the answer is "
	Suffix  string   `json:"suffix,omitempty"`  // text written after the answer, e.g. "."
}

// Request is what a task asks of a model. Either Messages (chat) or Prompt
// (raw completion) is set.
type Request struct {
	Messages    []Message    `json:"messages,omitempty"`
	Prompt      string       `json:"prompt,omitempty"`
	MaxTokens   int          `json:"max_tokens"`
	Temperature float64      `json:"temperature"`
	Stop        []string     `json:"stop,omitempty"`
	Seed        int64        `json:"seed"`
	AnswerSpace *AnswerSpace `json:"answer_space,omitempty"`
	// PromptLogprobs asks for the log-probabilities of Prompt instead of a
	// generation (document perplexity); the runner must be a Logprober.
	PromptLogprobs bool `json:"prompt_logprobs,omitempty"`
}

// IsChat reports whether the request is in chat form.
func (r Request) IsChat() bool { return len(r.Messages) > 0 }

// Text is the whole prompt as one string: the raw prompt, or the chat
// messages' contents joined by blank lines. Offline engines read this.
func (r Request) Text() string {
	if !r.IsChat() {
		return r.Prompt
	}
	parts := make([]string, 0, len(r.Messages))
	for _, m := range r.Messages {
		parts = append(parts, m.Content)
	}
	return strings.Join(parts, "\n\n")
}

// Hash identifies a request by its content: two requests with the same hash
// ask the same thing. It is stored on every sample and keys response caches.
func (r Request) Hash() string {
	b, _ := json.Marshal(r) // plain structs: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Usage counts tokens. Estimated is set when the counts come from a client
// tokenizer rather than the server.
type Usage struct {
	PromptTokens     int  `json:"prompt_tokens"`
	CompletionTokens int  `json:"completion_tokens"` // answer and reasoning together, as servers count
	CachedTokens     int  `json:"cached_tokens,omitempty"`
	ReasoningTokens  int  `json:"reasoning_tokens,omitempty"`
	Estimated        bool `json:"estimated,omitempty"`
	// Client counts from a client tokenizer, kept beside the server's so a
	// report can show where the two disagree; 0 when not counted.
	ClientPromptTokens     int `json:"client_prompt_tokens,omitempty"`
	ClientCompletionTokens int `json:"client_completion_tokens,omitempty"`
}

// Timing records when a request was sent, when its first content token
// arrived and when it ended (FACTS.md §6).
type Timing struct {
	// Intended is when the request was meant to go out (open-loop load,
	// or when it was queued); zero means the same as Send.
	Intended   time.Time `json:"intended,omitzero"`
	Send       time.Time `json:"send"`
	FirstToken time.Time `json:"first_token"`
	End        time.Time `json:"end"`
	// Chunks are the arrival offsets from Send of every content chunk of a
	// streamed response, for chunk-gap distributions.
	Chunks []time.Duration `json:"chunks,omitempty"`
}

// Lag is Send minus Intended: how long the request waited on our side.
func (t Timing) Lag() time.Duration {
	if t.Intended.IsZero() || t.Send.IsZero() {
		return 0
	}
	return t.Send.Sub(t.Intended)
}

// Gaps returns the gaps between consecutive content chunks.
func (t Timing) Gaps() []time.Duration {
	if len(t.Chunks) < 2 {
		return nil
	}
	out := make([]time.Duration, len(t.Chunks)-1)
	for i := 1; i < len(t.Chunks); i++ {
		out[i-1] = t.Chunks[i] - t.Chunks[i-1]
	}
	return out
}

// TTFT is first content token minus send; 0 when unknown.
func (t Timing) TTFT() time.Duration {
	if t.FirstToken.IsZero() || t.Send.IsZero() {
		return 0
	}
	return t.FirstToken.Sub(t.Send)
}

// E2E is end minus send; 0 when unknown.
func (t Timing) E2E() time.Duration {
	if t.End.IsZero() || t.Send.IsZero() {
		return 0
	}
	return t.End.Sub(t.Send)
}

// TPOT is (E2E - TTFT) / (output tokens - 1); 0 when undefined.
func (t Timing) TPOT(outputTokens int) time.Duration {
	if outputTokens < 2 || t.TTFT() == 0 {
		return 0
	}
	return (t.E2E() - t.TTFT()) / time.Duration(outputTokens-1)
}

// Response is what came back. Text is the answer only; reasoning the model
// showed (a separate field, or <think> blocks) is kept in Reasoning and is
// never seen by scorers.
type Response struct {
	Text         string `json:"text"`
	Reasoning    string `json:"reasoning,omitempty"`
	FinishReason string `json:"finish_reason,omitempty"` // "stop", "length", ...
	Model        string `json:"model,omitempty"`
	Usage        Usage  `json:"usage"`
	Timing       Timing `json:"timing"`
	Attempts     int    `json:"attempts,omitempty"` // requests sent for this response, retries included
	Cached       bool   `json:"cached,omitempty"`   // served from a response cache, not the model
}

// Runner drives one model. Generate returns an error only when there is no
// usable response; a wrong answer is not an error.
type Runner interface {
	Name() string
	Generate(ctx context.Context, req Request) (Response, error)
}

// Wrapper is implemented by middleware around a runner, so optional powers
// of the runner inside stay reachable through Find.
type Wrapper interface {
	Unwrap() Runner
}

// Find returns the first runner in r's chain of wrappers (r included) that
// implements T.
func Find[T any](r Runner) (T, bool) {
	for r != nil {
		if t, ok := r.(T); ok {
			return t, true
		}
		w, ok := r.(Wrapper)
		if !ok {
			break
		}
		r = w.Unwrap()
	}
	var zero T
	return zero, false
}

// Closer is implemented by runners that hold resources (processes, files).
type Closer interface {
	Close() error
}

// Modeler is implemented by runners that know the model they drive before
// the first response names it.
type Modeler interface {
	Model() string
}

// Identifier is implemented by runners that can say exactly which model
// answers: base URL, model and revision. Response caches key on it, so one
// model's answers are never served for another's.
type Identifier interface {
	Identity() string
}

// TokenCounter is implemented by runners that count tokens the way the
// model does (a server's /tokenize endpoint), so long-context prompts are
// fitted with the model's own tokenizer.
type TokenCounter interface {
	CountTokens(ctx context.Context, text string) (int, error)
}

// TokenLogprob is one prompt token with its log-probability given what
// came before (the first token has none: OK is false).
type TokenLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	OK      bool    `json:"ok"`
}

// Logprober is implemented by runners that can score a text under the
// model (prompt log-probabilities), for document perplexity.
type Logprober interface {
	PromptLogprobs(ctx context.Context, text string) ([]TokenLogprob, error)
}

// EngineStats are what a local engine cost while it ran: its wall time
// and the resident memory of its whole process tree.
type EngineStats struct {
	Command      string  `json:"command"`
	WallSeconds  float64 `json:"wall_seconds"`
	PeakRSSBytes uint64  `json:"peak_rss_bytes,omitempty"`
	MeanRSSBytes float64 `json:"mean_rss_bytes,omitempty"`
	RSSSamples   int     `json:"rss_samples,omitempty"`
	// CostUSD is wall time at the runner's price per GPU-hour.
	CostUSD float64 `json:"cost_usd,omitempty"`
}

// EngineReporter is implemented by runners that started an engine process.
type EngineReporter interface {
	EngineStats() EngineStats
}

// Kind is one sort of runner that a suite can name: its parameters and how
// to build it. The catalog lists every kind on one page.
type Kind struct {
	Name   string
	Help   string
	Params []params.Spec
	// Concurrency is the default number of requests in flight; a runner's
	// "concurrency" parameter overrides it.
	Concurrency int
	New         func(name string, p params.Values) (Runner, error)
}

// Common parameters every runner kind accepts, besides its own. The
// executor applies them (middleware, pricing) around whatever the kind builds.
var Common = []params.Spec{
	{Name: "concurrency", Kind: params.Int, Min: params.AtLeast(1), Help: "requests in flight at once (the ceiling when adaptive)"},
	{Name: "model", Kind: params.String, Help: "model name, sent to the server and recorded on samples"},
	{Name: "rpm", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "requests per minute at most (0: no limit)"},
	{Name: "tpm", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "tokens per minute at most, prompt and output (0: no limit)"},
	{Name: "retries", Kind: params.Int, Default: 4, Min: params.AtLeast(0), Help: "retries of a request that failed with 429, 5xx, a timeout or a dropped connection"},
	{Name: "retry_time", Kind: params.Float, Default: 120.0, Min: params.AtLeast(0), Help: "seconds a request may spend in retries before its error is recorded"},
	{Name: "adaptive", Kind: params.Bool, Default: true, Help: "lower concurrency on 429 and raise it again as requests succeed"},
	{Name: "cache", Kind: params.Bool, Default: true, Help: "serve repeated requests from the response cache (off with --no-cache)"},
	{Name: "price_input", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "dollars per million prompt tokens"},
	{Name: "price_cached_input", Kind: params.Float, Min: params.AtLeast(0), Help: "dollars per million cached prompt tokens (default: price_input)"},
	{Name: "price_output", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "dollars per million output tokens"},
	{Name: "price_gpu_hour", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "dollars per GPU-hour of a local engine, shared across its samples"},
}
