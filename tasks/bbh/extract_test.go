package bbh

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

func TestStrictExtract(t *testing.T) {
	cases := []struct{ text, want string }{
		{"So the answer is True.", "True"},
		{"Let's see.\nSo the answer is 24.\nQ: next", "24"},
		{"So the answer is apple banana.", "apple banana"},
		// The final character goes whatever it is: no full stop, no luck.
		{"So the answer is True", "Tru"},
		{"So the answer is True.\r\n", "True."},
		{"So the answer is  -7 .", "-7"},
		// Case matters: "The answer is" is not "the answer is".
		{"The answer is 24.", ""},
		{"answer: 24", ""},
		{"", ""},
		// The first usable match wins; an empty line is not usable.
		{"the answer is \nthe answer is False.", "False"},
		{"the answer is A. Or the answer is B.", "A. Or the answer is B"},
		{"the answer is X\nthe answer is Y.", ""},
		{"So the answer is **False**.", "**False**"},
		{"So the answer is é.", "é"},
	}
	for _, c := range cases {
		if got := strictExtract(c.text); got != c.want {
			t.Errorf("strict(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestStripThink(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"<think>So the answer is (A).</think>So the answer is (B).", "So the answer is (B)."},
		{"a<think>x</think>b<think>y</think>c", "abc"},
		{"reasoning that the template opened</think>\nSo the answer is 3.", "\nSo the answer is 3."},
		{"So far so good. <think>cut off while thinking, the answer is 4.", "So far so good. "},
		{"<think></think>", ""},
	}
	for _, c := range cases {
		if got := stripThink(c.in); got != c.want {
			t.Errorf("stripThink(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// adversarial is the table the issue asks for: model outputs that trip
// naive extractors, with what each extractor must make of them.
var adversarial = []struct {
	task, text, target string
	strict, flexible   string
	flexMatch          bool
}{
	// Multiple choice.
	{"date_understanding", "So the answer is (B).", "(B)", "(B)", "(B)", true},
	{"date_understanding", "So the answer is **(B)**.", "(B)", "**(B)**", "(B)", true},
	{"date_understanding", "The answer is (B).", "(B)", "", "(B)", true},
	{"date_understanding", "So the answer is B.", "(B)", "B", "(B)", true},
	{"date_understanding", "So the answer is B) 01/09/1961.", "(B)", "B) 01/09/1961", "(B)", true},
	{"date_understanding", "Answer: (C)", "(C)", "", "(C)", true},
	{"date_understanding", "**Answer:** C", "(C)", "", "(C)", true},
	{"date_understanding", "Final answer: **D**", "(D)", "", "(D)", true},
	{"date_understanding", "I first thought the answer is (A). On reflection, the answer is (C).", "(C)", "(A). On reflection, the answer is (C)", "(C)", true},
	{"date_understanding", "So the answer is (A).\nWait, that is wrong. So the answer is (D).", "(D)", "(A)", "(D)", true},
	{"date_understanding", "So the answer is (A) and (B).", "(A)", "(A) and (B)", "", false},
	{"date_understanding", "So the answer is (A) or (C).", "(C)", "(A) or (C)", "", false},
	{"date_understanding", "The answer is A or C.", "(C)", "", "", false},
	{"date_understanding", "So the answer is (A), not (C) as one might think.", "(A)", "(A), not (C) as one might think", "(A)", true},
	{"date_understanding", "Because Bob arrives after Ann, (E) is right.", "(E)", "", "(E)", true},
	{"date_understanding", "Option (A) fails, option (B) fails, so (E) it is.", "(E)", "", "(E)", true},
	{"date_understanding", "So the answer is Because.", "(B)", "Because", "Because", false},
	{"date_understanding", "So the answer is A pentagon.", "(A)", "A pentagon", "A pentagon", false},
	{"date_understanding", "B", "(B)", "", "(B)", true},
	{"date_understanding", "So the answer is the second option, (B).", "(B)", "the second option, (B)", "(B)", true},
	{"date_understanding", "The answer is as follows:\n(E) 12/22/2014", "(E)", "", "(E)", true},
	{"date_understanding", "**(F)**", "(F)", "", "(F)", true},
	{"date_understanding", "So the answer is “(B)”.", "(B)", "“(B)”", "(B)", true},
	{"date_understanding", "so the answer is (b).", "(B)", "(b)", "(B)", true},
	{"date_understanding", "Two points: (a) the date, (b) the format. Either way (C).", "(C)", "", "(C)", true},
	{"date_understanding", "<think>The answer is (A).</think>So the answer is (B).", "(B)", "(B)", "(B)", true},
	{"date_understanding", "<think>Clearly (A).</think>", "(A)", "", "", false},
	{"movie_recommendation", "So the answer is Monsters, Inc.", "Monsters, Inc", "Monsters, Inc", "Monsters, Inc", true},
	{"movie_recommendation", "So the answer is **monsters, inc**.", "Monsters, Inc", "**monsters, inc**", "monsters, inc", true},
	// True / False.
	{"boolean_expressions", "So the answer is True.", "True", "True", "True", true},
	{"boolean_expressions", "So the answer is **False**.", "False", "**False**", "False", true},
	{"boolean_expressions", "So the answer is true.", "True", "true", "True", true},
	{"boolean_expressions", "The answer is FALSE", "False", "", "False", true},
	{"boolean_expressions", "not False is True, so the answer is False. (True would need an or.)", "False", "False. (True would need an or.", "False", true},
	{"boolean_expressions", "So the answer is True or False, depending.", "True", "True or False, depending", "", false},
	{"boolean_expressions", "The statement is untrue and a falsehood.", "False", "", "", false},
	{"boolean_expressions", "It evaluates to True!", "True", "", "True", true},
	{"boolean_expressions", "So the answer is True", "True", "Tru", "True", true},
	{"boolean_expressions", "<think>So the answer is True.</think>\nSo the answer is False.", "False", "False", "False", true},
	// Yes / No, valid / invalid.
	{"navigate", "So the answer is Yes.", "Yes", "Yes", "Yes", true},
	{"navigate", "So the answer is no.", "No", "no", "No", true},
	{"navigate", "We end where we started: the answer is **Yes**, we return.", "Yes", "**Yes**, we return", "Yes", true},
	{"navigate", "Answer: No. (If it said yes, we would be back.)", "No", "", "No", true},
	{"web_of_lies", "So the answer is Yes or No.", "Yes", "Yes or No", "", false},
	{"sports_understanding", "So the answer is yes.", "yes", "yes", "Yes", true},
	{"sports_understanding", "So the answer is Yes.", "yes", "Yes", "Yes", true},
	{"causal_judgement", "Nobody knows. The answer is No", "No", "", "No", true},
	{"formal_fallacies", "So the answer is invalid.", "invalid", "invalid", "invalid", true},
	{"formal_fallacies", "So the answer is valid.", "invalid", "valid", "valid", false},
	{"formal_fallacies", "The argument is **Invalid**.", "invalid", "", "invalid", true},
	// Integers.
	{"multistep_arithmetic_two", "So the answer is -11,520.", "-11520", "-11,520", "-11520", true},
	{"multistep_arithmetic_two", "So the answer is −7.", "-7", "−7", "-7", true},
	{"multistep_arithmetic_two", "So the answer is 24 (that is, 46 - 22).", "24", "24 (that is, 46 - 22)", "24", true},
	{"multistep_arithmetic_two", "46 - 22 = 24", "24", "", "24", true},
	{"multistep_arithmetic_two", "So the answer is 24.0.", "24", "24.0", "24", true},
	{"multistep_arithmetic_two", "The answer is **-3**.", "-3", "", "-3", true},
	{"multistep_arithmetic_two", "So the answer is 2.5.", "2", "2.5", "2.5", false},
	{"object_counting", "So the answer is eight.", "8", "eight", "8", true},
	{"object_counting", "Answer: I have 8 fruits in total.", "8", "", "8", true},
	{"object_counting", "So the answer is 7. Earlier I counted 6.", "7", "7. Earlier I counted 6", "7", true},
	// Dyck closings.
	{"dyck_languages", "So the answer is ] } ].", "] } ]", "] } ]", "] } ]", true},
	{"dyck_languages", "So the answer is `]})`.", "] } )", "`]})`", "] } )", true},
	{"dyck_languages", "The answer is: \"]\", \"}\", \"]\"", "] } ]", "", "] } ]", true},
	{"dyck_languages", "Closing the stack gives:\n> )", "> )", "", "> )", true},
	{"dyck_languages", "So the answer is [ { ( ) } ] ].", "]", "[ { ( ) } ] ]", "", false},
	// Sorted words.
	{"word_sorting", "So the answer is barn damp dot.", "barn damp dot", "barn damp dot", "barn damp dot", true},
	{"word_sorting", "The answer is: **Barn, damp, dot**.", "barn damp dot", "", "Barn damp dot", true},
	{"word_sorting", "Sorted.\nThe final answer is:\n1. barn\n2. damp\n3. dot\n\nDone.", "barn damp dot", "", "barn damp dot", true},
	{"word_sorting", "So the answer is damp barn dot.", "barn damp dot", "damp barn dot", "damp barn dot", false},
}

func TestAdversarialOutputs(t *testing.T) {
	if len(adversarial) < 60 {
		t.Fatalf("the table has %d cases; the issue asks for at least 60", len(adversarial))
	}
	for _, c := range adversarial {
		e, err := Extract(c.task, c.text, c.target)
		if err != nil {
			t.Fatal(err)
		}
		if e.Strict != c.strict || e.Flexible != c.flexible || e.FlexibleMatch != c.flexMatch {
			t.Errorf("%s %q (target %q):\n got strict %q flexible %q match %v\nwant strict %q flexible %q match %v",
				c.task, c.text, c.target, e.Strict, e.Flexible, e.FlexibleMatch, c.strict, c.flexible, c.flexMatch)
		}
		if e.StrictMatch != (c.strict == c.target) {
			t.Errorf("%s %q: strict match %v", c.task, c.text, e.StrictMatch)
		}
	}
}

// TestReasoningNeverRead: the scorer reads Response.Text only; the same
// answer in Reasoning, or in think blocks, earns nothing.
func TestReasoningNeverRead(t *testing.T) {
	in := tasks.Instance{ID: "x", Task: "boolean_expressions", Reference: tasks.Reference{Answers: []string{"True"}},
		Request: runners.Request{AnswerSpace: answerSpace("boolean_expressions", "True is")}}
	for _, r := range []runners.Response{
		{Text: "", Reasoning: "So the answer is True."},
		{Text: "I am not sure.", Reasoning: "So the answer is True."},
		{Text: "<think>So the answer is True.</think>No idea."},
		{Text: "<think>So the answer is True."},
	} {
		s, err := score(context.Background(), in, r)
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseDetail(s.Detail)
		if err != nil {
			t.Fatal(err)
		}
		if s.Value != 0 || s.Extracted != "" || d.FlexibleMatch || d.Flexible != "" {
			t.Errorf("%+v: scored %+v", r, s)
		}
	}
}

func TestScore(t *testing.T) {
	space := &runners.AnswerSpace{Permute: []string{"damp", "barn"}, Prefix: answerPrefix, Suffix: answerSuffix}
	in := tasks.Instance{ID: "x", Task: "word_sorting", Reference: tasks.Reference{Answers: []string{"barn damp"}}, Request: runners.Request{AnswerSpace: space}}
	cases := []struct {
		text   string
		value  float64
		strict string
		detail string
	}{
		{"So the answer is barn damp.", 1, "barn damp", `flexible="barn damp" flexible_match=1 answer_type=word_list chance=0.5`},
		{"So the answer is Barn, damp", 0, "Barn, dam", `flexible="Barn damp" flexible_match=1 answer_type=word_list chance=0.5`},
		{"So the answer is damp barn.", 0, "damp barn", `flexible="damp barn" flexible_match=0 answer_type=word_list chance=0.5`},
		{"So the answer is Barn, damp.", 0, "Barn, damp", `flexible="Barn damp" flexible_match=1 answer_type=word_list chance=0.5`},
		{"", 0, "", `flexible="" flexible_match=0 answer_type=word_list chance=0.5`},
	}
	for _, c := range cases {
		s, err := score(context.Background(), in, runners.Response{Text: c.text, Reasoning: "So the answer is barn damp."})
		if err != nil {
			t.Fatal(err)
		}
		if s.Value != c.value || s.Extracted != c.strict || s.Detail != c.detail {
			t.Errorf("%q: got %+v, want value %g strict %q detail %s", c.text, s, c.value, c.strict, c.detail)
		}
	}
	if _, err := score(context.Background(), tasks.Instance{Task: "nope", Reference: in.Reference}, runners.Response{}); err == nil {
		t.Error("unknown task: want an error")
	}
	if _, err := score(context.Background(), tasks.Instance{Task: "word_sorting"}, runners.Response{}); err == nil {
		t.Error("no reference answer: want an error")
	}
}

func FuzzExtract(f *testing.F) {
	f.Add("Let's think.\n", "True", "")
	f.Add("", "-11520", "So the answer is 3.")
	f.Add("the answer is", "barn damp", "")
	f.Add("**", "(A)", "<think>")
	f.Add("</think>", "] ) >", "the answer is (Q).")
	f.Fuzz(func(t *testing.T, pre, x, reasoning string) {
		text := pre + "the answer is " + x + "."
		for _, task := range OfficialTasks() {
			for _, s := range []string{text, pre, x} {
				e, err := Extract(task, s, x)
				if err != nil {
					t.Fatal(err)
				}
				// Reasoning is never read: a response with reasoning scores as
				// the same response without it.
				in := tasks.Instance{ID: "f", Task: task, Reference: tasks.Reference{Answers: []string{x}}}
				with, err := score(context.Background(), in, runners.Response{Text: s, Reasoning: reasoning})
				if err != nil {
					t.Fatal(err)
				}
				without, _ := score(context.Background(), in, runners.Response{Text: s})
				if with != without {
					t.Fatalf("reasoning changed the score of %q: %+v vs %+v", s, with, without)
				}
				// Reasoning in think blocks is never read either.
				if !strings.Contains(s, "think>") && !strings.Contains(reasoning, "think>") {
					wrapped, _ := Extract(task, "<think>"+reasoning+"</think>"+s, x)
					if wrapped != e {
						t.Fatalf("a think block changed the extraction of %q: %+v vs %+v", s, wrapped, e)
					}
				}
			}
		}
		got := strictExtract(text)
		// When the appended phrase is the first match, the rule returns x.
		if strings.Contains(pre+"the answer is", "the answer is ") || strings.Contains(x, "\n") || !utf8.ValidString(x) {
			return
		}
		if want := strings.TrimSpace(x); got != want {
			t.Errorf("strict(%q) = %q, want %q", text, got, want)
		}
	})
}
