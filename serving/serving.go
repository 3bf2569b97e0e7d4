// Package serving measures a runner as a server: open-loop arrivals at a
// rate (Poisson or constant, or a sweep of rates) and closed-loop
// concurrency sweeps, with prompt and output lengths drawn from
// distributions. It reports the serving metrics of FACTS.md §6 — TTFT,
// TPOT, chunk gaps and end-to-end latency, measured from the intended send
// time as well as the actual one, so a client-side queue cannot hide
// latency — with throughput, goodput against SLOs, schedule lag and the
// rate actually achieved.
package serving

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tokenize"
)

// Params are the serving section of a suite file.
var Params = []params.Spec{
	{Name: "runner", Kind: params.String, Help: "the runner under load (default: the suite's only runner)"},
	{Name: "mode", Kind: params.String, Default: "open", Choices: []string{"open", "closed"}, Help: "open: arrivals at a rate; closed: a fixed number of clients sending back to back"},
	{Name: "arrival", Kind: params.String, Default: "poisson", Choices: []string{"poisson", "constant"}, Help: "open loop: how arrivals are spaced"},
	{Name: "rates", Kind: params.Strings, Default: []string{"4"}, Help: "open loop: request rates per second to sweep"},
	{Name: "concurrency", Kind: params.Ints, Default: []int{1, 4}, Min: params.AtLeast(1), Help: "closed loop: client counts to sweep"},
	{Name: "duration", Kind: params.Float, Default: 10.0, Min: params.AtLeast(0.1), Help: "seconds each step sends for"},
	{Name: "max_requests", Kind: params.Int, Default: 0, Min: params.AtLeast(0), Help: "requests per step at most (0: no cap)"},
	{Name: "prompt_tokens", Kind: params.Ints, Default: []int{128, 512}, Min: params.AtLeast(1), Help: "prompt length in tokens: [n] fixed or [min, max] uniform"},
	{Name: "output_tokens", Kind: params.Ints, Default: []int{64, 128}, Min: params.AtLeast(1), Help: "output budget in tokens: [n] fixed or [min, max] uniform"},
	{Name: "slo_ttft_ms", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "goodput SLO on TTFT from intended send (0: none)"},
	{Name: "slo_tpot_ms", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "goodput SLO on TPOT (0: none)"},
	{Name: "slo_e2e_ms", Kind: params.Float, Default: 0.0, Min: params.AtLeast(0), Help: "goodput SLO on end-to-end latency from intended send (0: none)"},
	{Name: "tokenizer", Kind: params.String, Default: tokenize.Default, Choices: tokenize.Names(), Help: "tokenizer prompts are measured with"},
	{Name: "seed", Kind: params.Int, Default: 1, Help: "seed for arrivals and lengths"},
}

// Step is one point of a sweep.
type Step struct {
	Mode        string  // "open" or "closed"
	Rate        float64 // open loop: intended requests per second
	Concurrency int     // closed loop: clients
}

func (s Step) String() string {
	if s.Mode == "open" {
		return fmt.Sprintf("open/rate=%g", s.Rate)
	}
	return fmt.Sprintf("closed/concurrency=%d", s.Concurrency)
}

// Config is a resolved serving section.
type Config struct {
	Steps        []Step
	Poisson      bool
	Duration     time.Duration
	MaxRequests  int
	PromptTokens [2]int // min, max (equal for fixed)
	OutputTokens [2]int
	SLOTTFT      time.Duration
	SLOTPOT      time.Duration
	SLOE2E       time.Duration
	Tokenizer    string
	Seed         int64
}

