// Package bbh holds the BIG-Bench Hard task sets.
//
// "bbh" is the official data: all 27 tasks, 6,511 examples, read from a
// clone of suzgunmirac/BIG-Bench-Hard or from the user cache that
// `engrambench datasets pull bbh` fills, with the official chain-of-thought
// exemplars.
//
// The official questions have been public since 2022 and sit in many
// training corpora, so a score on them mixes reasoning with recall. The
// "bbh-gen" set therefore generates fresh questions in the official surface
// form for every task that an exact solver can answer, and solves them:
// targets in the official format, few-shot exemplars drawn from streams no
// test question uses, and chain-of-thought exemplars written step by step
// by the solvers. A difficulty knob goes beyond the official range, so a
// report can draw accuracy against difficulty; a gap between official and
// generated accuracy at difficulty 0 is a contamination signal (Gap).
//
// Both sets score with two extractors: the reference strict rule is the
// score; a flexible reading per answer type goes beside it (Detail), so a
// report can tell format slips from wrong answers.
//
// One caveat: boolean_expressions at difficulty 0 has only 2,122 possible
// questions, so its questions are fresh draws but about one in eight is
// also an official one (see boolean.go).
//
// Each generated task is a genTask in one registry (registry.go): a
// generator, an exact solver and an answer kind. Every input is a pure
// function of (seed, difficulty, task, index), so instances can be
// produced lazily and in any order.
package bbh

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
)

// GeneratedName is the name of the generated set.
const GeneratedName = "bbh-gen"

// DailySeed, as the seed parameter, stands for today's UTC date as the
// number YYYYMMDD: a nightly run gets a fresh question set every day, and
// the cells carry the resolved seed as a label (seed=20260115) so reports
// show which set was asked.
const DailySeed = tasks.DailySeed

// clock is the time source for DailySeed; tests replace it.
var clock = time.Now

// ResolveSeed turns DailySeed into the UTC date of now as YYYYMMDD and
// returns any other seed unchanged. A planner that wants a run resumed on a
// later day to ask the same questions resolves the seed once, up front.
func ResolveSeed(seed int64, now time.Time) int64 { return tasks.ResolveSeed(seed, now) }

type generatedSet struct{}

// NewGenerated returns the "bbh-gen" task set.
func NewGenerated() tasks.TaskSet { return generatedSet{} }

var (
	_ tasks.TaskSet     = generatedSet{}
	_ tasks.SelfChecker = generatedSet{}
	_ tasks.Sizer       = generatedSet{}
)

func (generatedSet) Name() string { return GeneratedName }

func (generatedSet) Help() string {
	return "BIG-Bench Hard with generated, contamination-free questions solved exactly, in the official form (" +
		strings.Join(taskNames(), ", ") + "); a difficulty knob beyond the official range; 3-shot chain of thought, strict reference scoring with a flexible reading beside it"
}

func difficultyHelp() string {
	var parts []string
	for _, t := range generated {
		parts = append(parts, t.name+": "+t.harder)
	}
	return "0 is the official range; each step up makes every task harder (" + strings.Join(parts, "; ") + ")"
}

func (generatedSet) Params() []params.Spec {
	return []params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: taskNames(), Choices: taskNames(), Help: "tasks to generate"},
		{Name: "n", Kind: params.Int, Default: 50, Min: params.AtLeast(1), Help: "instances per task"},
		{Name: "difficulty", Kind: params.Int, Default: 0, Min: params.AtLeast(0), Help: fmt.Sprintf("0 to %d; %s", maxDifficulty, difficultyHelp())},
		{Name: "shots", Kind: params.Int, Default: 3, Min: params.AtLeast(0), Help: "generated exemplars per prompt (0 or 3 as in BBH; at most 8)"},
		{Name: "mode", Kind: params.String, Default: ModeCoT, Choices: []string{ModeCoT, ModeDirect}, Help: "cot: exemplars reason step by step; direct: answer only"},
		tasks.FormSpec("chat: one user message; completion: a raw prompt"),
		{Name: "max_tokens", Kind: params.Int, Default: 0, Min: params.AtLeast(0), Help: "generation budget per answer (0: 1024, plus 512 per difficulty step)"},
		{Name: "data_dir", Kind: params.String, Default: "", Help: "BIG-Bench-Hard clone for the self-check's solver agreement (default $" + DataDirEnv + ", else the cache `engrambench datasets pull bbh` fills; skipped when absent)"},
	}
}

