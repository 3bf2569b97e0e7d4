// Package longctx holds long-context task sets. "ruler" reproduces NVIDIA
// RULER's synthetic tasks (FACTS.md §2) with the project's own wording:
// each prompt is sized with an offline tokenizer so that prompt tokens
// plus the task's generation budget fit the target length as tightly as
// possible, and scored by substring match as RULER does.
//
// RULER's reference generator spends most of its time re-tokenising
// candidate prompts in a binary search (slow tokenizers made runs take
// hours). Here each haystack unit is counted once per run, the size is
// estimated from those counts, and the estimate is verified with real
// counts of the final prompt: usually one full count per instance.
//
// Tasks are rows of one table (registry.go); a row names its generation
// budget, its metric and how to draw a sample whose haystack can grow.
package longctx

import (
	"context"
	"fmt"
	"iter"
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

type rulerSet struct{}

// NewRuler returns the "ruler" task set.
func NewRuler() tasks.TaskSet { return rulerSet{} }

var (
	_ tasks.TaskSet     = rulerSet{}
	_ tasks.SelfChecker = rulerSet{}
)

func (rulerSet) Name() string { return RulerName }

func (rulerSet) Help() string {
	return "RULER synthetic long-context tasks (" + strings.Join(taskNames(), ", ") +
		"), prompts fitted to each length with an offline tokenizer"
}

func (rulerSet) Params() []params.Spec {
	return []params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: []string{"niah_single_1"}, Choices: taskNames(), Help: "RULER tasks to generate"},
		{Name: "lengths", Kind: params.Ints, Default: []int{4096}, Min: params.AtLeast(1024), Help: "target lengths in tokens: prompt plus generation budget"},
		{Name: "n", Kind: params.Int, Default: 20, Min: params.AtLeast(1), Help: "instances per task and length"},
		{Name: "tokenizer", Kind: params.String, Default: tokenize.Default, Choices: tokenize.Names(), Help: "tokenizer that lengths are measured with"},
		tasks.FormSpec("chat: one user message ending in the answer prefix; completion: a raw prompt"),
	}
}

func (rulerSet) Scorer() tasks.Scorer { return tasks.ScorerFunc(score) }

type config struct {
	tasks       []*rulerTask
	lengths     []int
	n           int
	tokenizer   string
	form        string
	seed        int64
	temperature float64
}

func (s rulerSet) config(p params.Values) (config, error) {
	v := params.Defaults(tasks.AllParams(s))
	for k, x := range p {
		v[k] = x
	}
	c := config{n: v.Int("n"), tokenizer: v.String("tokenizer"), form: v.String("form"),
		seed: int64(v.Int("seed")), temperature: v.Float("temperature")}
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
		case l < 1024:
			errs = append(errs, fmt.Sprintf("lengths must be at least 1024, got %d", l))
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
	if !slices.Contains(tokenize.Names(), c.tokenizer) {
		errs = append(errs, fmt.Sprintf("unknown tokenizer %q (known: %s)", c.tokenizer, strings.Join(tokenize.Names(), ", ")))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("%s: %s", RulerName, strings.Join(errs, "; "))
	}
	return c, nil
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

func (s rulerSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		c, err := s.config(p)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		tok, err := tokenize.Get(c.tokenizer)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		for _, t := range c.tasks {
			draw, err := t.prepare(tok)
			if err != nil {
				yield(tasks.Instance{}, fmt.Errorf("%s: %s: %w", RulerName, t.name, err))
				return
			}
			for _, length := range c.lengths {
				for i := range c.n {
					if err := ctx.Err(); err != nil {
						yield(tasks.Instance{}, err)
						return
					}
					in, err := c.instance(tok, t, draw, length, i)
					if !yield(in, err) || err != nil {
						return
					}
				}
			}
		}
	}
}

func (c config) instance(tok tokenize.Tokenizer, t *rulerTask, draw drawer, length, i int) (tasks.Instance, error) {
	r, seed := stream(c.seed, t.name, i)
	s := draw(r)
	f, err := fit(tok, s, length-t.maxNew)
	if err != nil {
		return tasks.Instance{}, fmt.Errorf("%s: %s at length %d: %w", RulerName, t.name, length, err)
	}
	req := runners.Request{MaxTokens: t.maxNew, Temperature: c.temperature, Seed: seed}
	if c.form == FormChat {
		// The answer prefix ends the user message; Text() is then exactly
		// the fitted text. A chat template adds a few tokens of its own
		// that no offline count can know; they are not counted.
		req.Messages = []runners.Message{{Role: "user", Content: f.text}}
	} else {
		req.Prompt = f.text
	}
	labels := lenLabels(length)
	answers := s.answers()
	return tasks.Instance{
		ID:      tasks.MakeID(RulerName, t.name, labels, i, f.text),
		Set:     RulerName,
		Task:    t.name,
		Labels:  labels,
		Index:   i,
		Seed:    seed,
		Request: req,
		Reference: tasks.Reference{
			Answers:    answers,
			Completion: " " + strings.Join(answers, ", ") + ".",
		},
	}, nil
}

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

// SelfCheck recounts every prompt: prompt tokens plus the generation
// budget must fit the length.
func (s rulerSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	r := tasks.CheckResult{Name: "prompts fit their lengths"}
	c, err := s.config(p)
	if err != nil {
		r.Fail("%v", err)
		return []tasks.CheckResult{r}
	}
	tok, err := tokenize.Get(c.tokenizer)
	if err != nil {
		r.Fail("%v", err)
		return []tasks.CheckResult{r}
	}
	r.Name += " (" + c.tokenizer + ")"
	for in, err := range s.Instances(ctx, p) {
		if err != nil {
			r.Fail("%v", err)
			break
		}
		r.Checked++
		length, _ := strconv.Atoi(in.Labels["len"])
		if n := tok.Count(in.Request.Text()); n+in.Request.MaxTokens > length {
			r.Fail("%s: %d prompt tokens + %d > %d", in.ID, n, in.Request.MaxTokens, length)
		}
	}
	return []tasks.CheckResult{r}
}
