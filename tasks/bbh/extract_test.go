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

func TestFlexibleExtract(t *testing.T) {
	cases := []struct {
		kind       answerKind
		text, want string
	}{
		{boolAnswer, "So the answer is **True**.", "True"},
		{boolAnswer, "The answer: (False)", "False"},
		{boolAnswer, "not true, so it is FALSE", "False"},
		{boolAnswer, "It is true.", "True"},
		{boolAnswer, "False at first, but finally True!", "True"},
		{boolAnswer, "untrue and falsehood", ""},
		{boolAnswer, "", ""},
		{intAnswer, "So the answer is -11,520.", "-11520"},
		{intAnswer, "46-22 = 24", "24"},
		{intAnswer, "so we get 46-22", "22"},
		{intAnswer, "The result is 24.0", "24"},
		{intAnswer, "the answer is (-3)", "-3"},
		{intAnswer, "minus sign: −5", "-5"},
		{intAnswer, "about 2.5", "2.5"},
		{intAnswer, "x2 - y", "2"},
		{intAnswer, "no number here", ""},
		{wordsAnswer, "So the answer is barn damp dot.", "barn damp dot"},
		{wordsAnswer, "The answer is: **Barn, damp, dot**.", "Barn damp dot"},
		{wordsAnswer, "Sorted.\nThe final answer is:\n1. barn\n2. damp\n\nDone.", "barn damp"},
		{wordsAnswer, "no phrase here\n\nbarn  damp", "barn damp"},
		{wordsAnswer, "the answer is it&t oak.", "it&t oak"},
		{wordsAnswer, "", ""},
	}
	for _, c := range cases {
		if got := c.kind.flexible(c.text); got != c.want {
			t.Errorf("flexible[%d](%q) = %q, want %q", c.kind, c.text, got, c.want)
		}
	}
	if !wordsAnswer.match("Barn damp dot", "barn damp dot") || wordsAnswer.match("damp barn dot", "barn damp dot") {
		t.Error("word lists should match ignoring case, and only in order")
	}
	if boolAnswer.match("", "") || intAnswer.match("24", "-24") {
		t.Error("empty or different answers must not match")
	}
}

func TestScore(t *testing.T) {
	in := tasks.Instance{ID: "x", Task: "word_sorting", Reference: tasks.Reference{Answers: []string{"barn damp"}}}
	cases := []struct {
		text   string
		value  float64
		strict string
		detail string
	}{
		{"So the answer is barn damp.", 1, "barn damp", `flexible="barn damp" flexible_match=1`},
		{"So the answer is Barn, damp", 0, "Barn, dam", `flexible="Barn damp" flexible_match=1`},
		{"So the answer is damp barn.", 0, "damp barn", `flexible="damp barn" flexible_match=0`},
		{"So the answer is Barn, damp.", 0, "Barn, damp", `flexible="Barn damp" flexible_match=1`},
		{"", 0, "", `flexible="" flexible_match=0`},
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
	f.Add("Let's think.\n", "True")
	f.Add("", "-11520")
	f.Add("the answer is", "barn damp")
	f.Add("**", "(A)")
	f.Fuzz(func(t *testing.T, pre, x string) {
		text := pre + "the answer is " + x + "."
		for _, k := range []answerKind{boolAnswer, intAnswer, wordsAnswer} {
			k.flexible(text)
			k.flexible(pre)
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
