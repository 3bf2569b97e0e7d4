// Package bbh holds BIG-Bench Hard task sets. The official questions have
// been public since 2022 and sit in many training corpora, so a score on
// them mixes reasoning with recall. The "bbh-gen" set therefore generates
// fresh questions in the official surface form and difficulty and solves
// them exactly: targets in the official format, few-shot exemplars drawn
// from streams no test question uses, and chain-of-thought exemplars
// written step by step by the solvers. The reference strict scoring rule is
// the score; a flexible reading is kept beside it so a report can tell
// format slips from wrong answers.
//
// One caveat: boolean_expressions has only 2,122 possible questions, so
// its questions are fresh draws but about one in eight is also an
// official one (see boolean.go).
//
// Each task is a genTask in one registry (registry.go): a generator, an
// exact solver and an answer kind. Every input is a pure function of
// (seed, task, index), so instances can be produced lazily and in any
// order.
package bbh

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
)

// GeneratedName is the name of the generated set.
const GeneratedName = "bbh-gen"

// Prompt modes.
const (
	ModeCoT    = "cot"
	ModeDirect = "direct"
)

// Prompt forms, as every set names them.
const (
	FormChat       = tasks.FormChat
	FormCompletion = tasks.FormCompletion
)

// stop ends a completion that runs on into a new question. It cannot cut
// reasoning: a bare "Q" would (FACTS.md §3).
var stop = []string{"\n\nQ:"}

type generatedSet struct{}

// NewGenerated returns the "bbh-gen" task set.
func NewGenerated() tasks.TaskSet { return generatedSet{} }

var (
	_ tasks.TaskSet     = generatedSet{}
	_ tasks.SelfChecker = generatedSet{}
)

func (generatedSet) Name() string { return GeneratedName }

func (generatedSet) Help() string {
	return "BIG-Bench Hard tasks with generated, contamination-free questions solved exactly (" +
		strings.Join(taskNames(), ", ") + "); 3-shot chain of thought, strict reference scoring"
}

func (generatedSet) Params() []params.Spec {
	return []params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: taskNames(), Choices: taskNames(), Help: "tasks to generate"},
		{Name: "n", Kind: params.Int, Default: 50, Min: params.AtLeast(1), Help: "instances per task"},
		{Name: "shots", Kind: params.Int, Default: 3, Min: params.AtLeast(0), Help: "generated exemplars per prompt (0 or 3 as in BBH; at most 8)"},
		{Name: "mode", Kind: params.String, Default: ModeCoT, Choices: []string{ModeCoT, ModeDirect}, Help: "cot: exemplars reason step by step; direct: answer only"},
		tasks.FormSpec("chat: one user message; completion: a raw prompt"),
		{Name: "max_tokens", Kind: params.Int, Default: 512, Min: params.AtLeast(1), Help: "generation budget per answer"},
		{Name: "data_dir", Kind: params.String, Default: "", Help: "BIG-Bench-Hard clone for the self-check (default $" + DataDirEnv + ", else ../shared/datasets/BIG-Bench-Hard)"},
	}
}

func (generatedSet) Scorer() tasks.Scorer { return tasks.ScorerFunc(score) }

// config is the resolved parameters.
type config struct {
	tasks       []*genTask
	n           int
	shots       int
	mode, form  string
	maxTokens   int
	seed        int64
	temperature float64
	dataDir     string
}

func (s generatedSet) config(p params.Values) (config, error) {
	v := params.Defaults(tasks.AllParams(s))
	for k, x := range p {
		v[k] = x
	}
	c := config{
		n: v.Int("n"), shots: v.Int("shots"), mode: v.String("mode"), form: v.String("form"),
		maxTokens: v.Int("max_tokens"), seed: int64(v.Int("seed")), temperature: v.Float("temperature"),
		dataDir: v.String("data_dir"),
	}
	var errs []string
	seen := map[string]bool{}
	for _, name := range v.Strings("tasks") {
		t, ok := byName[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("unknown task %q (known: %s)", name, strings.Join(taskNames(), ", ")))
		case !seen[name]:
			seen[name] = true
			c.tasks = append(c.tasks, t)
		}
	}
	// Registry order, whatever order the user gave.
	slices.SortFunc(c.tasks, func(a, b *genTask) int { return slices.Index(generated, a) - slices.Index(generated, b) })
	if len(c.tasks) == 0 && len(errs) == 0 {
		errs = append(errs, "tasks is empty")
	}
	if c.n < 1 {
		errs = append(errs, fmt.Sprintf("n must be at least 1, got %d", c.n))
	}
	if c.shots < 0 || c.shots > maxShots {
		errs = append(errs, fmt.Sprintf("shots must be in [0, %d], got %d", maxShots, c.shots))
	}
	if c.mode != ModeCoT && c.mode != ModeDirect {
		errs = append(errs, fmt.Sprintf("mode must be %s or %s, got %q", ModeCoT, ModeDirect, c.mode))
	}
	if c.form != FormChat && c.form != FormCompletion {
		errs = append(errs, fmt.Sprintf("form must be %s or %s, got %q", FormChat, FormCompletion, c.form))
	}
	if c.maxTokens < 1 {
		errs = append(errs, fmt.Sprintf("max_tokens must be at least 1, got %d", c.maxTokens))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("%s: %s", GeneratedName, strings.Join(errs, "; "))
	}
	return c, nil
}