func (generatedSet) Scorer() tasks.Scorer { return tasks.ScorerFunc(score) }

// config is the resolved parameters.
type config struct {
	tasks       []*genTask
	n           int
	difficulty  int
	shots       int
	style       style
	maxTokens   int
	seed        int64 // resolved: DailySeed became a date
	daily       bool  // seed was DailySeed
	temperature float64
	dataDir     string
}

func (s generatedSet) config(p params.Values) (config, error) {
	v := params.Defaults(tasks.AllParams(s))
	for k, x := range p {
		v[k] = x
	}
	c := config{
		n: v.Int("n"), difficulty: v.Int("difficulty"), shots: v.Int("shots"),
		style:     style{mode: v.String("mode"), form: v.String("form")},
		maxTokens: v.Int("max_tokens"), seed: int64(v.Int("seed")), temperature: v.Float("temperature"),
		dataDir: v.String("data_dir"),
	}
	if c.seed == DailySeed {
		c.daily = true
		c.seed = ResolveSeed(c.seed, clock())
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
	if c.difficulty < 0 || c.difficulty > maxDifficulty {
		errs = append(errs, fmt.Sprintf("difficulty must be in [0, %d], got %d", maxDifficulty, c.difficulty))
	}
	if c.shots < 0 || c.shots > maxShots {
		errs = append(errs, fmt.Sprintf("shots must be in [0, %d], got %d", maxShots, c.shots))
	}
	errs = append(errs, c.style.check()...)
	if c.maxTokens < 0 {
		errs = append(errs, fmt.Sprintf("max_tokens must be at least 0, got %d", c.maxTokens))
	}
	if c.maxTokens == 0 {
		c.maxTokens = 1024 + 512*c.difficulty
	}
	if c.seed < 0 && !c.daily {
		errs = append(errs, fmt.Sprintf("seed must be 0 or more, or %d for today's date, got %d", DailySeed, c.seed))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("%s: %s", GeneratedName, strings.Join(errs, "; "))
	}
	return c, nil
}

func (s style) check() []string {
	var errs []string
	if s.mode != ModeCoT && s.mode != ModeDirect {
		errs = append(errs, fmt.Sprintf("mode must be %s or %s, got %q", ModeCoT, ModeDirect, s.mode))
	}
	if s.form != FormChat && s.form != FormCompletion {
		errs = append(errs, fmt.Sprintf("form must be %s or %s, got %q", FormChat, FormCompletion, s.form))
	}
	return errs
}

func (c config) labels() map[string]string {
	l := map[string]string{"shots": strconv.Itoa(c.shots), "mode": c.style.mode, "difficulty": strconv.Itoa(c.difficulty)}
	if c.daily {
		l["seed"] = strconv.FormatInt(c.seed, 10)
	}
	return l
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
			src, err := t.source(c.seed, c.difficulty)
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
	_, seed := stream(c.seed, streamPath(t, c.difficulty, "test", strconv.Itoa(i))...)
	labels := c.labels()
	return tasks.Instance{
		ID:      tasks.MakeID(GeneratedName, t.name, labels, i, input),
		Set:     GeneratedName,
		Task:    t.name,
		Labels:  labels,
		Index:   i,
		Seed:    seed,
		Request: c.style.request(head+c.style.question(input), c.maxTokens, c.temperature, seed, answerSpace(t.name, input)),
		Reference: tasks.Reference{
			Answers:    []string{sol.target},
			Completion: c.style.completion(sol.steps, sol.target),
		},
	}, nil
}

// head is everything before the test question: the task description, the
// answer-format instruction where the exemplars alone do not teach it,
// and the exemplars, reasoned by the solver.
func (c config) head(t *genTask, exemplars []string) (string, error) {
	shots := make([]shot, 0, len(exemplars))
	for _, ex := range exemplars {
		sol, err := t.solve(ex)
		if err != nil {
			return "", fmt.Errorf("%s: %s exemplar: %w", GeneratedName, t.name, err)
		}
		shots = append(shots, shot{input: ex, cot: cotOf(sol), target: sol.target})
	}
	return c.style.head(t.desc, shots), nil
}