// FromParams resolves the suite's serving parameters.
func FromParams(p params.Values) (Config, error) {
	c := Config{
		Poisson:     p.String("arrival") != "constant",
		Duration:    time.Duration(p.Float("duration") * float64(time.Second)),
		MaxRequests: p.Int("max_requests"),
		SLOTTFT:     ms(p.Float("slo_ttft_ms")),
		SLOTPOT:     ms(p.Float("slo_tpot_ms")),
		SLOE2E:      ms(p.Float("slo_e2e_ms")),
		Tokenizer:   p.String("tokenizer"),
		Seed:        int64(p.Int("seed")),
	}
	var err error
	if c.PromptTokens, err = span("prompt_tokens", p.Ints("prompt_tokens")); err != nil {
		return c, err
	}
	if c.OutputTokens, err = span("output_tokens", p.Ints("output_tokens")); err != nil {
		return c, err
	}
	switch p.String("mode") {
	case "open":
		for _, r := range p.Strings("rates") {
			var rate float64
			if _, err := fmt.Sscan(r, &rate); err != nil || rate <= 0 || math.IsInf(rate, 0) {
				return c, fmt.Errorf("rates: %q is not a positive number of requests per second", r)
			}
			c.Steps = append(c.Steps, Step{Mode: "open", Rate: rate})
		}
	default:
		for _, n := range p.Ints("concurrency") {
			c.Steps = append(c.Steps, Step{Mode: "closed", Concurrency: n})
		}
	}
	if len(c.Steps) == 0 {
		return c, errors.New("serving: no steps to run (rates or concurrency is empty)")
	}
	return c, nil
}

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

func span(name string, l []int) ([2]int, error) {
	switch len(l) {
	case 1:
		return [2]int{l[0], l[0]}, nil
	case 2:
		if l[0] > l[1] {
			return [2]int{}, fmt.Errorf("%s: min %d above max %d", name, l[0], l[1])
		}
		return [2]int{l[0], l[1]}, nil
	}
	return [2]int{}, fmt.Errorf("%s wants [n] or [min, max], got %d values", name, len(l))
}

// Record is one request of a serving step.
type Record struct {
	Step         string    `json:"step"`
	Index        int       `json:"index"`
	Intended     time.Time `json:"intended"`
	Send         time.Time `json:"send"`
	FirstToken   time.Time `json:"first_token,omitzero"`
	End          time.Time `json:"end"`
	PromptTokens int       `json:"prompt_tokens"`
	OutputTokens int       `json:"output_tokens"`
	Budget       int       `json:"budget"`
	Gaps         []float64 `json:"gaps_s,omitempty"`
	Error        string    `json:"error,omitempty"`
	ErrorClass   string    `json:"error_class,omitempty"`
}

// ok reports whether the request got a response.
func (r Record) ok() bool { return r.Error == "" }

// Runner is what serving drives; any runners.Runner.
type Runner = runners.Runner

// prompts makes prompts of exact token lengths from one generated text.
type prompts struct {
	tok  tokenize.Tokenizer
	ids  []uint32
	rng  *rand.Rand
	mu   sync.Mutex
	base int
}

var words = []string{"river", "lantern", "quiet", "harbor", "copper", "meadow", "signal", "orbit", "paper", "window",
	"garden", "thunder", "silver", "engine", "market", "forest", "bridge", "winter", "candle", "pocket",
	"station", "valley", "marble", "ticket", "anchor", "feather", "planet", "castle", "mirror", "ribbon"}

func newPrompts(tokName string, seed int64, maxTokens int) (*prompts, error) {
	tok, err := tokenize.Get(tokName)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5e41))
	var b []byte
	ids := []uint32{}
	for len(ids) < maxTokens*2+64 {
		b = b[:0]
		for range 256 {
			b = append(b, words[rng.IntN(len(words))]...)
			b = append(b, ' ')
		}
		ids = append(ids, tok.Encode(string(b))...)
	}
	return &prompts{tok: tok, ids: ids, rng: rng}, nil
}

// make returns a prompt of n tokens under the tokenizer, starting at a
// random offset of the generated text. Decoding a token slice and
// re-encoding it can merge differently at the edges; the count is
// re-measured and reported as is.
func (p *prompts) make(n int) (string, int) {
	p.mu.Lock()
	off := p.rng.IntN(len(p.ids) - n)
	p.mu.Unlock()
	text := p.tok.Decode(p.ids[off : off+n])
	return text, p.tok.Count(text)
}

func draw(rng *rand.Rand, s [2]int) int {
	if s[0] == s[1] {
		return s[0]
	}
	return s[0] + rng.IntN(s[1]-s[0]+1)
}