func (c config) labels() map[string]string {
	return map[string]string{"shots": strconv.Itoa(c.shots), "mode": c.mode}
}

// Sizes gives the instances per cell without generating them.
func (s generatedSet) Sizes(p params.Values) map[string]int {
	c, err := s.config(p)
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for _, t := range c.tasks {
		out[tasks.CellName(GeneratedName, t.name, c.labels())] = c.n
	}
	return out
}

func (s generatedSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		c, err := s.config(p)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		for _, t := range c.tasks {
			src, err := t.source(c.seed)
			if err != nil {
				yield(tasks.Instance{}, err)
				return
			}
			head, err := c.head(t, src.exemplars[:c.shots])
			if err != nil {
				yield(tasks.Instance{}, err)
				return
			}
			for i := range c.n {
				if err := ctx.Err(); err != nil {
					yield(tasks.Instance{}, err)
					return
				}
				in, err := c.instance(t, src, head, i)
				if !yield(in, err) || err != nil {
					return
				}
			}
		}
	}
}

func (c config) instance(t *genTask, src source, head string, i int) (tasks.Instance, error) {
	input, err := src.test(i)
	if err != nil {
		return tasks.Instance{}, err
	}
	sol, err := t.solve(input)
	if err != nil {
		return tasks.Instance{}, fmt.Errorf("%s: %s instance %d: %w", GeneratedName, t.name, i, err)
	}
	_, seed := stream(c.seed, t.name, "test", strconv.Itoa(i))
	labels := c.labels()
	text := head + c.question(input)
	req := runners.Request{
		MaxTokens:   c.maxTokens,
		Temperature: c.temperature,
		Stop:        slices.Clone(stop),
		Seed:        seed,
		AnswerSpace: t.answers(input),
	}
	if c.form == FormChat {
		req.Messages = []runners.Message{{Role: "user", Content: strings.TrimRight(text, "\n")}}
	} else {
		req.Prompt = text
	}
	return tasks.Instance{
		ID:      tasks.MakeID(GeneratedName, t.name, labels, i, input),
		Set:     GeneratedName,
		Task:    t.name,
		Labels:  labels,
		Index:   i,
		Seed:    seed,
		Request: req,
		Reference: tasks.Reference{
			Answers:    []string{sol.target},
			Completion: c.completion(sol),
		},
	}, nil
}

// head is everything before the test question: the task description, the
// answer-format instruction where the exemplars alone do not teach it,
// and the exemplars.
func (c config) head(t *genTask, exemplars []string) (string, error) {
	var b strings.Builder
	b.WriteString(t.desc)
	b.WriteString("\n")
	if c.form == FormChat || len(exemplars) == 0 {
		if c.mode == ModeCoT {
			b.WriteString(`Think it through step by step, then end with a line of the form "So the answer is <answer>."` + "\n")
		} else {
			b.WriteString(`Reply with only a line of the form "So the answer is <answer>."` + "\n")
		}
	}
	b.WriteString("\n")
	for _, ex := range exemplars {
		sol, err := t.solve(ex)
		if err != nil {
			return "", fmt.Errorf("%s: %s exemplar: %w", GeneratedName, t.name, err)
		}
		b.WriteString(c.question(ex))
		if c.mode == ModeCoT {
			b.WriteString(strings.Join(sol.steps, "\n") + "\n")
		} else {
			b.WriteString(" ")
		}
		b.WriteString(answerPrefix + sol.target + answerSuffix + "\n\n")
	}
	return b.String(), nil
}

// question is "Q: <input>" and the start of the answer.
func (c config) question(input string) string {
	if c.mode == ModeCoT {
		return "Q: " + input + "\nA: " + cotCue + "\n"
	}
	return "Q: " + input + "\nA:"
}

const cotCue = "Let's think step by step."

// completion is a full-marks response. In completion form it continues
// the prompt (which already ends with the cue); in chat form it is a
// whole reply.
func (c config) completion(sol solution) string {
	final := answerPrefix + sol.target + answerSuffix
	switch {
	case c.mode == ModeCoT && c.form == FormChat:
		return cotCue + "\n" + strings.Join(sol.steps, "\n") + "\n" + final
	case c.mode == ModeCoT:
		return strings.Join(sol.steps, "\n") + "\n" + final
	case c.form == FormChat:
		return final
	}
	return " " + final
}
