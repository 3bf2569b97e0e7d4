package longctx

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tokenize"
)

// fakeLM gives each token log-probability -1 (perplexity e), as a server
// with prompt log-probabilities would: the first token has none. With bos
// it puts a marker token first, as some servers do.
type fakeLM struct {
	tok   tokenize.Tokenizer
	bos   bool
	calls int
	texts []string
}

func (f *fakeLM) PromptLogprobs(_ context.Context, text string) ([]runners.TokenLogprob, error) {
	f.calls++
	f.texts = append(f.texts, text)
	var out []runners.TokenLogprob
	if f.bos {
		out = append(out, runners.TokenLogprob{Token: "<s>"})
	}
	for _, id := range f.tok.Encode(text) {
		out = append(out, runners.TokenLogprob{Token: f.tok.Piece(id), Logprob: -1, OK: len(out) > 0})
	}
	return out, nil
}

func TestWindows(t *testing.T) {
	tok := getTok(t, tokenize.Default)
	doc := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 40) + "Café é ü 東京."
	n := len(tok.Encode(doc))
	for _, c := range []struct{ w, s int }{{64, 32}, {64, 64}, {50, 7}, {1000, 10}} {
		ws := windows(tok, doc, c.w, c.s)
		scored := 0
		pos := 0 // byte up to which the document is scored
		for i, w := range ws {
			start := strings.Index(doc[max(pos-len(w.text), 0):], w.text)
			if start < 0 {
				t.Fatalf("w=%d s=%d: window %d is not in the document", c.w, c.s, i)
			}
			scored += len(w.text) - w.from
			if i == 0 && w.from != 0 {
				t.Errorf("first window scores from %d", w.from)
			}
			if tk := len(tok.Encode(w.text)); tk > c.w+2 {
				t.Errorf("window of %d tokens, want at most %d", tk, c.w)
			}
			pos += len(w.text) - w.from
		}
		if scored != len(doc) {
			t.Errorf("w=%d s=%d: %d bytes scored of %d (%d tokens, %d windows)", c.w, c.s, scored, len(doc), n, len(ws))
		}
	}
	if ws := windows(tok, "a", 10, 5); len(ws) != 0 {
		t.Errorf("one-token document gave %d windows", len(ws))
	}
}

func TestPerplexity(t *testing.T) {
	tok := getTok(t, tokenize.Default)
	docs := []string{strings.Repeat("Rivers run to the sea and the sea is never full. ", 30), "short text here"}
	for _, bos := range []bool{false, true} {
		lm := &fakeLM{tok: tok, bos: bos}
		p, err := Perplexity(context.Background(), lm, docs, 128, 64)
		if err != nil {
			t.Fatal(err)
		}
		total := len(tok.Encode(docs[0])) + len(tok.Encode(docs[1]))
		// Every token but each window's unpredictable first is scored once.
		if p.Tokens > total || p.Tokens < total-p.Windows-2 || p.Windows != lm.calls {
			t.Errorf("bos %v: %d tokens scored of %d, %d windows, %d calls", bos, p.Tokens, total, p.Windows, lm.calls)
		}
		if math.Abs(p.PerToken()-math.E) > 1e-9 {
			t.Errorf("perplexity %g, want e", p.PerToken())
		}
		if want := float64(p.Tokens) / math.Ln2 / float64(p.Bytes); math.Abs(p.BitsPerByte()-want) > 1e-12 || p.Bytes > len(docs[0])+len(docs[1]) {
			t.Errorf("bits per byte %g (bytes %d)", p.BitsPerByte(), p.Bytes)
		}
	}
	if _, err := Perplexity(context.Background(), &fakeLM{tok: tok}, docs, 10, 20); err == nil {
		t.Error("stride above window: want an error")
	}
	failing := errLM{}
	if _, err := Perplexity(context.Background(), failing, docs, 64, 32); err == nil {
		t.Error("a failing runner: want its error")
	}
	if !math.IsNaN((PPL{}).PerToken()) || !math.IsNaN((PPL{}).BitsPerByte()) {
		t.Error("empty PPL should be NaN")
	}
}

type errLM struct{}

func (errLM) PromptLogprobs(context.Context, string) ([]runners.TokenLogprob, error) {
	return nil, errors.New("no logprobs")
}

func TestWindowNLLMisaligned(t *testing.T) {
	// Tokens in another spelling: the scored share is taken by bytes.
	lps := []runners.TokenLogprob{{Token: "A"}, {Token: "Ġb", Logprob: -2, OK: true}, {Token: "Ġc", Logprob: -3, OK: true}, {Token: "Ġd", Logprob: -4, OK: true}}
	nll, n, b := windowNLL("A b c d", 4, lps)
	if n != 2 || nll != 7 || b != 3 {
		t.Errorf("misaligned: nll %g, %d tokens, %d bytes", nll, n, b)
	}
}

