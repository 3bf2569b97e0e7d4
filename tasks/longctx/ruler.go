// Package longctx holds long-context task sets.
//
// "ruler" reproduces NVIDIA RULER's thirteen synthetic tasks (FACTS.md
// §2) with the project's own text: each prompt is sized with a tokenizer
// so that prompt tokens, the chat template's overhead and the task's
// generation budget fit the target length within 1% below it, and scored
// by substring match as RULER does.
//
// "longppl" measures document perplexity through a runner's prompt
// log-probabilities, in rolling windows (longppl.go).
//
// RULER's reference generator spends most of its time re-tokenising
// candidate prompts in a binary search (slow tokenizers made runs take
// hours). Here the pipeline is:
//
//  1. draw the length-independent part of a sample (keys, values, depths)
//     from a stream seeded by (seed, task, index);
//  2. estimate the haystack size from per-unit token counts: a shared
//     haystack's units are counted once per run, and counts are memoised
//     per chunk (chunkCounter), which is exact for the offline BPEs;
//  3. verify with a count of the whole prompt (usually one), and search
//     exactly only when the estimate missed;
//  4. hand the instance on and drop it: instances stream from a few
//     workers in a fixed order, so memory stays flat.
//
// Tasks are rows of one table (registry.go); a row names its generation
// budget, its metric and how to draw a sample whose haystack can grow.
package longctx

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tokenize"
)

// RulerName is the name of the RULER set.
const RulerName = "ruler"

// Prompt forms, as every set names them.
const (
	FormChat       = tasks.FormChat
	FormCompletion = tasks.FormCompletion
)

// Lengths and limits.
var (
	// RulerLengths are RULER's default lengths, for a full run; the set's
	// own default is 4096 alone, to keep checks and quick suites fast.
	RulerLengths = []int{4096, 8192, 16384, 32768, 65536, 131072}
)

const (
	// MaxLength is the longest length the set accepts (1M tokens).
	MaxLength = 1 << 20
	minLength = 1024
	maxDepths = 1000
)

type rulerSet struct{}

// NewRuler returns the "ruler" task set.
func NewRuler() tasks.TaskSet { return rulerSet{} }

var (
	_ tasks.TaskSet        = rulerSet{}
	_ tasks.SelfChecker    = rulerSet{}
	_ tasks.Sizer          = rulerSet{}
	_ tasks.RunnerSpecific = rulerSet{}
)

func (rulerSet) Name() string { return RulerName }

func (rulerSet) Help() string {
	return "RULER's 13 synthetic long-context tasks (" + strings.Join(taskNames(), ", ") + ") in the project's own text, " +
		"each prompt fitted with a tokenizer to within 1% below its length (prompt + chat template + generation budget). " +
		"RULER's full run: lengths=4096+8192+16384+32768+65536+131072 n=500 seed=42 (up to 1048576 on request); " +
		"the default here is 4096 alone. Scores are string_match_all (string_match_part for qa_1, qa_2); " +
		"tokenizer=runner measures with the model's own tokenizer (its /tokenize, else an estimate calibrated from its usage)."
}