// Run measures every step of the config against r, one after another.
func Run(ctx context.Context, r Runner, c Config, onRecord func(Record)) ([]Result, error) {
	pr, err := newPrompts(c.Tokenizer, c.Seed, c.PromptTokens[1])
	if err != nil {
		return nil, err
	}
	var out []Result
	for i, st := range c.Steps {
		rng := rand.New(rand.NewPCG(uint64(c.Seed), uint64(i)+1))
		var recs []Record
		start := time.Now()
		switch st.Mode {
		case "open":
			recs = openLoop(ctx, r, c, st, pr, rng, onRecord)
		default:
			recs = closedLoop(ctx, r, c, st, pr, rng, onRecord)
		}
		wall := time.Since(start)
		if err := ctx.Err(); err != nil {
			return out, err
		}
		out = append(out, Summarize(st, c, recs, wall))
	}
	return out, nil
}

// openLoop sends requests at their scheduled times whatever the server's
// state: each in its own goroutine, so a slow server builds a queue there,
// not here.
func openLoop(ctx context.Context, r Runner, c Config, st Step, pr *prompts, rng *rand.Rand, onRecord func(Record)) []Record {
	// The schedule is fixed before the first send.
	var sched []time.Duration
	at := time.Duration(0)
	for at < c.Duration && (c.MaxRequests == 0 || len(sched) < c.MaxRequests) {
		sched = append(sched, at)
		gap := 1 / st.Rate
		if c.Poisson {
			gap = rng.ExpFloat64() / st.Rate
		}
		at += time.Duration(gap * float64(time.Second))
	}
	type job struct {
		prompt  string
		ptokens int
		budget  int
	}
	jobs := make([]job, len(sched))
	for i := range jobs {
		text, n := pr.make(draw(rng, c.PromptTokens))
		jobs[i] = job{text, n, draw(rng, c.OutputTokens)}
	}
	recs := make([]Record, len(sched))
	var wg sync.WaitGroup
	t0 := time.Now()
	for i, off := range sched {
		intended := t0.Add(off)
		if d := time.Until(intended); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				wg.Wait()
				return recs[:i]
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[i] = send(ctx, r, st, i, intended, jobs[i].prompt, jobs[i].ptokens, jobs[i].budget, c.Seed)
			if onRecord != nil {
				onRecord(recs[i])
			}
		}()
	}
	wg.Wait()
	return recs
}

// closedLoop runs n clients, each sending its next request when the last
// one ends.
func closedLoop(ctx context.Context, r Runner, c Config, st Step, pr *prompts, rng *rand.Rand, onRecord func(Record)) []Record {
	var (
		mu   sync.Mutex
		recs []Record
		next int
		wg   sync.WaitGroup
	)
	deadline := time.Now().Add(c.Duration)
	for range st.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				mu.Lock()
				if c.MaxRequests > 0 && next >= c.MaxRequests {
					mu.Unlock()
					return
				}
				i := next
				next++
				text, n := pr.make(draw(rng, c.PromptTokens))
				budget := draw(rng, c.OutputTokens)
				mu.Unlock()
				rec := send(ctx, r, st, i, time.Now(), text, n, budget, c.Seed)
				mu.Lock()
				recs = append(recs, rec)
				mu.Unlock()
				if onRecord != nil {
					onRecord(rec)
				}
			}
		}()
	}
	wg.Wait()
	sort.Slice(recs, func(a, b int) bool { return recs[a].Index < recs[b].Index })
	return recs
}

func send(ctx context.Context, r Runner, st Step, i int, intended time.Time, prompt string, ptokens, budget int, seed int64) Record {
	rec := Record{Step: st.String(), Index: i, Intended: intended, PromptTokens: ptokens, Budget: budget}
	req := runners.Request{Messages: []runners.Message{{Role: "user", Content: prompt}}, MaxTokens: budget, Seed: seed + int64(i)}
	resp, err := r.Generate(ctx, req)
	t := resp.Timing
	rec.Send, rec.FirstToken, rec.End = t.Send, t.FirstToken, t.End
	if rec.Send.IsZero() {
		rec.Send = intended
	}
	if rec.End.IsZero() {
		rec.End = time.Now()
	}
	for _, g := range t.Gaps() {
		rec.Gaps = append(rec.Gaps, g.Seconds())
	}
	rec.OutputTokens = resp.Usage.CompletionTokens
	if resp.Usage.PromptTokens > 0 && !resp.Usage.Estimated {
		rec.PromptTokens = resp.Usage.PromptTokens
	}
	if err != nil {
		rec.Error = err.Error()
		rec.ErrorClass = string(runners.Classify(err))
	}
	return rec
}
