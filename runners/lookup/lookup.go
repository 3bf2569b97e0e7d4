// Package lookup is the built-in offline "lookup" baseline: a model made of
// memory alone, addressed exactly as Engram addresses its tables
// (compressed token ids, hashed suffix N-grams, K prime-sized heads per
// order), but filled from the prompt instead of from training.
//
// It answers the question a report needs beside every Engram claim: how
// much of a task can be done by copying what the context already says,
// with no reasoning at all? Long-context retrieval (RULER's needles, FACTS.md
// §2) is partly solvable this way; reasoning tasks should sit near zero.
//
// Per request it
//
//  1. tokenizes req.Text() with an offline tokenizer and compresses the ids
//     (the compression is built once per tokenizer and kept);
//  2. builds one table per (order, head), sized a distinct prime above
//     about twice the tokens it may hold, and writes into the row of every
//     N-gram the raw id of the token that followed it (latest wins; a slot
//     stores id+1 so 0 means empty);
//  3. generates greedily: at the last position it tries orders from
//     max_order down to 2 and emits the token that all heads of the first
//     order agree on (agreement guards against hash collisions), then
//     writes that token into the tables and moves on.
//
// Generation ends with finish reason "stop" when no order has an agreed
// token (the memory has nothing to say) or when a stop string appears (the
// text is cut before it), and with "length" when the token budget is spent.
// A request with no budget (MaxTokens <= 0) gets DefaultMaxTokens. It is
// deterministic: temperature and seed are ignored.
package lookup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tokenize"
)

// Defaults of the runner's parameters.
const (
	DefaultMaxOrder = 4
	DefaultHeads    = 2
	// DefaultMaxTokens is the budget of a request that sets none.
	DefaultMaxTokens = 256
)

// Kind registers the runner.
var Kind = runners.Kind{
	Name:        "lookup",
	Help:        "offline baseline that copies continuations of N-grams seen in the prompt, using Engram's hashed addressing; no model",
	Params:      specs,
	Concurrency: runtime.GOMAXPROCS(0),
	New:         New,
}

var specs = []params.Spec{
	{Name: "tokenizer", Kind: params.String, Default: tokenize.Default, Choices: tokenize.Names(), Help: "offline tokenizer that splits the prompt"},
	{Name: "max_order", Kind: params.Int, Default: DefaultMaxOrder, Min: params.AtLeast(2), Help: "longest N-gram consulted; orders back off down to 2"},
	{Name: "heads", Kind: params.Int, Default: DefaultHeads, Min: params.AtLeast(1), Help: "hash heads per order that must agree on a token"},
}

// Runner is the lookup engine. It is safe for concurrent use: all state of
// a request lives in that request.
type Runner struct {
	name        string
	tok         tokenize.Tokenizer
	comp        *engram.Compression
	maxOrder    int
	heads       int
	multipliers []int64
}

var _ runners.Runner = (*Runner)(nil)
var _ runners.Modeler = (*Runner)(nil)