func (rulerSet) Params() []params.Spec {
	return []params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: taskNames(), Choices: taskNames(), Help: "RULER tasks to generate"},
		{Name: "lengths", Kind: params.Ints, Default: []int{4096}, Min: params.AtLeast(minLength), Help: "target lengths in tokens (prompt + template + generation budget); RULER's are 4096+8192+16384+32768+65536+131072"},
		{Name: "n", Kind: params.Int, Default: 20, Min: params.AtLeast(1), Help: "instances per task and length (RULER: 500)"},
		{Name: "tokenizer", Kind: params.String, Default: tokenize.Default, Choices: tokenizerNames(), Help: "what lengths are measured with: an offline BPE, or runner (the model's own; generates per runner)"},
		{Name: "template_tokens", Kind: params.Int, Default: -1, Min: params.AtLeast(-1), Help: "tokens the chat template adds (-1: measured once per runner with tokenizer=runner, else 0)"},
		tasks.FormSpec("chat: one user message ending in the answer prefix; completion: a raw prompt"),
		{Name: "depths", Kind: params.Int, Default: 40, Min: params.AtLeast(1), Help: "needle depths: this many evenly spaced points from 0 to 100%"},
		{Name: "multikey_keys", Kind: params.Int, Default: 4, Min: params.AtLeast(1), Help: "niah_multikey_1: needles with distinct keys (one is asked for)"},
		{Name: "multivalue_values", Kind: params.Int, Default: 4, Min: params.AtLeast(1), Help: "niah_multivalue: values of the one key"},
		{Name: "multiquery_queries", Kind: params.Int, Default: 4, Min: params.AtLeast(1), Help: "niah_multiquery: keys asked for at once"},
		{Name: "vt_chains", Kind: params.Int, Default: 1, Min: params.AtLeast(1), Help: "vt: chains of assignments (one is asked about)"},
		{Name: "vt_hops", Kind: params.Int, Default: 4, Min: params.AtLeast(1), Help: "vt: assignments after the first in each chain"},
		{Name: "cwe_words", Kind: params.Int, Default: 10, Min: params.AtLeast(1), Help: "cwe: common words to find"},
		{Name: "cwe_freq", Kind: params.Int, Default: 30, Min: params.AtLeast(2), Help: "cwe: occurrences of each common word (6 below 4096 tokens at the defaults)"},
		{Name: "cwe_freq_rare", Kind: params.Int, Default: 3, Min: params.AtLeast(1), Help: "cwe: occurrences of each other word (1 below 4096 tokens at the defaults)"},
		{Name: "fwe_alpha", Kind: params.Float, Default: 2.0, Min: params.AtLeast(0.5), Help: "fwe: Zipf exponent of the coded words"},
		{Name: "haystack_dir", Kind: params.String, Default: "", Help: "directory of .txt files to use as the essay haystack instead of the generated essay"},
		{Name: "squad_file", Kind: params.String, Default: "", Help: "SQuAD v1.1 or v2.0 JSON file for qa_1 instead of generated documents"},
		{Name: "hotpotqa_file", Kind: params.String, Default: "", Help: "HotpotQA JSON file (a list) for qa_2 instead of generated documents"},
	}
}

func (rulerSet) Scorer() tasks.Scorer { return tasks.ScorerFunc(score) }

// RunnerSpecific: prompts measured with the runner's tokenizer are made
// once per runner.
func (s rulerSet) RunnerSpecific(p params.Values) bool {
	return s.values(p).String("tokenizer") == RunnerTokenizer
}

type config struct {
	tasks          []*rulerTask
	lengths        []int
	n              int
	tokenizer      string
	templateTokens int
	form           string
	seed           int64
	temperature    float64
	v              params.Values
}

func (s rulerSet) values(p params.Values) params.Values {
	v := params.Defaults(tasks.AllParams(s))
	for k, x := range p {
		v[k] = x
	}
	return v
}

func (s rulerSet) config(p params.Values) (config, error) {
	v := s.values(p)
	c := config{n: v.Int("n"), tokenizer: v.String("tokenizer"), templateTokens: v.Int("template_tokens"),
		form: v.String("form"), seed: int64(v.Int("seed")), temperature: v.Float("temperature"), v: v}
	var errs []string
	for _, name := range v.Strings("tasks") {
		t, ok := byName[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("unknown task %q (known: %s)", name, strings.Join(taskNames(), ", ")))
		case !slices.Contains(c.tasks, t):
			c.tasks = append(c.tasks, t)
		}
	}
	slices.SortFunc(c.tasks, func(a, b *rulerTask) int { return slices.Index(rulerTasks, a) - slices.Index(rulerTasks, b) })
	if len(c.tasks) == 0 && len(errs) == 0 {
		errs = append(errs, "tasks is empty")
	}
	for _, l := range v.Ints("lengths") {
		switch {
		case l < minLength || l > MaxLength:
			errs = append(errs, fmt.Sprintf("lengths must be from %d to %d, got %d", minLength, MaxLength, l))
		case !slices.Contains(c.lengths, l):
			c.lengths = append(c.lengths, l)
		}
	}
	if len(c.lengths) == 0 && len(errs) == 0 {
		errs = append(errs, "lengths is empty")
	}
	if c.n < 1 {
		errs = append(errs, fmt.Sprintf("n must be at least 1, got %d", c.n))
	}
	if c.form != FormChat && c.form != FormCompletion {
		errs = append(errs, fmt.Sprintf("form must be %s or %s, got %q", FormChat, FormCompletion, c.form))
	}
	if !slices.Contains(tokenizerNames(), c.tokenizer) {
		errs = append(errs, fmt.Sprintf("unknown tokenizer %q (known: %s)", c.tokenizer, strings.Join(tokenizerNames(), ", ")))
	}
	for _, name := range []string{"depths", "multikey_keys", "multivalue_values", "multiquery_queries", "vt_chains", "vt_hops", "cwe_words", "cwe_freq_rare"} {
		if v.Int(name) < 1 {
			errs = append(errs, fmt.Sprintf("%s must be at least 1, got %d", name, v.Int(name)))
		}
	}
	if w := v.Int("cwe_words"); w > len(commonWords)/4 {
		errs = append(errs, fmt.Sprintf("cwe_words must be at most %d, got %d", len(commonWords)/4, w))
	}
	if d := v.Int("depths"); d > maxDepths {
		errs = append(errs, fmt.Sprintf("depths must be at most %d, got %d", maxDepths, d))
	}
	if v.Int("cwe_freq") <= v.Int("cwe_freq_rare") {
		errs = append(errs, fmt.Sprintf("cwe_freq (%d) must be more than cwe_freq_rare (%d)", v.Int("cwe_freq"), v.Int("cwe_freq_rare")))
	}
	if a := v.Float("fwe_alpha"); !(a >= 0.5) || math.IsInf(a, 0) {
		errs = append(errs, fmt.Sprintf("fwe_alpha must be at least 0.5, got %g", a))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("%s: %s", RulerName, strings.Join(errs, "; "))
	}
	return c, nil
}