func TestLogprobCodec(t *testing.T) {
	in := []runners.TokenLogprob{{Token: "Hel"}, {Token: "lo\n\t\"x\"", Logprob: -0.25, OK: true}, {Token: "", Logprob: -1e-9, OK: true}}
	got, err := runners.DecodeLogprobs(runners.EncodeLogprobs(in))
	if err != nil || len(got) != 3 || got[1] != in[1] || got[0] != in[0] || got[2] != in[2] {
		t.Errorf("round trip: %+v %v", got, err)
	}
	for _, bad := range []string{"", "hello", runners.LogprobHeader + "\n-0.5", runners.LogprobHeader + "\n0.5\t\"a\"", runners.LogprobHeader + "\nx\t\"a\"", runners.LogprobHeader + "\n-1\tnoquote"} {
		if _, err := runners.DecodeLogprobs(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestLongPPLSet(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "code/a.go", "package a\n\n// A adds.\nfunc A(x, y int) int { return x + y }\n")
	writeFile(t, dir, "code/vendor/v.go", "package v // skipped\n")
	writeFile(t, dir, "code/b.py", strings.Repeat("def f(x):\n    return x * 2\n\n", 40))
	writeFile(t, dir, "code/notes.txt", "not code")
	writeFile(t, dir, "books/one.txt", strings.Repeat("Call me Ishmael, said nobody in this book. ", 60))
	set := NewLongPPL()
	p := params.Values{"tasks": []string{"books", "code", "text"}, "code_dir": filepath.Join(dir, "code"), "books_dir": filepath.Join(dir, "books"),
		"window": 64, "stride": 32, "n": 2, "doc_tokens": 200}
	res, err := tasks.Check(context.Background(), set, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.OK() || r.Checked == 0 {
			t.Errorf("%s: %d checked, %v", r.Name, r.Checked, r.Failures)
		}
	}
	// Score windows with the fake model: per-token perplexity e.
	tok := getTok(t, tokenize.Default)
	lm := &fakeLM{tok: tok}
	var scores []tasks.Score
	cells := map[string]int{}
	for in, err := range set.Instances(context.Background(), p) {
		if err != nil {
			t.Fatal(err)
		}
		cells[in.Cell()]++
		if in.Request.MaxTokens != 0 || in.Request.Prompt == "" || in.Request.IsChat() {
			t.Fatalf("%s: request %+v", in.ID, in.Request)
		}
		lps, _ := lm.PromptLogprobs(context.Background(), in.Request.Prompt)
		s, err := set.Scorer().Score(context.Background(), in, runners.Response{Text: runners.EncodeLogprobs(lps)})
		if err != nil || s.Value != 1 {
			t.Fatalf("%s: %+v %v", in.ID, s, err)
		}
		scores = append(scores, s)
		if strings.Contains(in.Request.Prompt, "skipped") || strings.Contains(in.Request.Prompt, "not code") {
			t.Errorf("%s: read a file it should skip", in.ID)
		}
	}
	order := []string{"longppl/task=books/stride=32/window=64", "longppl/task=code/stride=32/window=64", "longppl/task=text/stride=32/window=64"}
	for _, c := range order {
		if cells[c] == 0 {
			t.Errorf("no windows in %s (%v)", c, cells)
		}
	}
	sum, skipped, err := SummarizePPL(append(scores, tasks.Score{Detail: "null"}))
	if err != nil || skipped != 1 || sum.Windows != len(scores) || math.Abs(sum.PerToken()-math.E) > 1e-9 {
		t.Errorf("summary %+v, skipped %d, %v", sum, skipped, err)
	}
	if _, _, err := SummarizePPL([]tasks.Score{{Value: 1, Detail: "tokens=3"}}); err == nil {
		t.Error("detail without nll_sum: want an error")
	}
}

func TestLongPPLDefaultsAndErrors(t *testing.T) {
	set := NewLongPPL()
	// The code corpus defaults to this module's source (tests run in it).
	n := 0
	for in, err := range set.Instances(context.Background(), params.Values{"tasks": []string{"code"}, "n": 2, "window": 256, "stride": 256}) {
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && !strings.Contains(in.Request.Prompt, "package ") && !strings.Contains(in.Request.Prompt, "func ") {
			t.Logf("first window: %.80q", in.Request.Prompt)
		}
		n++
	}
	if n == 0 {
		t.Error("no windows from the module's source")
	}
	for _, p := range []params.Values{
		{"tasks": []string{"books"}},
		{"tasks": []string{"papers"}, "papers_dir": t.TempDir()},
		{"tasks": []string{"code"}, "code_dir": "/nonexistent"},
		{"window": 64, "stride": 65},
		{"tasks": []string{"poetry"}},
	} {
		var err error
		for _, e := range set.Instances(context.Background(), p) {
			err = e
			break
		}
		if err == nil {
			t.Errorf("%v: want an error", p)
		}
	}
	s, err := set.Scorer().Score(context.Background(), tasks.Instance{Reference: tasks.Reference{Answers: []string{"0"}}}, runners.Response{Text: "The answer is 42."})
	if err == nil {
		t.Errorf("generated text instead of log-probabilities: %+v, want an error", s)
	}
}
