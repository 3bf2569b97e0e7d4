package bbh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/datasets"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
)

// officialDir returns the official BBH data for tests: $ENGRAMBENCH_BBH_DIR,
// else the shared copy beside this checkout; it skips the test when
// neither is there. The data is never copied into the repository.
func officialDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv(DataDirEnv); d != "" {
		return d
	}
	dir := filepath.Join("..", "..", "..", "shared", "datasets", "BIG-Bench-Hard")
	if _, err := os.Stat(filepath.Join(dir, "bbh")); err != nil {
		t.Skipf("no official BBH data at %s (set %s to run this test)", dir, DataDirEnv)
	}
	return dir
}

// TestSolversMatchOfficial: each solver, on every official example of its
// task, gives the official target, except the documented disagreements,
// which the log lists with their reasons.
func TestSolversMatchOfficial(t *testing.T) {
	dir := officialDir(t)
	for _, task := range generated {
		exs, err := loadOfficial(dir, task.name)
		if err != nil {
			t.Fatal(err)
		}
		a, err := agreement(context.Background(), task, exs)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(a)
		for _, d := range a.Disagreements {
			t.Logf("  %s", d)
		}
		for _, d := range a.Undocumented {
			t.Errorf("undocumented: %s", d)
		}
		if !a.OK() {
			t.Errorf("%s; stale %v", a, a.Stale)
		}
		// Raw agreement: 100% for the algorithmic tasks; at least 98% for the
		// others except date_understanding, whose official file has 20
		// demonstrably wrong targets (knownDisagreements).
		if raw := float64(a.Agree) / float64(a.Total); raw < a.Required && task.name != "date_understanding" {
			t.Errorf("%s: raw agreement %.3f below %.2f", task.name, raw, a.Required)
		}
	}
}