// taskParams resolves the per-task settings at one length.
func (c config) taskParams(t *rulerTask, length int) taskParams {
	v := c.v
	p := taskParams{length: length, depths: v.Int("depths"), keys: 1, values: 1, queries: 1,
		vtChains: v.Int("vt_chains"), vtHops: v.Int("vt_hops"),
		cweWords: v.Int("cwe_words"), cweFreq: v.Int("cwe_freq"), cweFreqRare: v.Int("cwe_freq_rare"),
		fweAlpha: v.Float("fwe_alpha")}
	if t.niah != nil {
		p.keys, p.values, p.queries = t.niah.keys, t.niah.values, t.niah.queries
		switch t.name {
		case "niah_multikey_1":
			p.keys = v.Int("multikey_keys")
		case "niah_multivalue":
			p.values = v.Int("multivalue_values")
		case "niah_multiquery":
			p.keys, p.queries = v.Int("multiquery_queries"), v.Int("multiquery_queries")
		}
	}
	// RULER's short-context frequencies, unless the user chose others.
	if length < 4096 && p.cweFreq == 30 && p.cweFreqRare == 3 {
		p.cweFreq, p.cweFreqRare = 6, 1
	}
	return p
}

func lenLabels(length int) map[string]string { return map[string]string{"len": strconv.Itoa(length)} }

// Sizes gives the instances per cell without generating them (which, at
// long lengths, takes real time).
func (s rulerSet) Sizes(p params.Values) map[string]int {
	c, err := s.config(p)
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for _, t := range c.tasks {
		for _, l := range c.lengths {
			out[tasks.CellName(RulerName, t.name, lenLabels(l))] = c.n
		}
	}
	return out
}

// env is what every sample of one generation shares: the measure, the
// haystacks and any loaded datasets. Read-only but for the shared
// haystack, which locks.
type env struct {
	m           *measurer
	noise       noiseHay
	essay       *sharedHay
	squad       *qaData
	hotpot      *qaData
	squadOrder  []int
	hotpotOrder []int
}

func (c config) env(ctx context.Context) (*env, error) {
	m, err := newMeasurer(ctx, c.tokenizer, c.templateTokens, c.form)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RulerName, err)
	}
	cnt := newChunkCounter(m.est)
	e := &env{m: m, noise: newNoiseHay(cnt)}
	uses := func(names ...string) bool {
		return slices.ContainsFunc(c.tasks, func(t *rulerTask) bool { return slices.Contains(names, t.name) })
	}
	if dir := c.v.String("haystack_dir"); dir != "" {
		units, err := loadHaystackDir(dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", RulerName, err)
		}
		n := len(units)
		e.essay = newSharedHay(func(i int) string {
			if i >= n && i%n == 0 {
				return "\n\n" + strings.TrimLeft(units[0], " \n")
			}
			return units[i%n]
		}, cnt)
	} else {
		e.essay = essayHay(m.est.Name(), cnt)
	}
	order := func(d *qaData, name string) []int {
		h := newSeedRand(c.seed, name)
		return h.Perm(len(d.items))
	}
	if f := c.v.String("squad_file"); f != "" && uses("qa_1") {
		if e.squad, err = loadSQuAD(f); err != nil {
			return nil, fmt.Errorf("%s: qa_1: %w", RulerName, err)
		}
		e.squadOrder = order(e.squad, "qa_1")
	}
	if f := c.v.String("hotpotqa_file"); f != "" && uses("qa_2") {
		if e.hotpot, err = loadHotpotQA(f); err != nil {
			return nil, fmt.Errorf("%s: qa_2: %w", RulerName, err)
		}
		e.hotpotOrder = order(e.hotpot, "qa_2")
	}
	return e, nil
}

