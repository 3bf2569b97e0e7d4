package bbh

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/datasets"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tokenize"
)

func collect(t *testing.T, p params.Values) []tasks.Instance {
	t.Helper()
	var out []tasks.Instance
	for in, err := range NewGenerated().Instances(context.Background(), p) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

// noOfficialData makes sure no official data is found: no environment
// variable, an empty cache.
func noOfficialData(t *testing.T) {
	t.Helper()
	t.Setenv(DataDirEnv, "")
	t.Setenv(datasets.DataDirEnv, t.TempDir())
}

func TestGenericChecks(t *testing.T) {
	noOfficialData(t)
	for _, form := range []string{FormChat, FormCompletion} {
		for _, mode := range []string{ModeCoT, ModeDirect} {
			for _, shots := range []int{0, 3} {
				p := params.Values{"seed": 11, "n": 25, "form": form, "mode": mode, "shots": shots}
				res, err := tasks.Check(context.Background(), NewGenerated(), p, 0)
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
	// Every difficulty step makes instances that pass the same checks.
	for _, d := range []int{1, 4, maxDifficulty} {
		res, err := tasks.Check(context.Background(), NewGenerated(), params.Values{"seed": 3, "n": 8, "difficulty": d}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if !r.OK() {
				t.Errorf("difficulty %d: %s: %v", d, r.Name, r.Failures)
			}
		}
	}
}

func TestPromptLayout(t *testing.T) {
	p := params.Values{"seed": 3, "n": 2, "form": FormCompletion, "tasks": []string{"multistep_arithmetic_two"}}
	in := collect(t, p)[1]
	prompt := in.Request.Prompt
	input := questionOf(t, in)
	if !strings.HasPrefix(prompt, multistepArithmeticTwo.desc+"\n\nQ: ") {
		t.Errorf("prompt should open with the description, a blank line and the first exemplar:\n%s", prompt)
	}
	if want := "\n\nQ: " + input + "\nA: Let's think step by step.\n"; !strings.HasSuffix(prompt, want) {
		t.Errorf("prompt should end with %q:\n%s", want, prompt)
	}
	if n := strings.Count(prompt, "\nA: Let's think step by step.\n"); n != 4 {
		t.Errorf("%d question blocks, want 3 exemplars and the question", n)
	}
	if n := strings.Count(prompt, "\nSo the answer is "); n != 3 {
		t.Errorf("%d exemplar answers, want 3", n)
	}
	if in.Request.IsChat() || in.Request.MaxTokens != 1024 || in.Request.Seed != in.Seed {
		t.Errorf("request: %+v", in.Request)
	}
	for _, s := range in.Request.Stop {
		if strings.TrimSpace(s) == "Q" || !strings.Contains(s, "\n\n") {
			t.Errorf("stop string %q could cut reasoning", s)
		}
	}
	if in.Cell() != "bbh-gen/task=multistep_arithmetic_two/difficulty=0/mode=cot/shots=3" {
		t.Errorf("cell %q", in.Cell())
	}

	// Chat: one user message, with the instruction to end with the phrase.
	p["form"], p["shots"], p["temperature"] = FormChat, 0, 0.7
	in = collect(t, p)[1]
	msg := in.Request.Messages
	if len(msg) != 1 || msg[0].Role != "user" || !strings.Contains(msg[0].Content, `"So the answer is <answer>."`) ||
		strings.Contains(msg[0].Content, "\nSo the answer is ") || !strings.HasSuffix(msg[0].Content, "A: Let's think step by step.") {
		t.Errorf("chat message:\n%+v", msg)
	}
	if in.Request.Temperature != 0.7 || in.Cell() != "bbh-gen/task=multistep_arithmetic_two/difficulty=0/mode=cot/shots=0" {
		t.Errorf("temperature %g, cell %s", in.Request.Temperature, in.Cell())
	}

	// Direct: exemplars answer at once.
	p["form"], p["shots"], p["mode"] = FormCompletion, 3, ModeDirect
	in = collect(t, p)[1]
	if strings.Contains(in.Request.Prompt, "step by step") || !strings.HasSuffix(in.Request.Prompt, "\nA:") ||
		strings.Count(in.Request.Prompt, "\nA: So the answer is ") != 3 {
		t.Errorf("direct prompt:\n%s", in.Request.Prompt)
	}
}

// questionOf returns the test input from the last "Q: " of a prompt.
func questionOf(t *testing.T, in tasks.Instance) string {
	t.Helper()
	text := in.Request.Text()
	i := strings.LastIndex(text, "Q: ")
	if i < 0 {
		t.Fatalf("no question in %q", text)
	}
	q, _, _ := strings.Cut(text[i+3:], "\n")
	return q
}

// TestInputsStable: instance i depends on (seed, task, i) only: not on n,
// shots, mode or form; and a different seed gives different inputs.
func TestInputsStable(t *testing.T) {
	base := collect(t, params.Values{"seed": 5, "n": 50})
	inputs := func(ins []tasks.Instance) map[string]string {
		m := map[string]string{}
		for _, in := range ins {
			m[fmt.Sprintf("%s/%d", in.Task, in.Index)] = questionOf(t, in)
		}
		return m
	}
	want := inputs(base)
	for _, p := range []params.Values{
		{"seed": 5, "n": 7},
		{"seed": 5, "n": 50, "shots": 0, "mode": ModeDirect},
		{"seed": 5, "n": 20, "form": FormCompletion, "shots": 8},
		{"seed": 5, "n": 20, "tasks": []string{"word_sorting", "boolean_expressions"}},
	} {
		for k, v := range inputs(collect(t, p)) {
			if want[k] != v {
				t.Errorf("%v: %s is %q, want %q", p, k, v, want[k])
			}
		}
	}
	differ := 0
	other := inputs(collect(t, params.Values{"seed": 6, "n": 50}))
	for k, v := range other {
		if want[k] != v {
			differ++
		}
	}
	if differ < len(other)*9/10 {
		t.Errorf("seed 6 repeats %d of %d inputs of seed 5", len(other)-differ, len(other))
	}
}

func TestOrderAndAnswerSpaces(t *testing.T) {
	ins := collect(t, params.Values{"seed": 1, "n": 3, "tasks": []string{"word_sorting", "boolean_expressions", "word_sorting", "multistep_arithmetic_two"}})
	var order []string
	for _, in := range ins {
		if len(order) == 0 || order[len(order)-1] != in.Task {
			order = append(order, in.Task)
		}
		as := in.Request.AnswerSpace
		if as == nil || as.Prefix != "So the answer is " || as.Suffix != "." {
			t.Fatalf("%s: answer space %+v", in.ID, as)
		}
		switch in.Task {
		case "boolean_expressions":
			if !slices.Equal(as.Choices, []string{"True", "False"}) || as.Permute != nil {
				t.Errorf("%s: %+v", in.ID, as)
			}
		case "multistep_arithmetic_two":
			if as.Choices != nil || as.Permute != nil {
				t.Errorf("%s: arithmetic should be an open answer: %+v", in.ID, as)
			}
		case "word_sorting":
			words, _ := sortInputWords(questionOf(t, in))
			if as.Choices != nil || !slices.Equal(as.Permute, words) {
				t.Errorf("%s: %+v", in.ID, as)
			}
		}
	}
	if !slices.Equal(order, []string{"boolean_expressions", "multistep_arithmetic_two", "word_sorting"}) {
		t.Errorf("tasks came out as %v, want registry order", order)
	}
}

// TestBooleanWithoutReplacement: the small boolean space is dealt, not
// drawn, so a run of 500 has no repeated question.
func TestBooleanWithoutReplacement(t *testing.T) {
	seen := map[string]bool{}
	for _, in := range collect(t, params.Values{"seed": 2, "n": 500, "tasks": []string{"boolean_expressions"}}) {
		q := questionOf(t, in)
		if seen[q] {
			t.Fatalf("repeated question %q", q)
		}
		seen[q] = true
	}
}

func TestBadParams(t *testing.T) {
	for _, p := range []params.Values{
		{"tasks": []string{"causal_judgement"}},
		{"difficulty": -1},
		{"difficulty": maxDifficulty + 1},
		{"seed": -2},
		{"tasks": []string{}},
		{"shots": 9},
		{"shots": -1},
		{"n": 0},
		{"mode": "fewshot"},
		{"form": "json"},
		{"max_tokens": -1},
	} {
		var err error
		for _, e := range NewGenerated().Instances(context.Background(), p) {
			err = e
			break
		}
		if err == nil {
			t.Errorf("%v: want an error", p)
		}
	}
}

func TestSizes(t *testing.T) {
	p := params.Values{"seed": 1, "n": 4, "mode": ModeDirect}
	sizes := NewGenerated().(generatedSet).Sizes(p)
	counted := map[string]int{}
	for _, in := range collect(t, p) {
		counted[in.Cell()]++
	}
	if len(sizes) != len(generated) || fmt.Sprint(sizes) != fmt.Sprint(counted) {
		t.Errorf("Sizes %v, counted %v", sizes, counted)
	}
}

// TestReferencesFitBudget: a full chain-of-thought reference fits in the
// default generation budget, so the budget does not cut a correct answer.
func TestReferencesFitBudget(t *testing.T) {
	tok, err := tokenize.Get(tokenize.Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []params.Values{{"seed": 9, "n": 100}, {"seed": 9, "n": 10, "difficulty": 5}, {"seed": 9, "n": 10, "difficulty": maxDifficulty}} {
		longest := map[string]int{}
		for _, in := range collect(t, p) {
			n := tok.Count(in.Reference.Completion)
			longest[in.Task] = max(longest[in.Task], n)
			if n > in.Request.MaxTokens*3/4 {
				t.Errorf("%s: reference is %d tokens, budget %d", in.ID, n, in.Request.MaxTokens)
			}
		}
		t.Logf("difficulty %d: longest references in tokens: %v", p.Int("difficulty"), longest)
	}
}
