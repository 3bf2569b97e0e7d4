// Package random is the chance-level baseline: it answers uniformly at
// random from the answer space a task declares (runners.AnswerSpace), so a
// report can place every model's score against what guessing gets on the
// same instances. With no answer space it returns an empty answer (a null
// prediction), never an error, so tasks without one score it as zero.
//
// It is deterministic: the generator is seeded from the request's seed and
// content hash, so a repeat of a sample is identical and samples with
// different seeds draw independently.
package random

import (
	"context"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tokenize"
)

// Kind registers the runner. It has no parameters of its own.
var Kind = runners.Kind{
	Name:        "random",
	Help:        "chance-level baseline: a uniformly random answer from the task's answer space; empty when it has none",
	Concurrency: runtime.GOMAXPROCS(0),
	New:         New,
}

// Runner is the random baseline. It is safe for concurrent use.
type Runner struct {
	name string
	tok  tokenize.Tokenizer // counts tokens for the usage estimate
}

var _ runners.Runner = (*Runner)(nil)
var _ runners.Modeler = (*Runner)(nil)

// New builds the runner; it accepts only the common parameters.
func New(name string, _ params.Values) (runners.Runner, error) {
	tok, err := tokenize.Get(tokenize.Default)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = "random"
	}
	return &Runner{name: name, tok: tok}, nil
}

// Name is the runner's name in the suite.
func (r *Runner) Name() string { return r.name }

// Model is "random".
func (r *Runner) Model() string { return "random" }

// Generate draws one answer. Choices, when set, win over Permute.
func (r *Runner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	resp := runners.Response{Model: r.Model(), FinishReason: "stop"}
	resp.Timing.Send = time.Now()
	if err := ctx.Err(); err != nil {
		return runners.Response{}, err
	}
	if text, ok := Answer(req); ok {
		resp.Text = text
		resp.Timing.FirstToken = time.Now()
	}
	resp.Usage = runners.Usage{
		PromptTokens:     r.tok.Count(req.Text()),
		CompletionTokens: r.tok.Count(resp.Text),
		Estimated:        true, // no model tokenized anything
	}
	resp.Timing.End = time.Now()
	return resp, nil
}

// Answer returns the random answer for req, written between the answer
// space's prefix and suffix, and false when there is nothing to choose from.
func Answer(req runners.Request) (string, bool) {
	s := req.AnswerSpace
	if s == nil || (len(s.Choices) == 0 && len(s.Permute) == 0) {
		return "", false
	}
	rng := rand.New(rand.NewPCG(uint64(req.Seed), hashWord(req.Hash())))
	var answer string
	if len(s.Choices) > 0 {
		answer = s.Choices[rng.IntN(len(s.Choices))]
	} else {
		order := rng.Perm(len(s.Permute))
		parts := make([]string, len(order))
		for i, j := range order {
			parts[i] = s.Permute[j]
		}
		answer = strings.Join(parts, " ")
	}
	return s.Prefix + answer + s.Suffix, true
}

// hashWord reads the first 64 bits of a hex request hash.
func hashWord(h string) uint64 {
	w, _ := strconv.ParseUint(h[:min(16, len(h))], 16, 64) // Hash is always hex
	return w
}
