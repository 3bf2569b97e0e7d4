package bbh

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/engrambench/engrambench/datasets"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// OfficialName is the name of the official set.
const OfficialName = "bbh"

// DataDirEnv names the environment variable that points at a clone of
// BIG-Bench-Hard (the directory holding bbh/ and cot-prompts/).
const DataDirEnv = "ENGRAMBENCH_BBH_DIR"

// officialTasks are the 27 tasks with the number of examples each has at
// the pinned commit (FACTS.md §3).
var officialTasks = []struct {
	name  string
	count int
}{
	{"boolean_expressions", 250},
	{"causal_judgement", 187},
	{"date_understanding", 250},
	{"disambiguation_qa", 250},
	{"dyck_languages", 250},
	{"formal_fallacies", 250},
	{"geometric_shapes", 250},
	{"hyperbaton", 250},
	{"logical_deduction_five_objects", 250},
	{"logical_deduction_seven_objects", 250},
	{"logical_deduction_three_objects", 250},
	{"movie_recommendation", 250},
	{"multistep_arithmetic_two", 250},
	{"navigate", 250},
	{"object_counting", 250},
	{"penguins_in_a_table", 146},
	{"reasoning_about_colored_objects", 250},
	{"ruin_names", 250},
	{"salient_translation_error_detection", 250},
	{"snarks", 178},
	{"sports_understanding", 250},
	{"temporal_sequences", 250},
	{"tracking_shuffled_objects_five_objects", 250},
	{"tracking_shuffled_objects_seven_objects", 250},
	{"tracking_shuffled_objects_three_objects", 250},
	{"web_of_lies", 250},
	{"word_sorting", 250},
}

// OfficialExamples is the size of the official set.
const OfficialExamples = 6511

// kindOf is the answer type of every official task.
var kindOf = map[string]answerKind{
	"boolean_expressions":                     boolAnswer,
	"causal_judgement":                        yesNoAnswer,
	"date_understanding":                      choiceAnswer,
	"disambiguation_qa":                       choiceAnswer,
	"dyck_languages":                          dyckAnswer,
	"formal_fallacies":                        validAnswer,
	"geometric_shapes":                        choiceAnswer,
	"hyperbaton":                              choiceAnswer,
	"logical_deduction_five_objects":          choiceAnswer,
	"logical_deduction_seven_objects":         choiceAnswer,
	"logical_deduction_three_objects":         choiceAnswer,
	"movie_recommendation":                    choiceAnswer,
	"multistep_arithmetic_two":                intAnswer,
	"navigate":                                yesNoAnswer,
	"object_counting":                         intAnswer,
	"penguins_in_a_table":                     choiceAnswer,
	"reasoning_about_colored_objects":         choiceAnswer,
	"ruin_names":                              choiceAnswer,
	"salient_translation_error_detection":     choiceAnswer,
	"snarks":                                  choiceAnswer,
	"sports_understanding":                    yesNoAnswer,
	"temporal_sequences":                      choiceAnswer,
	"tracking_shuffled_objects_five_objects":  choiceAnswer,
	"tracking_shuffled_objects_seven_objects": choiceAnswer,
	"tracking_shuffled_objects_three_objects": choiceAnswer,
	"web_of_lies":                             yesNoAnswer,
	"word_sorting":                            wordsAnswer,
}

// OfficialTasks lists the 27 official task names.
func OfficialTasks() []string {
	out := make([]string, len(officialTasks))
	for i, t := range officialTasks {
		out[i] = t.name
	}
	return out
}

// AnswerType names the answer type of a task (multiple_choice, true_false,
// yes_no, valid_invalid, integer, dyck, word_list); "" for an unknown task.
func AnswerType(task string) string {
	k, ok := kindOf[task]
	if !ok {
		return ""
	}
	return k.String()
}

// answerSpace declares what an instance's answer can be, read from the
// task's answer type and its input: the option letters of a multiple
// choice, the two words of a binary answer, the words of a sorting
// question; integers and Dyck closings are open.
func answerSpace(task, input string) *runners.AnswerSpace {
	s := &runners.AnswerSpace{Prefix: answerPrefix, Suffix: answerSuffix}
	switch kindOf[task] {
	case choiceAnswer:
		for _, line := range strings.Split(input, "\n") {
			if len(line) > 4 && line[0] == '(' && line[1] >= 'A' && line[1] <= 'Z' && line[2] == ')' && line[3] == ' ' {
				s.Choices = append(s.Choices, line[:3])
			}
		}
	case boolAnswer:
		s.Choices = []string{"True", "False"}
	case yesNoAnswer:
		s.Choices = []string{"Yes", "No"}
		if task == "sports_understanding" {
			s.Choices = []string{"yes", "no"}
		}
	case validAnswer:
		s.Choices = []string{"valid", "invalid"}
	case wordsAnswer:
		if _, list, ok := strings.Cut(input, "List:"); ok {
			s.Permute = strings.Fields(list)
		}
	}
	return s
}