// writeTask writes bbh/<task>.json and cot-prompts/<task>.txt in the
// official layout.
func writeTask(t *testing.T, dir, task string, exs []officialExample, prompt string) {
	t.Helper()
	for _, sub := range []string{"bbh", "cot-prompts"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(map[string]any{"canary": "test canary", "examples": exs})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bbh", task+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if prompt != "" {
		if err := os.WriteFile(filepath.Join(dir, "cot-prompts", task+".txt"), []byte(prompt), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// boolPrompt is a cot-prompts file of this test's own, in the official
// layout, with a paragraph before the exemplars as snarks has.
const boolPrompt = "CANARY LINE\n-----\nWork out Boolean expressions.\n\nA note before the exemplars.\n\n" +
	"Q: not True is\nA: Let's think step by step.\nnot True = False. So the answer is False.\n\n" +
	"Q: True and True is\nA: Let's think step by step.\nTrue and True = True. So the answer is True.\n\n" +
	"Q: False or False is\nA: Let's think step by step.\nFalse or False = False. So the answer is False."

// fakeBoolData writes a boolean_expressions task with the pinned count of
// 250 examples, solved by the solver, and returns the directory.
func fakeBoolData(t *testing.T) (string, []officialExample) {
	t.Helper()
	dir := t.TempDir()
	var exs []officialExample
	for _, in := range boolSpace()[:250] {
		sol, err := solveBoolean(in)
		if err != nil {
			t.Fatal(err)
		}
		exs = append(exs, officialExample{Input: in, Target: sol.target})
	}
	writeTask(t, dir, "boolean_expressions", exs, boolPrompt)
	return dir, exs
}

func officialInstances(t *testing.T, p params.Values) []tasks.Instance {
	t.Helper()
	var out []tasks.Instance
	for in, err := range NewOfficial().Instances(context.Background(), p) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

func TestParsePrompt(t *testing.T) {
	p, err := parsePrompt("x", []byte(boolPrompt))
	if err != nil {
		t.Fatal(err)
	}
	if p.desc != "Work out Boolean expressions.\n\nA note before the exemplars." || len(p.shots) != 3 {
		t.Fatalf("%+v", p)
	}
	if s := p.shots[1]; s.input != "True and True is" || s.target != "True" || s.cot != "True and True = True. So the answer is True." {
		t.Errorf("exemplar: %+v", s)
	}
	for _, bad := range []string{
		"no separator\nQ: x\nA: Let's think step by step.\nSo the answer is y.",
		"c\n-----\nDesc.\n\nQ: x\nA: y. So the answer is z.",                              // no cue
		"c\n-----\nDesc.\n\nQ: x\nA: Let's think step by step.\nNo answer phrase.",        // no answer
		"c\n-----\nDesc.\n\nQ: x\nA: Let's think step by step.\nSo the answer is z.",      // one exemplar
		"c\n-----\nDesc.\n\nQ: x\nA: Let's think step by step.\nSo the answer is z.\n\nX", // trailing text
	} {
		if _, err := parsePrompt("x", []byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// TestOfficialPrompts: every mode and form from a data directory the test
// writes itself.
func TestOfficialPrompts(t *testing.T) {
	dir, exs := fakeBoolData(t)
	base := params.Values{"data_dir": dir, "tasks": []string{"boolean_expressions"}, "n": 2}

	// Default: 3-shot chain of thought, chat.
	ins := officialInstances(t, base)
	if len(ins) != 2 {
		t.Fatalf("%d instances, want 2", len(ins))
	}
	in := ins[1]
	msg := in.Request.Messages
	want := "Work out Boolean expressions.\n\nA note before the exemplars.\n" +
		`Think it through step by step, then end with a line of the form "So the answer is <answer>."` + "\n\n" +
		"Q: not True is\nA: Let's think step by step.\nnot True = False. So the answer is False.\n\n" +
		"Q: True and True is\nA: Let's think step by step.\nTrue and True = True. So the answer is True.\n\n" +
		"Q: False or False is\nA: Let's think step by step.\nFalse or False = False. So the answer is False.\n\n" +
		"Q: " + exs[1].Input + "\nA: Let's think step by step."
	if len(msg) != 1 || msg[0].Role != "user" || msg[0].Content != want {
		t.Errorf("chat prompt:\n%q\nwant\n%q", msg, want)
	}
	if in.Cell() != "bbh/task=boolean_expressions/mode=cot/shots=3" || in.Index != 1 || in.Reference.Answers[0] != exs[1].Target ||
		in.Request.MaxTokens != 1024 || !slices.Equal(in.Request.Stop, []string{"\n\nQ:"}) || in.Request.Seed != in.Seed {
		t.Errorf("instance: %+v", in)
	}
	if as := in.Request.AnswerSpace; as == nil || !slices.Equal(as.Choices, []string{"True", "False"}) {
		t.Errorf("answer space %+v", in.Request.AnswerSpace)
	}

	// Completion form, direct: the exemplars answer at once, the prompt ends
	// with "A:", and the format is taught by the exemplars alone.
	p := base.Clone()
	p["form"], p["mode"] = FormCompletion, ModeDirect
	in = officialInstances(t, p)[0]
	if pr := in.Request.Prompt; strings.Contains(pr, "step by step") || strings.Contains(pr, "Reply with") ||
		!strings.HasSuffix(pr, "Q: "+exs[0].Input+"\nA:") || strings.Count(pr, "\nA: So the answer is ") != 3 ||
		!strings.Contains(pr, "Q: not True is\nA: So the answer is False.\n\n") {
		t.Errorf("direct completion prompt:\n%s", pr)
	}
	if in.Reference.Completion != " So the answer is "+exs[0].Target+"." || in.Cell() != "bbh/task=boolean_expressions/mode=direct/shots=3" {
		t.Errorf("direct: completion %q, cell %s", in.Reference.Completion, in.Cell())
	}

	// Zero-shot chain of thought, completion form: the instruction replaces
	// the exemplars.
	p["mode"], p["shots"] = ModeCoT, 0
	in = officialInstances(t, p)[0]
	if pr := in.Request.Prompt; strings.Contains(pr, "not True is") || !strings.Contains(pr, `"So the answer is <answer>."`) ||
		!strings.HasSuffix(pr, "\nA: Let's think step by step.\n") {
		t.Errorf("0-shot prompt:\n%s", pr)
	}

	// The generic checks hold in every mode and form.
	for _, form := range []string{FormChat, FormCompletion} {
		for _, mode := range []string{ModeCoT, ModeDirect} {
			for _, shots := range []int{0, 3} {
				q := params.Values{"data_dir": dir, "tasks": []string{"boolean_expressions"}, "form": form, "mode": mode, "shots": shots}
				res, err := tasks.Check(context.Background(), NewOfficial(), q, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					if !r.OK() {
						t.Errorf("%s/%s/%d: %s: %v", form, mode, shots, r.Name, r.Failures)
					}
				}
			}
		}
	}
}

func TestOfficialSizesAndParams(t *testing.T) {
	s := NewOfficial().(officialSet)
	sizes := s.Sizes(params.Values{})
	total := 0
	for _, n := range sizes {
		total += n
	}
	if len(sizes) != 27 || total != OfficialExamples || sizes["bbh/task=snarks/mode=cot/shots=3"] != 178 {
		t.Errorf("%d cells, %d examples: %v", len(sizes), total, sizes)
	}
	if got := s.Sizes(params.Values{"n": 200, "tasks": []string{"penguins_in_a_table", "navigate"}, "mode": ModeDirect}); fmt.Sprint(got) !=
		"map[bbh/task=navigate/mode=direct/shots=3:200 bbh/task=penguins_in_a_table/mode=direct/shots=3:146]" {
		t.Errorf("sizes %v", got)
	}
	for _, p := range []params.Values{{"tasks": []string{"nope"}}, {"tasks": []string{}}, {"shots": 4}, {"n": 0}, {"mode": "x"}, {"form": "y"}, {"max_tokens": 0}} {
		for _, err := range NewOfficial().Instances(context.Background(), p) {
			if err == nil {
				t.Errorf("%v: want an error", p)
			}
			break
		}
	}
	if len(OfficialTasks()) != 27 || AnswerType("sports_understanding") != "yes_no" || AnswerType("nope") != "" {
		t.Error("task list or answer types")
	}
}

// TestOfficialMissingData: without data the first thing Instances yields
// is an error that says how to get it.
func TestOfficialMissingData(t *testing.T) {
	noOfficialData(t)
	var err error
	for _, e := range NewOfficial().Instances(context.Background(), params.Values{}) {
		err = e
		break
	}
	if err == nil || !errors.Is(err, datasets.ErrMissing) {
		t.Fatalf("want a missing-data error, got %v", err)
	}
	for _, s := range []string{"engrambench datasets pull bbh", "data_dir", "$" + DataDirEnv} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	res := NewOfficial().(officialSet).SelfCheck(context.Background(), params.Values{})
	if len(res) != 1 || res[0].OK() {
		t.Errorf("self-check without data: %+v", res)
	}
}

func TestOfficialDataErrors(t *testing.T) {
	dir, exs := fakeBoolData(t)
	p := params.Values{"data_dir": dir, "tasks": []string{"boolean_expressions"}}
	writeTask(t, dir, "boolean_expressions", exs[:249], "")
	_, err := tasks.Check(context.Background(), NewOfficial(), p, 0)
	if err == nil || !strings.Contains(err.Error(), "has 249 examples; the pinned upstream commit has 250") {
		t.Errorf("short file: %v", err)
	}
	os.Remove(filepath.Join(dir, "cot-prompts", "boolean_expressions.txt"))
	writeTask(t, dir, "boolean_expressions", exs, "")
	if _, err := tasks.Check(context.Background(), NewOfficial(), p, 0); err == nil || !strings.Contains(err.Error(), "cot-prompts") {
		t.Errorf("missing prompt: %v", err)
	}
}

// TestOfficialSelfCheckFakeData: the self-check on a directory the test
// writes, with one target made wrong.
func TestOfficialSelfCheckFakeData(t *testing.T) {
	dir, exs := fakeBoolData(t)
	p := params.Values{"data_dir": dir, "tasks": []string{"boolean_expressions"}}
	res := NewOfficial().(officialSet).SelfCheck(context.Background(), p)
	for _, r := range res {
		if !r.OK() {
			t.Errorf("%s: %v", r.Name, r.Failures)
		}
	}
	if len(res) != 3 || res[0].Checked != 250 || res[1].Checked != 250 || !strings.Contains(res[2].Name, "boolean_expressions: 250/250 (100.0%) agree") {
		t.Errorf("checks: %+v", res)
	}
	exs[7].Target = map[string]string{"True": "False", "False": "True"}[exs[7].Target]
	writeTask(t, dir, "boolean_expressions", exs, boolPrompt)
	res = NewOfficial().(officialSet).SelfCheck(context.Background(), p)
	if r := res[2]; r.OK() || !strings.Contains(strings.Join(r.Failures, " "), "undocumented disagreement: boolean_expressions #7") {
		t.Errorf("a wrong target should fail the agreement check: %+v", r)
	}
}

// TestOfficialWithData runs the whole set on the official files when they
// are at hand: 6,511 instances pass the generic checks in every mode and
// form, the self-check passes, and its output lists the agreement per task
// and every documented disagreement.
func TestOfficialWithData(t *testing.T) {
	dir := officialDir(t)
	// The default mode and form; TestOfficialPrompts covers the others.
	res, err := tasks.Check(context.Background(), NewOfficial(), params.Values{"data_dir": dir}, 20)
	if err != nil {
		t.Fatal(err)
	}
	var agreements, documented int
	for _, r := range res {
		if !r.OK() {
			t.Errorf("%s: %v", r.Name, r.Failures)
		}
		switch {
		case strings.HasPrefix(r.Name, "solver agreement "):
			agreements++
			t.Log(r.Name)
		case strings.HasPrefix(r.Name, "documented disagreement "):
			documented++
			t.Log(r.Name)
		case strings.HasPrefix(r.Name, "official data complete"):
			if r.Checked != OfficialExamples {
				t.Errorf("%s: %d examples", r.Name, r.Checked)
			}
		}
	}
	if agreements != len(generated) || documented != 22 {
		t.Errorf("%d agreement checks (want %d), %d documented disagreements (want 22)", agreements, len(generated), documented)
	}
	// The 3-shot chain-of-thought prompt in completion form is the official
	// prompt file, byte for byte, then the question as the reference
	// harness asks it.
	first := map[string]bool{}
	for in, err := range NewOfficial().Instances(context.Background(), params.Values{"data_dir": dir, "form": FormCompletion, "n": 1}) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "cot-prompts", in.Task+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		_, body, _ := strings.Cut(string(b), "\n-----\n")
		exs, _ := loadOfficial(dir, in.Task)
		if want := body + "\n\nQ: " + exs[0].Input + "\nA: Let's think step by step.\n"; in.Request.Prompt != want {
			t.Errorf("%s: the prompt is not the official one:\n%q\nwant\n%q", in.Task, in.Request.Prompt, want)
		}
		first[in.Task] = true
	}
	if len(first) != 27 {
		t.Errorf("prompts for %d tasks, want 27", len(first))
	}
	// Every instance has an answer space that holds its target, except the
	// three malformed targets FACTS.md §3 names.
	malformed := 0
	for in, err := range NewOfficial().Instances(context.Background(), params.Values{"data_dir": dir}) {
		if err != nil {
			t.Fatal(err)
		}
		as := in.Request.AnswerSpace
		target := in.Reference.Answers[0]
		switch {
		case len(as.Choices) > 0 && !slices.Contains(as.Choices, target):
			malformed++
			t.Logf("target outside the answer space: %s %q", in.ID, target)
		case len(as.Permute) > 0 && strings.Join(slices.Sorted(slices.Values(as.Permute)), " ") != target:
			t.Errorf("%s: sorted words %v are not the target %q", in.ID, as.Permute, target)
		}
	}
	if malformed != 3 {
		t.Errorf("%d targets outside their answer space, want 3 (movie_recommendation 1, ruin_names 2)", malformed)
	}
}

// TestGeneratedSelfCheckWithData: the generated set's self-check, solvers
// and freshness included, with the official data.
func TestGeneratedSelfCheckWithData(t *testing.T) {
	dir := officialDir(t)
	res := NewGenerated().(generatedSet).SelfCheck(context.Background(), params.Values{"seed": 7, "n": 60, "data_dir": dir})
	var names []string
	for _, r := range res {
		names = append(names, r.Name)
		if !r.OK() || r.Checked == 0 || strings.Contains(r.Name, "skipped") {
			t.Errorf("%s: checked %d, failures %v", r.Name, r.Checked, r.Failures)
		}
	}
	if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, "generated inputs are not official ones") }) {
		t.Errorf("no freshness check among %v", names)
	}
}

func TestGeneratedSelfCheckSkipsWithoutData(t *testing.T) {
	noOfficialData(t)
	res := NewGenerated().(generatedSet).SelfCheck(context.Background(), params.Values{"seed": 1})
	for _, r := range res[1:] {
		if !r.OK() || r.Checked != 0 || !strings.Contains(r.Name, "skipped: no bbh data") || !strings.Contains(r.Name, "datasets pull bbh") {
			t.Errorf("%s: checked %d, failures %v; want a skip", r.Name, r.Checked, r.Failures)
		}
	}
}

// TestGeneratedInputsNotOfficial: tasks with large input spaces never
// generate an official input, checked against a directory the test writes
// that holds some generated inputs as "official" ones.
func TestGeneratedFreshnessCheckFires(t *testing.T) {
	p := params.Values{"seed": 4, "n": 5, "tasks": []string{"web_of_lies"}}
	var exs []officialExample
	for _, in := range collect(t, p) {
		q := questionOf(t, in)
		exs = append(exs, officialExample{Input: q, Target: in.Reference.Answers[0]})
	}
	for len(exs) < 250 {
		exs = append(exs, exs[0])
	}
	dir := t.TempDir()
	writeTask(t, dir, "web_of_lies", exs, "")
	p["data_dir"] = dir
	res := NewGenerated().(generatedSet).SelfCheck(context.Background(), p)
	last := res[len(res)-1]
	if last.OK() || !strings.Contains(last.Failures[0], "generated input is an official one") {
		t.Errorf("freshness check: %+v", last)
	}
}

// TestGeneratorsMatchOfficialForm: at difficulty 0 the official inputs of
// the tasks with a closed form lie in the spaces the generators draw from.
func TestGeneratorsMatchOfficialForm(t *testing.T) {
	dir := officialDir(t)
	inSpace := map[string]bool{}
	for _, in := range boolSpace() {
		inSpace[in] = true
	}
	check := map[string]func(string) bool{
		"boolean_expressions":      func(in string) bool { return inSpace[in] },
		"multistep_arithmetic_two": arithForm.MatchString,
		"word_sorting": func(in string) bool {
			words, err := sortInputWords(in)
			return err == nil && len(words) >= minSortWords && len(words) <= maxSortWords &&
				strings.Join(words, " ") == strings.TrimPrefix(in, sortLeadIn)
		},
	}
	for task, ok := range check {
		exs, err := loadOfficial(dir, task)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range exs {
			if !ok(ex.Input) {
				t.Errorf("%s: official input %q is outside the generator's form", task, ex.Input)
			}
		}
	}
}
