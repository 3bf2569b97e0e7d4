package longctx

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tokenize"
)

func collect(t testing.TB, p params.Values) []tasks.Instance {
	t.Helper()
	var out []tasks.Instance
	for in, err := range NewRuler().Instances(context.Background(), p) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

func getTok(t testing.TB, name string) tokenize.Tokenizer {
	t.Helper()
	tok, err := tokenize.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestLengthBound: prompt tokens + budget <= length, and within 2% of it.
func TestLengthBound(t *testing.T) {
	for _, tk := range []string{"cl100k_base", "o200k_base"} {
		for _, form := range []string{FormChat, FormCompletion} {
			tok := getTok(t, tk)
			ins := collect(t, params.Values{"seed": 4, "n": 10, "lengths": []int{1024, 4096, 16384}, "tokenizer": tk, "form": form})
			if len(ins) != 30 {
				t.Fatalf("%d instances, want 30", len(ins))
			}
			for _, in := range ins {
				length := atoi(t, in.Labels["len"])
				used := tok.Count(in.Request.Text()) + in.Request.MaxTokens
				if used > length || float64(used) < 0.98*float64(length) {
					t.Errorf("%s/%s %s: %d tokens used of %d", tk, form, in.ID, used, length)
				}
				if in.Request.MaxTokens != 128 || in.Request.IsChat() != (form == FormChat) {
					t.Errorf("%s: request %+v", in.ID, in.Request)
				}
			}
		}
	}
}

func atoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// countingTok counts how often a whole prompt is tokenised.
type countingTok struct {
	tokenize.Tokenizer
	calls int
}

func (c *countingTok) Count(s string) int { c.calls++; return c.Tokenizer.Count(s) }

// TestFitIsCheap: the estimate is verified with very few real counts.
func TestFitIsCheap(t *testing.T) {
	tok := &countingTok{Tokenizer: getTok(t, tokenize.Default)}
	draw, err := prepareNIAHSingle1(tok.Tokenizer)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for i := range 40 {
		r, _ := stream(1, "niah_single_1", i)
		tok.calls = 0
		if _, err := fit(tok, draw(r), 8192-128); err != nil {
			t.Fatal(err)
		}
		if tok.calls > 1+maxFitCounts {
			t.Errorf("instance %d: %d counts", i, tok.calls)
		}
		total += tok.calls
	}
	t.Logf("%.2f counts per instance (bare prompt included)", float64(total)/40)
}

// fakeSample grows by words whose real token count the estimate gets
// wrong, to drive the exact search.
type fakeSample struct{ estimate int }

func (f fakeSample) text(units int) string {
	return "Count these:" + strings.Repeat(" alpha beta", units) + " end"
}
func (f fakeSample) unitTokens(int) int { return f.estimate }
func (f fakeSample) answers() []string  { return []string{"x"} }

func TestFitExactWhenEstimateIsWrong(t *testing.T) {
	tok := getTok(t, tokenize.Default)
	for _, est := range []int{1, 2, 5, 40} {
		for _, budget := range []int{50, 333, 1000} {
			f, err := fit(tok, fakeSample{est}, budget)
			if err != nil {
				t.Fatal(err)
			}
			s := fakeSample{est}
			if f.tokens != tok.Count(s.text(f.units)) || f.text != s.text(f.units) {
				t.Fatalf("estimate %d, budget %d: fitted result is inconsistent", est, budget)
			}
			if f.tokens > budget || tok.Count(s.text(f.units+1)) <= budget {
				t.Errorf("estimate %d, budget %d: %d units (%d tokens) is not the largest fit", est, budget, f.units, f.tokens)
			}
		}
	}
	if _, err := fit(tok, fakeSample{2}, 2); err == nil {
		t.Error("budget below the bare prompt: want an error")
	}
}

// TestNeedle: one needle, at one of the 40 depths, its key nowhere else in
// the haystack, its value nowhere else at all.
func TestNeedle(t *testing.T) {
	ins := collect(t, params.Values{"seed": 8, "n": 30, "lengths": []int{1024, 2048}})
	for _, in := range ins {
		text := in.Request.Text()
		value := in.Reference.Answers[0]
		if len(value) != 7 || value[0] == '0' || strings.Trim(value, "0123456789") != "" {
			t.Errorf("%s: value %q is not a 7-digit number", in.ID, value)
		}
		i := strings.Index(text, "One of the special magic numbers for ")
		if i < 0 || strings.Count(text, "special magic numbers for") != 1 || strings.Count(text, value) != 1 {
			t.Fatalf("%s: want exactly one needle and one value:\n%s", in.ID, text)
		}
		key := strings.TrimPrefix(text[i:], "One of the special magic numbers for ")
		key, _, _ = strings.Cut(key, " ")
		haystack, _, _ := strings.Cut(text, "\n\nWhich special")
		if strings.Count(haystack, key) != 1 || strings.Count(text, key) != 3 {
			t.Errorf("%s: key %q appears %d times in the haystack, %d in all", in.ID, key, strings.Count(haystack, key), strings.Count(text, key))
		}
		if !strings.HasSuffix(text, "The special magic number for "+key+" mentioned in the provided text is") {
			t.Errorf("%s: prompt does not end in the answer prefix", in.ID)
		}
	}
	// Paired across lengths: instance i asks the same question at each.
	if ins[0].Reference.Answers[0] != ins[30].Reference.Answers[0] {
		t.Error("instance 0 differs between lengths")
	}
}

func TestDepths(t *testing.T) {
	tok := getTok(t, tokenize.Default)
	draw, err := prepareNIAHSingle1(tok)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for i := range 2000 {
		r, _ := stream(2, "niah_single_1", i)
		s := draw(r).(*niahSingle)
		if s.depth < 0 || s.depth >= depthPoints {
			t.Fatalf("depth index %d", s.depth)
		}
		seen[s.depth] = true
		if i < 200 {
			// The needle sits after round(units*depth) filler sentences, at
			// a sentence boundary.
			units := 50 + i
			text := s.text(units)
			before, _, _ := strings.Cut(text, s.needle())
			before = strings.TrimPrefix(before, niahInstruction+"\n\n")
			if got, want := strings.Count(before, "."), units*s.depth/(depthPoints-1); got != want {
				t.Errorf("depth %d of %d units: %d sentences before the needle, want %d", s.depth, units, got, want)
			}
			if before != "" && !strings.HasSuffix(before, ". ") {
				t.Errorf("needle not at a sentence boundary: %q", before[max(0, len(before)-20):])
			}
		}
	}
	if len(seen) != depthPoints {
		t.Errorf("%d distinct depths drawn, want %d", len(seen), depthPoints)
	}
	s := &niahSingle{unit: []int{1}, key: "k", value: "1234567"}
	if s.needleAt(100) != 0 {
		t.Error("depth 0 should put the needle first")
	}
	s.depth = depthPoints - 1
	if s.needleAt(100) != 100 || !strings.Contains(s.text(100), "shed. "+s.needle()+"\n\n") {
		t.Error("the last depth should put the needle after the whole haystack")
	}
}

func TestScore(t *testing.T) {
	one := tasks.Instance{Task: "niah_single_1", Reference: tasks.Reference{Answers: []string{"4829106"}}}
	four := tasks.Instance{Task: "niah_single_1", Reference: tasks.Reference{Answers: []string{"Alpha", "1111111", "2222222", "3333333"}}}
	cases := []struct {
		in        tasks.Instance
		text      string
		value     float64
		extracted string
		detail    string
	}{
		{one, " 4829106.", 1, "4829106.", ""},
		{one, "The number is 4829106, as stated.\nMore.", 1, "The number is 4829106, as stated.", ""},
		{one, "4829107", 0, "4829107", ""},
		{one, "48 29 106", 0, "48 29 106", ""},
		{one, "", 0, "", "null"},
		{one, " \n\t", 0, "", "null"},
		{four, "ALPHA and 2222222", 0.5, "ALPHA and 2222222", ""},
		{four, "alpha 1111111 2222222 3333333", 1, "alpha 1111111 2222222 3333333", ""},
	}
	for _, c := range cases {
		s, err := score(context.Background(), c.in, runners.Response{Text: c.text})
		if err != nil {
			t.Fatal(err)
		}
		if s.Value != c.value || s.Extracted != c.extracted || s.Detail != c.detail {
			t.Errorf("%q: got %+v, want %g %q %q", c.text, s, c.value, c.extracted, c.detail)
		}
	}
	if _, err := score(context.Background(), tasks.Instance{Task: "nope", Reference: one.Reference}, runners.Response{}); err == nil {
		t.Error("unknown task: want an error")
	}
	if _, err := score(context.Background(), tasks.Instance{Task: "niah_single_1"}, runners.Response{}); err == nil {
		t.Error("no references: want an error")
	}
}

func TestGenericChecks(t *testing.T) {
	for _, form := range []string{FormChat, FormCompletion} {
		p := params.Values{"seed": 3, "n": 8, "lengths": []int{1024, 4096}, "form": form}
		res, err := tasks.Check(context.Background(), NewRuler(), p, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if !r.OK() || r.Checked != 16 {
				t.Errorf("%s: %s: checked %d, failures %v", form, r.Name, r.Checked, r.Failures)
			}
		}
	}
}

func TestCellsAndSizes(t *testing.T) {
	p := params.Values{"seed": 1, "n": 3, "lengths": []int{2048, 1024, 2048}, "temperature": 0.5}
	ins := collect(t, p)
	counted := map[string]int{}
	var order []string
	for _, in := range ins {
		if counted[in.Cell()] == 0 {
			order = append(order, in.Cell())
		}
		counted[in.Cell()]++
		if in.Request.Temperature != 0.5 || in.Request.Seed != in.Seed || in.Request.AnswerSpace != nil {
			t.Errorf("%s: request %+v", in.ID, in.Request)
		}
		if in.Reference.Completion != " "+in.Reference.Answers[0]+"." {
			t.Errorf("%s: completion %q", in.ID, in.Reference.Completion)
		}
	}
	if fmt.Sprint(order) != "[ruler/task=niah_single_1/len=2048 ruler/task=niah_single_1/len=1024]" {
		t.Errorf("cells %v", order)
	}
	if sizes := NewRuler().(rulerSet).Sizes(p); fmt.Sprint(sizes) != fmt.Sprint(counted) {
		t.Errorf("Sizes %v, counted %v", sizes, counted)
	}
}

func TestBadParams(t *testing.T) {
	for _, p := range []params.Values{
		{"tasks": []string{"niah_single_9"}},
		{"tasks": []string{}},
		{"lengths": []int{512}},
		{"lengths": []int{}},
		{"n": 0},
		{"form": "json"},
		{"tokenizer": "gpt2-fast"},
	} {
		var err error
		for _, e := range NewRuler().Instances(context.Background(), p) {
			err = e
			break
		}
		if err == nil {
			t.Errorf("%v: want an error", p)
		}
	}
}

func TestSelfCheck(t *testing.T) {
	res := NewRuler().(rulerSet).SelfCheck(context.Background(), params.Values{"seed": 1, "n": 4, "lengths": []int{1024, 3000}})
	if len(res) != 1 || !res[0].OK() || res[0].Checked != 8 {
		t.Errorf("%+v", res)
	}
}

// TestGenerationSpeed: 20 instances at 4K take well under 2 s (the
// tokenizer is loaded beforehand, once per process as in a run).
func TestGenerationSpeed(t *testing.T) {
	getTok(t, tokenize.Default)
	start := time.Now()
	if n := len(collect(t, params.Values{"seed": 1, "n": 20, "lengths": []int{4096}})); n != 20 {
		t.Fatalf("%d instances", n)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("20 instances at 4096 took %v", d)
	} else {
		t.Logf("20 instances at 4096 took %v", d)
	}
}

func benchmarkInstance(b *testing.B, length int) {
	tok := getTok(b, tokenize.Default)
	draw, err := prepareNIAHSingle1(tok)
	if err != nil {
		b.Fatal(err)
	}
	c := config{n: 1, tokenizer: tokenize.Default, form: FormChat, seed: 1}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.instance(tok, rulerTasks[0], draw, length, i); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInstance4K(b *testing.B)  { benchmarkInstance(b, 4096) }
func BenchmarkInstance32K(b *testing.B) { benchmarkInstance(b, 32768) }