func newSeedRand(seed int64, name string) *rand.Rand {
	r, _ := stream(seed, name+"/order", 0)
	return r
}

// generated is one instance with what the self-check needs to verify it.
type generated struct {
	in     tasks.Instance
	s      sample
	units  int
	tokens int // prompt tokens by the measuring tokenizer
	task   *rulerTask
	length int
	used   int // tokens + template + generation budget
}

type genJob struct {
	t      *rulerTask
	length int
	index  int
}

type genResult struct {
	g   generated
	err error
}

// generate streams the instances of p in order (task, then length, then
// index), built by a few workers.
func (s rulerSet) generate(ctx context.Context, p params.Values) iter.Seq2[generated, error] {
	return func(yield func(generated, error) bool) {
		c, err := s.config(p)
		if err != nil {
			yield(generated{}, err)
			return
		}
		e, err := c.env(ctx)
		if err != nil {
			yield(generated{}, err)
			return
		}
		jobs := func(yield func(genJob) bool) {
			for _, t := range c.tasks {
				for _, l := range c.lengths {
					for i := range c.n {
						if !yield(genJob{t, l, i}) {
							return
						}
					}
				}
			}
		}
		total := len(c.tasks) * len(c.lengths) * c.n
		workers := min(runtime.GOMAXPROCS(0), 8, total)
		results := ordered(ctx, jobs, workers, e.m.counter, func(ctx context.Context, w *counter, j genJob) genResult {
			g, err := c.build(ctx, e, w, j.t, j.length, j.index)
			return genResult{g, err}
		})
		stopped := false
		for r := range results {
			if !yield(r.g, r.err) || r.err != nil {
				stopped = true
				break
			}
		}
		if err := ctx.Err(); err != nil && !stopped {
			yield(generated{}, err)
		}
	}
}

func (s rulerSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		for g, err := range s.generate(ctx, p) {
			if !yield(g.in, err) || err != nil {
				return
			}
		}
	}
}

// maxDraws bounds redraws of ill-posed samples (an fwe tie is a few
// percent likely; real text containing a needle value, far rarer).
const maxDraws = 20

// build makes instance i of task t at one length.
func (c config) build(ctx context.Context, e *env, w *counter, t *rulerTask, length, i int) (generated, error) {
	tp := c.taskParams(t, length)
	budget := e.m.budget(length, t.maxNew)
	slack := length / 200 // accept a first count within 0.5% below the budget
	_, seed := stream(c.seed, t.name, i)
	fail := func(err error) (generated, error) {
		return generated{}, fmt.Errorf("%s: %s at length %d, instance %d: %w", RulerName, t.name, length, i, err)
	}
	for attempt := range maxDraws {
		r, _ := streamAttempt(c.seed, t.name, i, attempt)
		smp, err := t.draw(e, tp, w.est, r, i)
		if err != nil {
			return fail(err)
		}
		f, err := fit(ctx, w.count, smp, budget, slack)
		if err != nil {
			return fail(err)
		}
		refs, ok := smp.finish(f.units, f.text)
		if !ok {
			continue
		}
		req := runners.Request{MaxTokens: t.maxNew, Temperature: c.temperature, Seed: seed}
		if c.form == FormChat {
			// The answer prefix ends the user message; Text() is then
			// exactly the fitted text.
			req.Messages = []runners.Message{{Role: "user", Content: f.text}}
		} else {
			req.Prompt = f.text
		}
		completion := " " + strings.Join(refs, ", ") + "."
		if isPart(t) {
			completion = " " + refs[0] + "."
		}
		labels := lenLabels(length)
		in := tasks.Instance{
			ID:        tasks.MakeID(RulerName, t.name, labels, i, f.text),
			Set:       RulerName,
			Task:      t.name,
			Labels:    labels,
			Index:     i,
			Seed:      seed,
			Request:   req,
			Reference: tasks.Reference{Answers: refs, Completion: completion},
		}
		return generated{in: in, s: smp, units: f.units, tokens: f.tokens, task: t, length: length,
			used: f.tokens + e.m.overhead + t.maxNew}, nil
	}
	return fail(errIllPosed)
}

func isPart(t *rulerTask) bool { return t.name == "qa_1" || t.name == "qa_2" }