// New builds a runner from resolved parameters; unset ones take their
// defaults. It builds (or reuses) the tokenizer's compression, so the first
// request does not pay for it.
func New(name string, p params.Values) (runners.Runner, error) {
	v := params.Defaults(specs)
	for k, x := range p {
		v[k] = x
	}
	var errs []error
	for _, s := range specs {
		if err := s.Check(v[s.Name]); err != nil {
			errs = append(errs, err)
		}
	}
	// Check lets values of the wrong type through; catch them here.
	for _, k := range []string{"max_order", "heads"} {
		if _, ok := v[k].(int); !ok {
			errs = append(errs, fmt.Errorf("%s wants an integer, got %v", k, v[k]))
		}
	}
	if _, ok := v["tokenizer"].(string); !ok {
		errs = append(errs, fmt.Errorf("tokenizer wants a string, got %v", v["tokenizer"]))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	tok, err := tokenize.Get(v.String("tokenizer"))
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	if name == "" {
		name = "lookup"
	}
	comp := compression(tok)
	maxOrder := v.Int("max_order")
	return &Runner{
		name:        name,
		tok:         tok,
		comp:        comp,
		maxOrder:    maxOrder,
		heads:       v.Int("heads"),
		multipliers: engram.Multipliers(0, 0, maxOrder, comp.Size()), // seed 0, layer 0
	}, nil
}

var (
	compMu sync.Mutex
	comps  = map[string]*engram.Compression{}
)

// compression returns the tokenizer's compression, building it on first use.
func compression(tok tokenize.Tokenizer) *engram.Compression {
	compMu.Lock()
	defer compMu.Unlock()
	c, ok := comps[tok.Name()]
	if !ok {
		c = engram.NewCompression(tok)
		comps[tok.Name()] = c
	}
	return c
}

// Name is the runner's name in the suite.
func (r *Runner) Name() string { return r.name }

// Model names the engine and its settings: lookup-<tokenizer>-n<max_order>.
func (r *Runner) Model() string { return fmt.Sprintf("lookup-%s-n%d", r.tok.Name(), r.maxOrder) }

// growthCap bounds how many generated tokens the tables are sized for, so
// that a huge budget does not allocate huge tables; past it, slots are
// shared more often and head agreement weeds out the collisions.
const growthCap = 1 << 16

// ctxEvery is how many positions the table build hashes between checks
// for cancellation.
const ctxEvery = 1024

// Generate continues the prompt from the memory built over it.
func (r *Runner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	resp := runners.Response{Model: r.Model()}
	resp.Timing.Send = time.Now()
	if err := ctx.Err(); err != nil {
		return runners.Response{}, err
	}
	budget := req.MaxTokens
	if budget <= 0 {
		budget = DefaultMaxTokens
	}
	raw := r.tok.Encode(req.Text())
	prompt := len(raw)
	ids := r.comp.AppendCompressed(make([]uint32, 0, prompt+budget), raw)

	base := int64(2*(prompt+min(budget, growthCap)) + 64)
	bases := make([]int64, r.maxOrder-1)
	for i := range bases {
		bases[i] = base
	}
	primes, err := engram.TablePrimes(1, bases, r.heads)
	if err != nil {
		return runners.Response{}, fmt.Errorf("lookup: %w", err)
	}
	layer, err := engram.NewLayer(0, r.maxOrder, primes[0], r.multipliers, r.comp.Pad())
	if err != nil {
		return runners.Response{}, fmt.Errorf("lookup: %w", err)
	}
	table := make([]uint32, layer.TotalRows())
	rows := make([]int64, layer.Width())

	// Every prompt N-gram that has a successor points at it.
	for t := 0; t+1 < prompt; t++ {
		if t%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return runners.Response{}, err
			}
		}
		layer.Rows(rows, ids, t)
		next := raw[t+1] + 1
		for _, row := range rows {
			table[row] = next
		}
	}

	stops, longest := stopList(req.Stop)
	var text []byte
	out := 0
	resp.FinishReason = "length"
	cut := -1
	for out < budget {
		if err := ctx.Err(); err != nil {
			return runners.Response{}, err
		}
		if len(ids) == 0 {
			resp.FinishReason = "stop"
			break
		}
		layer.Rows(rows, ids, len(ids)-1)
		next, ok := r.predict(table, rows)
		if !ok {
			resp.FinishReason = "stop"
			break
		}
		for _, row := range rows {
			table[row] = next + 1
		}
		raw = append(raw, next)
		ids = append(ids, r.comp.ID(next))
		if out == 0 {
			resp.Timing.FirstToken = time.Now()
		}
		out++
		before := len(text)
		text = append(text, r.tok.Piece(next)...)
		if cut = findStop(text, max(0, before-longest+1), stops); cut >= 0 {
			resp.FinishReason = "stop"
			break
		}
	}
	if cut >= 0 {
		text = text[:cut]
	}
	// A budget can end inside a multi-byte character; show it as a decoder would.
	resp.Text = strings.ToValidUTF8(string(text), "\uFFFD")
	// Exact counts: this engine's tokens are the tokenizer's. Completion
	// counts every token generated, including any a stop string cut off,
	// as servers count them.
	resp.Usage = runners.Usage{PromptTokens: prompt, CompletionTokens: out}
	resp.Timing.End = time.Now()
	return resp, nil
}

// predict returns the token that every head of the longest order agrees on.
func (r *Runner) predict(table []uint32, rows []int64) (uint32, bool) {
	k := r.heads
	for n := r.maxOrder; n >= 2; n-- {
		slots := rows[(n-2)*k : (n-1)*k]
		v := table[slots[0]]
		if v == 0 {
			continue
		}
		agree := true
		for _, row := range slots[1:] {
			if table[row] != v {
				agree = false
				break
			}
		}
		if agree {
			return v - 1, true
		}
	}
	return 0, false
}

// stopList drops empty stop strings (they would match at once) and
// returns the rest with the length of the longest.
func stopList(stop []string) ([][]byte, int) {
	var out [][]byte
	longest := 0
	for _, s := range stop {
		if s != "" {
			out = append(out, []byte(s))
			longest = max(longest, len(s))
		}
	}
	return out, longest
}

// findStop returns where the earliest stop string starts in text at or
// after from, or -1. Searching from len(text before the last token) minus
// the longest stop plus one finds every match the last token completed.
func findStop(text []byte, from int, stops [][]byte) int {
	best := -1
	for _, s := range stops {
		if i := bytes.Index(text[from:], s); i >= 0 && (best < 0 || from+i < best) {
			best = from + i
		}
	}
	return best
}
