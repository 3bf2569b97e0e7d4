package longctx

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/internal/golden"
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

func generateAll(t testing.TB, ctx context.Context, p params.Values) []generated {
	t.Helper()
	var out []generated
	for g, err := range (rulerSet{}).generate(ctx, p) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, g)
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

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLengthBound: prompt tokens + budget <= length, and within 1% of it
// (at 4096, a haystack unit above 1% of the length, a UUID needle line,
// may leave more: then one more unit must not fit). Counted with the
// tokenizer's own full count, not the memo that fitted the prompt.
func TestLengthBound(t *testing.T) {
	cases := []struct {
		tok, form string
		lengths   []int
	}{
		{"cl100k_base", FormChat, []int{4096, 8192}},
		{"o200k_base", FormChat, []int{4096, 8192}},
		{"cl100k_base", FormCompletion, []int{4096}},
	}
	for _, c := range cases {
		tok := getTok(t, c.tok)
		gs := generateAll(t, context.Background(), params.Values{"seed": 4, "n": 2, "lengths": c.lengths, "tokenizer": c.tok, "form": c.form})
		if len(gs) != 13*2*len(c.lengths) {
			t.Fatalf("%d instances", len(gs))
		}
		for _, g := range gs {
			in := g.in
			length := atoi(t, in.Labels["len"])
			used := tok.Count(in.Request.Text()) + in.Request.MaxTokens
			tight := float64(used) >= 0.99*float64(length)
			if used > length || (!tight && (length > 4096 || used+g.s.unitTokens(g.units) <= length)) {
				t.Errorf("%s/%s %s: %d tokens used of %d", c.tok, c.form, in.ID, used, length)
			}
			if in.Request.MaxTokens != byName[in.Task].maxNew || in.Request.IsChat() != (c.form == FormChat) {
				t.Errorf("%s: request %+v", in.ID, in.Request)
			}
		}
	}
}

// TestInvariants: for every task at several lengths and seeds, each
// needle appears once at its depth, distractors never equal the asked key
// or an answer, and an exact solver reading only the prompt recovers the
// references. The sample's own verify is one check; the test's own
// reading of the prompt is another.
func TestInvariants(t *testing.T) {
	for _, seed := range []int{1, 2, 3} {
		gs := generateAll(t, context.Background(), params.Values{"seed": seed, "n": 2, "lengths": []int{2048, 4096, 16384}})
		for _, g := range gs {
			text, refs := g.in.Request.Text(), g.in.Reference.Answers
			if v, ok := g.s.(verifier); !ok {
				t.Errorf("%s: no verify", g.task.name)
			} else if err := v.verify(g.units, text); err != nil {
				t.Errorf("%s: %v", g.in.ID, err)
			}
			got, err := solve(g.task.name, text)
			if err != nil || g.task.metric(strings.Join(got, " "), refs) != 1 || (!isPart(g.task) && !sameSet(got, refs)) {
				t.Errorf("%s: solver %q (%v), references %q", g.in.ID, got, err, refs)
			}
			if g.task.niah != nil {
				checkNeedles(t, g)
			}
		}
	}
}

// checkNeedles reads every needle out of the prompt on its own.
func checkNeedles(t *testing.T, g generated) {
	t.Helper()
	text := g.in.Request.Text()
	q, _ := between(text, "does the passage above give for ", "?")
	asked := strings.Split(strings.ReplaceAll(q, " and ", ", "), ", ")
	type needle struct{ key, value string }
	var all []needle
	for i := 0; ; {
		j := strings.Index(text[i:], "One of the special magic ")
		if j < 0 {
			break
		}
		_, kv, _ := strings.Cut(text[i+j:], " for ")
		k, v, _ := strings.Cut(kv, " is: ")
		v, _, _ = strings.Cut(v, ".")
		all = append(all, needle{k, v})
		i += j + 1
	}
	perKey := map[string]int{}
	for _, n := range all {
		perKey[n.key]++
		isAsked := slices.Contains(asked, n.key)
		isAnswer := slices.Contains(g.in.Reference.Answers, n.value)
		if isAsked != isAnswer {
			t.Errorf("%s: needle %s=%s: asked %v but answer %v", g.in.ID, n.key, n.value, isAsked, isAnswer)
		}
	}
	spec := g.task.niah
	for _, k := range asked {
		want := spec.values
		if g.task.name == "niah_multivalue" {
			want = 4
		}
		if perKey[k] != want {
			t.Errorf("%s: key %s has %d needles, want %d", g.in.ID, k, perKey[k], want)
		}
	}
	for _, a := range g.in.Reference.Answers {
		if n := strings.Count(text, a); n != 1 {
			t.Errorf("%s: answer %s occurs %d times", g.in.ID, a, n)
		}
	}
	if spec.hay == hayNeedles && len(all) != g.units+1 {
		t.Errorf("%s: %d needle lines for %d units", g.in.ID, len(all), g.units)
	}
}