// officialExample is one record of bbh/<task>.json.
type officialExample struct {
	Input  string `json:"input"`
	Target string `json:"target"`
}

// loadOfficial reads the examples of one task from a BBH directory.
func loadOfficial(dir, task string) ([]officialExample, error) {
	b, err := os.ReadFile(filepath.Join(dir, "bbh", task+".json"))
	if err != nil {
		return nil, err
	}
	var f struct {
		Examples []officialExample `json:"examples"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("bbh/%s.json: %w", task, err)
	}
	if len(f.Examples) == 0 {
		return nil, fmt.Errorf("bbh/%s.json: no examples", task)
	}
	return f.Examples, nil
}

// officialPrompt is a parsed cot-prompts/<task>.txt: the description (with
// any paragraphs before the first exemplar) and the three exemplars.
type officialPrompt struct {
	desc  string
	shots []shot
}

// parsePrompt reads the official prompt layout: a canary line, "-----",
// the description, then exemplars "Q: ...\nA: Let's think step by
// step.\n... So the answer is X." separated by blank lines.
func parsePrompt(task string, b []byte) (officialPrompt, error) {
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	_, rest, ok := strings.Cut(text, "\n-----\n")
	if !ok {
		return officialPrompt{}, fmt.Errorf("cot-prompts/%s.txt: no ----- line after the canary", task)
	}
	var p officialPrompt
	var desc []string
	for _, block := range strings.Split(strings.TrimRight(rest, "\n"), "\n\n") {
		if !strings.HasPrefix(block, "Q: ") {
			if len(p.shots) > 0 {
				return p, fmt.Errorf("cot-prompts/%s.txt: text after the exemplars: %.40q", task, block)
			}
			desc = append(desc, block)
			continue
		}
		q, a, ok := strings.Cut(block[len("Q: "):], "\nA: ")
		if !ok {
			return p, fmt.Errorf("cot-prompts/%s.txt: exemplar without an answer: %.40q", task, block)
		}
		cot, ok := strings.CutPrefix(a, cotCue)
		sep := ""
		if ok && cot != "" && (cot[0] == '\n' || cot[0] == ' ') {
			sep, cot = cot[:1], cot[1:]
		}
		if !ok || sep == "" {
			return p, fmt.Errorf("cot-prompts/%s.txt: exemplar answer does not start with %q", task, cotCue)
		}
		i := strings.LastIndex(cot, answerPrefix)
		target, ok := strings.CutSuffix(cot[max(i, 0)+len(answerPrefix):], answerSuffix)
		if i < 0 || !ok || target == "" {
			return p, fmt.Errorf("cot-prompts/%s.txt: exemplar does not end with %q<answer>%q", task, answerPrefix, answerSuffix)
		}
		p.shots = append(p.shots, shot{input: q, cot: cot, target: target, sep: sep})
	}
	p.desc = strings.Join(desc, "\n\n")
	if p.desc == "" || len(p.shots) != 3 {
		return p, fmt.Errorf("cot-prompts/%s.txt: want a description and 3 exemplars, found %d", task, len(p.shots))
	}
	return p, nil
}

func loadPrompt(dir, task string) (officialPrompt, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cot-prompts", task+".txt"))
	if err != nil {
		return officialPrompt{}, err
	}
	return parsePrompt(task, b)
}

// locateData finds the BBH data: data_dir, else $ENGRAMBENCH_BBH_DIR,
// else the verified user cache.
func locateData(explicit string) (string, error) {
	return datasets.Locate("bbh", explicit, DataDirEnv)
}

type officialSet struct{}

// NewOfficial returns the "bbh" task set: the 27 official tasks.
func NewOfficial() tasks.TaskSet { return officialSet{} }

var (
	_ tasks.TaskSet     = officialSet{}
	_ tasks.SelfChecker = officialSet{}
	_ tasks.Sizer       = officialSet{}
)

func (officialSet) Name() string { return OfficialName }

func (officialSet) Help() string {
	return "BIG-Bench Hard, the official 27 tasks and 6,511 examples with the official exemplars (data: `engrambench datasets pull bbh`, or data_dir); " +
		"3-shot chain of thought by default, strict reference scoring with a flexible reading beside it"
}

func (officialSet) Params() []params.Spec {
	names := OfficialTasks()
	return []params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: names, Choices: names, Help: "official tasks to ask"},
		{Name: "n", Kind: params.Int, Default: 250, Min: params.AtLeast(1), Help: "the first n examples of each task (every task has at most 250)"},
		{Name: "shots", Kind: params.Int, Default: 3, Min: params.AtLeast(0), Help: "official exemplars per prompt (0 to 3)"},
		{Name: "mode", Kind: params.String, Default: ModeCoT, Choices: []string{ModeCoT, ModeDirect}, Help: "cot: the official chain-of-thought exemplars; direct: the same exemplars answered at once"},
		tasks.FormSpec("chat: one user message; completion: a raw prompt"),
		{Name: "max_tokens", Kind: params.Int, Default: 1024, Min: params.AtLeast(1), Help: "generation budget per answer"},
		{Name: "data_dir", Kind: params.String, Default: "", Help: "a BIG-Bench-Hard clone (default $" + DataDirEnv + ", else the cache `engrambench datasets pull bbh` fills)"},
	}
}

func (officialSet) Scorer() tasks.Scorer { return tasks.ScorerFunc(score) }

type officialConfig struct {
	tasks       []string
	n, shots    int
	style       style
	maxTokens   int
	seed        int64
	temperature float64
	dataDir     string
}

func (s officialSet) config(p params.Values) (officialConfig, error) {
	v := params.Defaults(tasks.AllParams(s))
	for k, x := range p {
		v[k] = x
	}
	c := officialConfig{
		n: v.Int("n"), shots: v.Int("shots"), style: style{mode: v.String("mode"), form: v.String("form")},
		maxTokens: v.Int("max_tokens"), seed: int64(v.Int("seed")), temperature: v.Float("temperature"),
		dataDir: v.String("data_dir"),
	}
	var errs []string
	want := map[string]bool{}
	for _, name := range v.Strings("tasks") {
		if _, ok := kindOf[name]; !ok {
			errs = append(errs, fmt.Sprintf("unknown task %q (known: %s)", name, strings.Join(OfficialTasks(), ", ")))
		}
		want[name] = true
	}
	for _, t := range officialTasks { // the official order
		if want[t.name] {
			c.tasks = append(c.tasks, t.name)
		}
	}
	if len(c.tasks) == 0 && len(errs) == 0 {
		errs = append(errs, "tasks is empty")
	}
	if c.n < 1 {
		errs = append(errs, fmt.Sprintf("n must be at least 1, got %d", c.n))
	}
	if c.shots < 0 || c.shots > 3 {
		errs = append(errs, fmt.Sprintf("shots must be in [0, 3] (the official prompts hold 3 exemplars), got %d", c.shots))
	}
	errs = append(errs, c.style.check()...)
	if c.maxTokens < 1 {
		errs = append(errs, fmt.Sprintf("max_tokens must be at least 1, got %d", c.maxTokens))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("%s: %s", OfficialName, strings.Join(errs, "; "))
	}
	return c, nil
}

func (c officialConfig) labels() map[string]string {
	return map[string]string{"shots": strconv.Itoa(c.shots), "mode": c.style.mode}
}

func pinnedCount(task string) int {
	for _, t := range officialTasks {
		if t.name == task {
			return t.count
		}
	}
	return 0
}

// Sizes gives the instances per cell from the pinned counts, without the
// data (Instances refuses data whose counts differ).
func (s officialSet) Sizes(p params.Values) map[string]int {
	c, err := s.config(p)
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for _, t := range c.tasks {
		out[tasks.CellName(OfficialName, t, c.labels())] = min(c.n, pinnedCount(t))
	}
	return out
}

// officialTask is one task's data, loaded and checked.
type officialTask struct {
	name     string
	examples []officialExample
	prompt   officialPrompt
}

func loadTask(dir, name string) (officialTask, error) {
	exs, err := loadOfficial(dir, name)
	if err != nil {
		return officialTask{}, fmt.Errorf("%s: %w", OfficialName, err)
	}
	if want := pinnedCount(name); len(exs) != want {
		return officialTask{}, fmt.Errorf("%s: bbh/%s.json in %s has %d examples; the pinned upstream commit has %d (`engrambench datasets verify bbh --dir %s`)",
			OfficialName, name, dir, len(exs), want, dir)
	}
	pr, err := loadPrompt(dir, name)
	if err != nil {
		return officialTask{}, fmt.Errorf("%s: %w", OfficialName, err)
	}
	return officialTask{name: name, examples: exs, prompt: pr}, nil
}

func (s officialSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		c, err := s.config(p)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		dir, err := locateData(c.dataDir)
		if err != nil {
			yield(tasks.Instance{}, err) // says how to get the data; errors.Is(err, datasets.ErrMissing)
			return
		}
		for _, name := range c.tasks {
			t, err := loadTask(dir, name)
			if err != nil {
				yield(tasks.Instance{}, err)
				return
			}
			head := c.style.head(t.prompt.desc, t.prompt.shots[:c.shots])
			for i, ex := range t.examples[:min(c.n, len(t.examples))] {
				if err := ctx.Err(); err != nil {
					yield(tasks.Instance{}, err)
					return
				}
				if !yield(c.instance(name, head, i, ex), nil) {
					return
				}
			}
		}
	}
}

func (c officialConfig) instance(task, head string, i int, ex officialExample) tasks.Instance {
	_, seed := stream(c.seed, "official", task, strconv.Itoa(i))
	labels := c.labels()
	return tasks.Instance{
		ID:      tasks.MakeID(OfficialName, task, labels, i, ex.Input, ex.Target),
		Set:     OfficialName,
		Task:    task,
		Labels:  labels,
		Index:   i,
		Seed:    seed,
		Request: c.style.request(head+c.style.question(ex.Input), c.maxTokens, c.temperature, seed, answerSpace(task, ex.Input)),
		Reference: tasks.Reference{
			Answers:    []string{ex.Target},
			Completion: c.style.completion(nil, ex.Target),
		},
	}
}

// SelfCheck proves the data and the scorer on the official set: the data
// is complete, every official target read back as a model's answer scores
// 1 under both extractors, and each solver reproduces the official targets
// of its task (per task, with every documented disagreement shown).
func (s officialSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	c, err := s.config(p)
	if err != nil {
		r := tasks.CheckResult{Name: OfficialName + " parameters"}
		r.Fail("%v", err)
		return []tasks.CheckResult{r}
	}
	data := tasks.CheckResult{Name: "official data complete"}
	dir, err := locateData(c.dataDir)
	if err != nil {
		data.Fail("%v", err)
		return []tasks.CheckResult{data}
	}
	data.Name = "official data complete (" + dir + ")"
	targets := tasks.CheckResult{Name: "official targets score 1 as answers under the strict and the flexible extractor"}
	loaded := map[string][]officialExample{}
	for _, name := range c.tasks {
		t, err := loadTask(dir, name)
		if err != nil {
			data.Fail("%v", err)
			continue
		}
		data.Checked += len(t.examples)
		loaded[name] = t.examples
		for i, ex := range t.examples {
			targets.Checked++
			for _, text := range []string{answerPrefix + ex.Target + answerSuffix, c.style.completion(nil, ex.Target)} {
				e, err := Extract(name, text, ex.Target)
				if err != nil || !e.StrictMatch || !e.FlexibleMatch {
					targets.Fail("%s example %d: target %q as %q: strict %q, flexible %q (%v)", name, i, ex.Target, text, e.Strict, e.Flexible, err)
				}
			}
		}
		for j, sh := range t.prompt.shots {
			if e, err := Extract(name, sh.cot, sh.target); err != nil || !e.StrictMatch || !e.FlexibleMatch {
				targets.Fail("%s exemplar %d: strict %q, flexible %q, target %q", name, j, e.Strict, e.Flexible, sh.target)
			}
		}
	}
	if len(c.tasks) == len(officialTasks) && data.Checked != OfficialExamples && data.OK() {
		data.Fail("%d examples, want %d", data.Checked, OfficialExamples)
	}
	out := []tasks.CheckResult{data, targets}
	var solvable []*genTask
	for _, t := range generated {
		if _, ok := loaded[t.name]; ok {
			solvable = append(solvable, t)
		}
	}
	return append(out, checkSolvers(ctx, loaded, solvable)...)
}

// officialForCheck loads the official examples of the given tasks from
// the explicit directory or the usual places; without data the error
// matches datasets.ErrMissing.
func officialForCheck(explicit string, ts []*genTask) (string, map[string][]officialExample, error) {
	dir, err := locateData(explicit)
	if err != nil {
		return "", nil, err
	}
	out := map[string][]officialExample{}
	for _, t := range ts {
		exs, err := loadOfficial(dir, t.name)
		if err != nil {
			return dir, nil, err
		}
		out[t.name] = exs
	}
	return dir, out, nil
}