// score applies the task's metric to the whole response text. An empty
// prediction is marked "null": RULER reports how many there were.
func score(_ context.Context, in tasks.Instance, r runners.Response) (tasks.Score, error) {
	t, ok := byName[in.Task]
	if !ok {
		return tasks.Score{}, fmt.Errorf("%s: unknown task %q", RulerName, in.Task)
	}
	if len(in.Reference.Answers) == 0 {
		return tasks.Score{}, fmt.Errorf("%s: %s has no reference answers", RulerName, in.ID)
	}
	pred := strings.TrimSpace(r.Text)
	first, _, _ := strings.Cut(pred, "\n")
	s := tasks.Score{Value: t.metric(pred, in.Reference.Answers), Extracted: strings.TrimSpace(first)}
	if pred == "" {
		s.Detail = "null"
	}
	return s, nil
}

// SelfCheck recounts every prompt with the plain tokenizer (apart from
// the memoised counter that fitted it) and reports the lengths it got,
// then checks each task's invariants and that an exact solver recovers
// every answer from the prompt alone.
func (s rulerSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	c, err := s.config(p)
	if err != nil {
		return []tasks.CheckResult{{Name: "configuration", Failures: []string{err.Error()}}}
	}
	var tok tokenize.Tokenizer
	if c.tokenizer != RunnerTokenizer {
		tok, _ = tokenize.Get(c.tokenizer)
	}
	type span struct{ lo, hi, n int }
	spans := map[int]*span{}
	fits := map[int]*tasks.CheckResult{}
	inv := tasks.CheckResult{Name: "task invariants: needles and other inserts once at their depths, distractors never the asked key or an answer"}
	solved := tasks.CheckResult{Name: "an exact solver recovers every answer from the prompt"}
	var gen []string
	for g, err := range s.generate(ctx, p) {
		if err != nil {
			gen = append(gen, err.Error())
			break
		}
		l := g.length
		if fits[l] == nil {
			fits[l] = &tasks.CheckResult{}
			spans[l] = &span{lo: math.MaxInt}
		}
		f, sp := fits[l], spans[l]
		f.Checked++
		used := g.used
		if tok != nil {
			used = tok.Count(g.in.Request.Text()) + g.used - g.tokens
			if used != g.used {
				f.Fail("%s: memoised count %d, tokenizer %d", g.in.ID, g.used, used)
			}
		}
		sp.lo, sp.hi = min(sp.lo, used), max(sp.hi, used)
		coarse := (g.task.name == "qa_1" && c.v.String("squad_file") != "") || (g.task.name == "qa_2" && c.v.String("hotpotqa_file") != "")
		switch {
		case used > l:
			f.Fail("%s: %d tokens used of %d", g.in.ID, used, l)
		case float64(used) >= 0.99*float64(l):
		case coarse || used+g.s.unitTokens(g.units) > l:
			sp.n++ // as close as whole units allow: the next one would not fit
		default:
			f.Fail("%s: %d tokens used of %d", g.in.ID, used, l)
		}
		inv.Checked++
		if v, ok := g.s.(verifier); ok {
			if err := v.verify(g.units, g.in.Request.Text()); err != nil {
				inv.Fail("%s: %v", g.in.ID, err)
			}
		}
		if coarse {
			continue // real questions: no exact solver
		}
		solved.Checked++
		got, err := solve(g.task.name, g.in.Request.Text())
		switch {
		case err != nil:
			solved.Fail("%s: %v", g.in.ID, err)
		case g.task.metric(strings.Join(got, " "), g.in.Reference.Answers) != 1 || (!isPart(g.task) && !sameSet(got, g.in.Reference.Answers)):
			solved.Fail("%s: solver found %q, references %q", g.in.ID, got, g.in.Reference.Answers)
		}
	}
	var out []tasks.CheckResult
	for _, l := range c.lengths {
		f, sp := fits[l], spans[l]
		if f == nil {
			continue
		}
		name := c.tokenizer
		if tok == nil {
			name = "the runner's tokenizer"
		}
		f.Name = fmt.Sprintf("fitted %d: min %d max %d tokens (%s; prompt + template + generation budget)", l, sp.lo, sp.hi, name)
		if sp.n > 0 {
			f.Name += fmt.Sprintf("; %d of %d more than 1%% short, where one more haystack unit would not fit", sp.n, f.Checked)
		}
		out = append(out, *f)
	}
	if len(gen) > 0 {
		out = append(out, tasks.CheckResult{Name: "generation", Failures: gen})
	}
	return append(out, inv, solved)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