// TestDepths: needles sit after units*d/(points-1) filler sentences, at a
// sentence boundary, and all 40 depths are drawn.
func TestDepths(t *testing.T) {
	c, err := rulerSet{}.config(params.Values{"tasks": []string{"niah_single_1"}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.env(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	task := byName["niah_single_1"]
	cnt := newChunkCounter(e.m.est)
	seen := map[int]bool{}
	for i := range 2000 {
		r, _ := stream(2, task.name, i)
		smp, _ := task.draw(e, c.taskParams(task, 4096), cnt, r, i)
		s := smp.(*niahSample)
		d := s.ins[0].depth
		if d < 0 || d >= 40 {
			t.Fatalf("depth index %d", d)
		}
		seen[d] = true
		if i < 200 {
			units := 50 + i
			text := s.text(units)
			needle := strings.TrimSpace(s.ins[0].text)
			before, _, _ := strings.Cut(text, needle)
			before = strings.TrimPrefix(before, niahInstruction+"\n\n")
			if got, want := strings.Count(before, "."), units*d/39; got != want {
				t.Errorf("depth %d of %d units: %d sentences before the needle, want %d", d, units, got, want)
			}
			if before != "" && !strings.HasSuffix(before, ". ") {
				t.Errorf("needle not at a sentence boundary: %q", before[max(0, len(before)-20):])
			}
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d distinct depths drawn, want 40", len(seen))
	}
	if at(100, 0, 40) != 0 || at(100, 39, 40) != 100 || at(100, 5, 1) != 0 {
		t.Error("depth 0 should come first and the last depth after the whole haystack")
	}
}

// TestPaired: instance i asks the same question at every length.
func TestPaired(t *testing.T) {
	ins := collect(t, params.Values{"seed": 8, "n": 3, "lengths": []int{2048, 8192}, "tasks": []string{"niah_single_2", "niah_multiquery", "vt", "qa_2"}})
	byKey := map[string]string{}
	for _, in := range ins {
		k := fmt.Sprint(in.Task, in.Index)
		a := strings.Join(in.Reference.Answers, ",")
		if prev, ok := byKey[k]; ok && prev != a {
			t.Errorf("%s: answers %s at one length, %s at another", k, prev, a)
		}
		byKey[k] = a
	}
}

// TestDeterminism: the same parameters give byte-identical prompts with
// one worker or several, and the IDs (which hash the prompt) match the
// golden file, so a change of generator anywhere shows.
func TestDeterminism(t *testing.T) {
	p := params.Values{"seed": 42, "n": 2, "lengths": []int{4096}}
	many := collect(t, p)
	old := runtime.GOMAXPROCS(1)
	one := collect(t, p)
	runtime.GOMAXPROCS(old)
	if len(one) != len(many) {
		t.Fatalf("%d vs %d instances", len(one), len(many))
	}
	var ids strings.Builder
	for i := range one {
		if one[i].ID != many[i].ID || one[i].Request.Text() != many[i].Request.Text() {
			t.Errorf("instance %d differs between worker counts", i)
		}
		fmt.Fprintln(&ids, one[i].ID)
	}
	// A change here means every stored RULER sample's id changed: accept
	// it with -update only when the generator changed on purpose.
	golden.Check(t, filepath.Join("testdata", "ids.golden"), []byte(ids.String()))
}

// countingTok counts how often a whole prompt is measured.
type countingTok struct {
	Tokenizer
	calls int
}

func (c *countingTok) CountTokens(ctx context.Context, s string) (int, error) {
	c.calls++
	return c.Tokenizer.CountTokens(ctx, s)
}

// TestFitIsCheap: the estimate is verified with few whole-prompt counts,
// even through the path a runner's tokenizer takes.
func TestFitIsCheap(t *testing.T) {
	c, err := rulerSet{}.config(params.Values{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.env(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ct := &countingTok{Tokenizer: Offline(e.m.est)}
	e.m.external = ct
	w := e.m.counter()
	for _, task := range rulerTasks {
		ct.calls = 0
		const n = 6
		for i := range n {
			if _, err := c.build(context.Background(), e, w, task, 8192, i); err != nil {
				t.Fatal(err)
			}
		}
		per := float64(ct.calls) / n
		if per > 3 {
			t.Errorf("%s: %.1f counts per instance", task.name, per)
		}
		t.Logf("%s: %.1f counts per instance (bare prompt included)", task.name, per)
	}
}

// fakeSample grows by words whose real token count the estimate gets
// wrong, to drive the exact search.
type fakeSample struct{ estimate int }

func (f fakeSample) text(units int) string {
	return "Count these:" + strings.Repeat(" alpha beta", units) + " end"
}
func (f fakeSample) unitTokens(int) int                  { return f.estimate }
func (f fakeSample) finish(int, string) ([]string, bool) { return []string{"x"}, true }

func TestFitExactWhenEstimateIsWrong(t *testing.T) {
	tok := getTok(t, tokenize.Default)
	count := func(_ context.Context, s string) (int, error) { return tok.Count(s), nil }
	for _, est := range []int{1, 2, 5, 40} {
		for _, budget := range []int{50, 333, 1000} {
			s := fakeSample{est}
			f, err := fit(context.Background(), count, s, budget, 0)
			if err != nil {
				t.Fatal(err)
			}
			if f.tokens != tok.Count(s.text(f.units)) || f.text != s.text(f.units) {
				t.Fatalf("estimate %d, budget %d: fitted result is inconsistent", est, budget)
			}
			if f.tokens > budget || tok.Count(s.text(f.units+1)) <= budget {
				t.Errorf("estimate %d, budget %d: %d units (%d tokens) is not the largest fit", est, budget, f.units, f.tokens)
			}
			// With slack, the first count within it is taken.
			g, err := fit(context.Background(), count, s, budget, budget/10)
			if err != nil || g.tokens > budget || g.tokens < budget-budget/10-2 {
				t.Errorf("estimate %d, budget %d, slack: %d tokens (%v)", est, budget, g.tokens, err)
			}
		}
	}
	if _, err := fit(context.Background(), count, fakeSample{2}, 2, 0); err == nil {
		t.Error("budget below the bare prompt: want an error")
	}
}

// TestScore holds the scorer to RULER's definitions: string_match_all is
// the share of references found, case-insensitively, in the stripped
// prediction; string_match_part is 1 when any is found; empty predictions
// score 0 and are marked null.
func TestScore(t *testing.T) {
	one := tasks.Instance{Task: "niah_single_1", Reference: tasks.Reference{Answers: []string{"4829106"}}}
	four := tasks.Instance{Task: "niah_multivalue", Reference: tasks.Reference{Answers: []string{"Alpha", "1111111", "2222222", "3333333"}}}
	vt := tasks.Instance{Task: "vt", Reference: tasks.Reference{Answers: []string{"ABCDE", "FGHIJ", "KLMNO", "PQRST", "UVWXY"}}}
	qa := tasks.Instance{Task: "qa_2", Reference: tasks.Reference{Answers: []string{"Port Ashford", "Ashford"}}}
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
		{four, "1111111\x002222222", 0.5, "1111111\x002222222", ""},
		{vt, "abcde, fghij, klmno", 0.6, "abcde, fghij, klmno", ""},
		{vt, "ABCDEFGHIJ", 0.4, "ABCDEFGHIJ", ""},
		{qa, "ashford", 1, "ashford", ""},
		{qa, "It is PORT ASHFORD.", 1, "It is PORT ASHFORD.", ""},
		{qa, "Port Ash", 0, "Port Ash", ""},
		{qa, "", 0, "", "null"},
	}
	for _, c := range cases {
		s, err := score(context.Background(), c.in, runners.Response{Text: c.text})
		if err != nil {
			t.Fatal(err)
		}
		if s.Value != c.value || s.Extracted != c.extracted || s.Detail != c.detail {
			t.Errorf("%s %q: got %+v, want %g %q %q", c.in.Task, c.text, s, c.value, c.extracted, c.detail)
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
		p := params.Values{"seed": 3, "n": 3, "lengths": []int{1024, 4096}, "form": form}
		res, err := tasks.Check(context.Background(), NewRuler(), p, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			want := 13 * 2 * 3
			if strings.HasPrefix(r.Name, "fitted") {
				want = 13 * 3
			}
			if !r.OK() || r.Checked != want {
				t.Errorf("%s: %s: checked %d, failures %v", form, r.Name, r.Checked, r.Failures)
			}
		}
	}
}

func TestCellsAndSizes(t *testing.T) {
	p := params.Values{"seed": 1, "n": 3, "lengths": []int{2048, 1024, 2048}, "temperature": 0.5, "tasks": []string{"niah_single_1"}}
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
	all := NewRuler().(rulerSet).Sizes(params.Values{"lengths": RulerLengths})
	if len(all) != 13*6 || all["ruler/task=qa_2/len=131072"] != 20 {
		t.Errorf("default sizes: %d cells", len(all))
	}
}

func TestBadParams(t *testing.T) {
	for _, p := range []params.Values{
		{"tasks": []string{"niah_single_9"}},
		{"tasks": []string{}},
		{"lengths": []int{512}},
		{"lengths": []int{MaxLength + 1}},
		{"lengths": []int{}},
		{"n": 0},
		{"form": "json"},
		{"tokenizer": "gpt2-fast"},
		{"tokenizer": RunnerTokenizer}, // no runner to measure with
		{"cwe_freq": 3, "cwe_freq_rare": 3},
		{"depths": 0},
		{"depths": 5000},
		{"cwe_words": 1000},
		{"fwe_alpha": 0.1},
		{"haystack_dir": "/nonexistent/haystack"},
		{"squad_file": "/nonexistent/squad.json", "tasks": []string{"qa_1"}},
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
	res := NewRuler().(rulerSet).SelfCheck(context.Background(), params.Values{"seed": 1, "n": 2, "lengths": []int{1024, 4096}})
	if len(res) != 4 {
		t.Fatalf("%d results: %+v", len(res), res)
	}
	for _, r := range res {
		if !r.OK() {
			t.Errorf("%s: %v", r.Name, r.Failures)
		}
	}
	if !strings.HasPrefix(res[0].Name, "fitted 1024: min ") || !strings.HasPrefix(res[1].Name, "fitted 4096: min ") ||
		!strings.Contains(res[1].Name, "cl100k_base") || res[1].Checked != 26 {
		t.Errorf("fit results: %q (%d), %q", res[0].Name, res[1].Checked, res[1].Name)
	}
	bad := NewRuler().(rulerSet).SelfCheck(context.Background(), params.Values{"n": 0})
	if len(bad) != 1 || bad[0].OK() {
		t.Errorf("bad parameters: %+v", bad)
	}
}

// TestEveryTaskShows: what `tasks show ruler/TASK lengths=8192 --index 3`
// asks for exists for every task.
func TestEveryTaskShows(t *testing.T) {
	for _, name := range taskNames() {
		ins := collect(t, params.Values{"tasks": []string{name}, "lengths": []int{4096}, "n": 4})
		if len(ins) != 4 || ins[3].Task != name || ins[3].Index != 3 {
			t.Errorf("%s: %d instances", name, len(ins))
		}
	}
}

// TestMillionTokens: the key, name and word spaces stretch to 1M tokens
// (counted by the memo, which fuzzing holds to the tokenizer).
func TestMillionTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("long prompts")
	}
	gs := generateAll(t, context.Background(), params.Values{"n": 1, "lengths": []int{MaxLength},
		"tasks": []string{"niah_multikey_2", "cwe", "fwe", "qa_1", "qa_2"}})
	for _, g := range gs {
		if g.used > MaxLength || float64(g.used) < 0.99*MaxLength {
			t.Errorf("%s: %d tokens used", g.in.ID, g.used)
		}
		if err := g.s.(verifier).verify(g.units, g.in.Request.Text()); err != nil {
			t.Errorf("%s: %v", g.in.ID, err)
		}
	}
}

// fakeRunner counts tokens as 1.25 x cl100k (a model with another
// tokenizer) and reports usage with a chat template of 7 tokens.
type fakeRunner struct {
	tok       tokenize.Tokenizer
	counts    bool // implements TokenCounter (through countingRunner)
	estimated bool // usage is only estimated
	template  int
	calls     int
}

func (f *fakeRunner) Name() string { return "fake" }

func (f *fakeRunner) count(s string) int { return (f.tok.Count(s)*5 + 3) / 4 }

func (f *fakeRunner) Generate(_ context.Context, req runners.Request) (runners.Response, error) {
	f.calls++
	return runners.Response{Text: "ok", Usage: runners.Usage{PromptTokens: f.count(req.Text()) + f.template, Estimated: f.estimated}}, nil
}

type countingRunner struct{ *fakeRunner }

func (c countingRunner) CountTokens(_ context.Context, s string) (int, error) { return c.count(s), nil }

func TestRunnerTokenizer(t *testing.T) {
	tok := getTok(t, tokenize.Default)
	p := params.Values{"tokenizer": RunnerTokenizer, "n": 3, "lengths": []int{4096}, "tasks": []string{"niah_single_2", "cwe", "qa_2"}}
	if !(rulerSet{}).RunnerSpecific(p) || (rulerSet{}).RunnerSpecific(params.Values{}) {
		t.Error("RunnerSpecific should follow the tokenizer")
	}
	// The runner's own tokenizer, the template measured from its usage.
	f := &fakeRunner{tok: tok, template: 7}
	ctx := tasks.WithRunner(context.Background(), countingRunner{f})
	for _, g := range generateAll(t, ctx, p) {
		used := f.count(g.in.Request.Text()) + 7 + g.in.Request.MaxTokens
		if used > 4096 || float64(used) < 0.99*4096 {
			t.Errorf("runner tokenizer: %s: %d tokens used", g.in.ID, used)
		}
	}
	if f.calls != 1 {
		t.Errorf("%d calibration requests, want 1", f.calls)
	}
	// No tokenizer, but usage: a calibrated estimate with a margin.
	f = &fakeRunner{tok: tok, template: 5}
	ctx = tasks.WithRunner(context.Background(), f)
	for _, g := range generateAll(t, ctx, p) {
		used := f.count(g.in.Request.Text()) + 5 + g.in.Request.MaxTokens
		if used > 4096 || float64(used) < 0.96*4096 {
			t.Errorf("estimate: %s: %d tokens used", g.in.ID, used)
		}
	}
	// Neither: a clear error.
	f = &fakeRunner{tok: tok, estimated: true}
	for _, err := range NewRuler().Instances(tasks.WithRunner(context.Background(), f), p) {
		if err == nil || !strings.Contains(err.Error(), "name an offline tokenizer") {
			t.Errorf("runner without counts: %v", err)
		}
		break
	}
	// An explicit template size skips the calibration request.
	f = &fakeRunner{tok: tok}
	p["template_tokens"] = 3
	generateAll(t, tasks.WithRunner(context.Background(), countingRunner{f}), p)
	if f.calls != 0 {
		t.Errorf("%d calibration requests with template_tokens set", f.calls)
	}
}

func TestHelpNamesRULERDefaults(t *testing.T) {
	h := NewRuler().Help()
	for _, w := range []string{"4096+8192+16384+32768+65536+131072", "n=500", "seed=42", "1048576"} {
		if !strings.Contains(h, w) {
			t.Errorf("Help lacks %q", w)
		}
	}
}
