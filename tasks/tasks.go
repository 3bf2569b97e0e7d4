// Package tasks defines what a task set hands the executor (Instances,
// generated lazily and deterministically from a seed) and how answers are
// judged (a Scorer turning a Response into a Score). Concrete sets live in
// sub-packages: tasks/bbh, tasks/longctx, tasks/coding.
package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"sort"
	"strings"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

// Instance is one question. Its ID is stable across runs and machines: it
// is derived from the set, task, labels, index and content, never from time
// or map order.
type Instance struct {
	ID     string            `json:"id"`
	Set    string            `json:"set"`
	Task   string            `json:"task"`
	Labels map[string]string `json:"labels,omitempty"` // cell parameters, e.g. len=4096, shots=3
	Index  int               `json:"index"`
	Seed   int64             `json:"seed"`

	Request   runners.Request `json:"request"`
	Reference Reference       `json:"reference"`
}

// Reference is what a correct answer looks like.
type Reference struct {
	// Answers are the gold values (a target, needle values, aliases).
	Answers []string `json:"answers"`
	// Completion is a full response text that must earn full marks: the
	// self-check feeds it to the scorer.
	Completion string `json:"completion"`
}

// Cell names the group an instance is reported in: set, task and labels in
// key=value form, e.g. "bbh/task=word_sorting/gen=1".
func (in Instance) Cell() string { return CellName(in.Set, in.Task, in.Labels) }

// CellName builds a cell name with labels in sorted order.
func CellName(set, task string, labels map[string]string) string {
	var b strings.Builder
	b.WriteString(set)
	b.WriteString("/task=")
	b.WriteString(task)
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "/%s=%s", k, labels[k])
	}
	return b.String()
}

// MakeID builds a stable instance ID from the cell, the index and a hash of
// the content, so that a changed generator never matches an old sample on
// resume.
func MakeID(set, task string, labels map[string]string, index int, content ...string) string {
	h := sha256.New()
	for _, c := range content {
		h.Write([]byte(c))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%s/%04d-%s", CellName(set, task, labels), index, hex.EncodeToString(h.Sum(nil)[:4]))
}

// Score is the judgement of one response. Value is in [0, 1]; a wrong
// answer is 0, never an error.
type Score struct {
	Value     float64 `json:"value"`
	Extracted string  `json:"extracted"`
	Detail    string  `json:"detail,omitempty"`
}

// Scorer judges responses. An error means the scorer itself broke (an
// infrastructure fault), not that the answer was wrong.
type Scorer interface {
	Score(ctx context.Context, in Instance, r runners.Response) (Score, error)
}

// ScorerFunc adapts a function to Scorer.
type ScorerFunc func(ctx context.Context, in Instance, r runners.Response) (Score, error)

// Score calls f.
func (f ScorerFunc) Score(ctx context.Context, in Instance, r runners.Response) (Score, error) {
	return f(ctx, in, r)
}

// TaskSet yields instances. Instances must be deterministic in p (which
// always holds "seed") and must come out grouped by task, in a fixed order.
type TaskSet interface {
	Name() string
	Help() string
	Params() []params.Spec
	Instances(ctx context.Context, p params.Values) iter.Seq2[Instance, error]
	Scorer() Scorer
}

// DailySeed, given as a seed, means today's UTC date as YYYYMMDD: fresh
// instances every night. Plans resolve it when they are made, so a resumed
// run asks the same questions.
const DailySeed = -1

// ResolveSeed turns DailySeed into the date's seed; other seeds stay.
func ResolveSeed(seed int64, now time.Time) int64 {
	if seed != DailySeed {
		return seed
	}
	y, m, d := now.UTC().Date()
	return int64(y*10000 + int(m)*100 + d)
}

// Common parameters every task set accepts, besides its own. The executor
// handles them.
var Common = []params.Spec{
	{Name: "seed", Kind: params.Int, Default: 1, Help: "seed for generated instances (-1: today's UTC date, for fresh nightly sets)"},
	{Name: "samples", Kind: params.Int, Default: 1, Min: params.AtLeast(1), Help: "generations per instance (for pass@k)"},
	{Name: "temperature", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "sampling temperature sent to the model"},
}

// AllParams is a set's own parameters plus the common ones.
func AllParams(s TaskSet) []params.Spec {
	return append(append([]params.Spec(nil), s.Params()...), Common...)
}

// Conversational is implemented by a Scorer whose instances are
// conversations (code-session): the executor calls Converse instead of one
// Generate and Score. Converse sends every turn through generate with the
// model's own earlier answers, and returns one Response (Text: a transcript
// Score reads back; Usage summed; Timing from first send to last end) and
// its Score. A generate error comes back wrapped (a request error); a
// scorer failure satisfies interface{ ScorerFault() bool } with true.
type Conversational interface {
	Converse(ctx context.Context, in Instance, generate func(context.Context, runners.Request) (runners.Response, error)) (runners.Response, Score, error)
}

// Sizer is implemented by sets that can say how many instances each cell
// holds without generating them, so a run knows its total up front. Sets
// without it are counted by generating their instances once.
type Sizer interface {
	Sizes(p params.Values) map[string]int // cell name → instances
}

// Sizes returns the instances per cell of a set, by Sizer or by counting.
func Sizes(ctx context.Context, set TaskSet, p params.Values) (map[string]int, error) {
	if s, ok := set.(Sizer); ok {
		return s.Sizes(p), nil
	}
	out := map[string]int{}
	for in, err := range set.Instances(ctx, p) {
		if err != nil {
			return nil, err
		}
		out[in.Cell()]++
	}
	return out, nil
}

// Prompt forms a task set renders: one chat conversation, or a raw prompt
// for a completions endpoint.
const (
	FormChat       = "chat"
	FormCompletion = "completion"
)

// FormSpec declares the "form" parameter every prompt-rendering set takes.
func FormSpec(help string) params.Spec {
	return params.Spec{Name: "form", Kind: params.String, Default: FormChat, Choices: []string{FormChat, FormCompletion}, Help: help}
}
