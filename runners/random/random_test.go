package random

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/engrambench/engrambench/runners"
)

func newRunner(t *testing.T) runners.Runner {
	t.Helper()
	r, err := New("guess", nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func generate(t *testing.T, r runners.Runner, req runners.Request) runners.Response {
	t.Helper()
	resp, err := r.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// chiSquare is the statistic of observed counts against equal expected counts.
func chiSquare(counts map[string]int, cells, total int) float64 {
	exp := float64(total) / float64(cells)
	var x float64
	for _, c := range counts {
		x += (float64(c) - exp) * (float64(c) - exp) / exp
	}
	x += float64(cells-len(counts)) * exp // cells never seen
	return x
}

// TestUniformChoices draws over a fixed set of seeds, so the result is the
// same on every run; the bound is far above the 99.9th percentile of
// chi-square (16.3 for 3 degrees of freedom, 20.5 for 5).
func TestUniformChoices(t *testing.T) {
	r := newRunner(t)
	const n = 4000
	space := &runners.AnswerSpace{Choices: []string{"(A)", "(B)", "(C)", "(D)"}, Prefix: "So the answer is ", Suffix: "."}
	counts := map[string]int{}
	for seed := range int64(n) {
		resp := generate(t, r, runners.Request{Prompt: "Which one?", Seed: seed, AnswerSpace: space})
		counts[resp.Text]++
	}
	for _, c := range space.Choices {
		if counts["So the answer is "+c+"."] == 0 {
			t.Fatalf("choice %s never drawn: %v", c, counts)
		}
	}
	t.Logf("choices chi2 %.2f %v", chiSquare(counts, 4, n), counts)
	if x := chiSquare(counts, 4, n); x > 25 || len(counts) != 4 {
		t.Fatalf("chi-square %.1f over %v", x, counts)
	}

	// Orderings of three words: six cells.
	perm := map[string]int{}
	for seed := range int64(n) {
		resp := generate(t, r, runners.Request{Prompt: "Sort these.", Seed: seed, AnswerSpace: &runners.AnswerSpace{Permute: []string{"x", "y", "z"}}})
		perm[resp.Text]++
	}
	t.Logf("perm chi2 %.2f %v", chiSquare(perm, 6, n), perm)
	if x := chiSquare(perm, 6, n); x > 30 || len(perm) != 6 {
		t.Fatalf("chi-square %.1f over %v", x, perm)
	}
}

// TestUniformAcrossPrompts varies the prompt instead of the seed.
func TestUniformAcrossPrompts(t *testing.T) {
	r := newRunner(t)
	const n = 3000
	counts := map[string]int{}
	for i := range n {
		resp := generate(t, r, runners.Request{Prompt: fmt.Sprintf("question %d", i), AnswerSpace: &runners.AnswerSpace{Choices: []string{"True", "False"}}})
		counts[resp.Text]++
	}
	if x := chiSquare(counts, 2, n); x > 20 || len(counts) != 2 {
		t.Fatalf("chi-square %.1f over %v", x, counts)
	}
}

func TestDeterministic(t *testing.T) {
	r := newRunner(t)
	req := runners.Request{Prompt: "Sort: b a c d e f g", Seed: 7, AnswerSpace: &runners.AnswerSpace{Permute: []string{"a", "b", "c", "d", "e", "f", "g"}}}
	a, b := generate(t, r, req), generate(t, r, req)
	if a.Text != b.Text || a.Usage != b.Usage {
		t.Fatalf("same request differs: %q vs %q", a.Text, b.Text)
	}
	differ := false
	for seed := int64(8); seed < 20; seed++ {
		req.Seed = seed
		if generate(t, r, req).Text != a.Text {
			differ = true
		}
	}
	if !differ {
		t.Fatal("twelve other seeds all gave the same ordering")
	}
	if !a.Usage.Estimated || a.Usage.CompletionTokens == 0 || a.Usage.PromptTokens == 0 {
		t.Errorf("usage %+v", a.Usage)
	}
	if a.Model != "random" || a.FinishReason != "stop" || a.Timing.End.Before(a.Timing.FirstToken) || a.Timing.FirstToken.Before(a.Timing.Send) {
		t.Errorf("response %+v", a)
	}
}

func TestChoicesWinOverPermute(t *testing.T) {
	r := newRunner(t)
	resp := generate(t, r, runners.Request{Prompt: "q", AnswerSpace: &runners.AnswerSpace{Choices: []string{"yes"}, Permute: []string{"a", "b"}}})
	if resp.Text != "yes" {
		t.Fatalf("got %q", resp.Text)
	}
}

func TestEmptySpace(t *testing.T) {
	r := newRunner(t)
	for _, s := range []*runners.AnswerSpace{nil, {}, {Prefix: "A: "}} {
		resp := generate(t, r, runners.Request{Prompt: "Write a poem.", AnswerSpace: s})
		if resp.Text != "" || resp.FinishReason != "stop" || resp.Usage.CompletionTokens != 0 || !resp.Timing.FirstToken.IsZero() {
			t.Errorf("space %+v: %+v", s, resp)
		}
	}
}

func TestCancelled(t *testing.T) {
	r := newRunner(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Generate(ctx, runners.Request{Prompt: "q"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if Kind.Name != "random" || Kind.Concurrency < 1 || len(Kind.Params) != 0 || r.Name() != "guess" {
		t.Errorf("kind %+v, name %q", Kind, r.Name())
	}
}
