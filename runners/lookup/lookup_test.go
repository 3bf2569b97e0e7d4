package lookup

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

func newRunner(t testing.TB, p params.Values) *Runner {
	t.Helper()
	r, err := New("mem", p)
	if err != nil {
		t.Fatal(err)
	}
	return r.(*Runner)
}

const codeWord = "Notes from the meeting. The weather was mild and everyone arrived on time. " +
	"Remember this: the code word is alpha bravo charlie. After that we discussed budgets, " +
	"travel plans and the new office. Question: what did the notes say? Answer: the code word is"

func generate(t *testing.T, r *Runner, req runners.Request) runners.Response {
	t.Helper()
	resp, err := r.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestCopiesContinuation(t *testing.T) {
	r := newRunner(t, nil)
	resp := generate(t, r, runners.Request{Prompt: codeWord, MaxTokens: 6})
	if !strings.HasPrefix(resp.Text, " alpha bravo charlie") {
		t.Fatalf("text %q, want it to start with %q", resp.Text, " alpha bravo charlie")
	}
	if resp.Model != "lookup-cl100k_base-n4" || r.Model() != resp.Model || r.Name() != "mem" {
		t.Errorf("model %q, name %q", resp.Model, r.Name())
	}
	if resp.Usage.PromptTokens != r.tok.Count(codeWord) || resp.Usage.CompletionTokens != 6 || resp.Usage.Estimated {
		t.Errorf("usage %+v", resp.Usage)
	}
	tm := resp.Timing
	if tm.Send.IsZero() || tm.FirstToken.Before(tm.Send) || tm.End.Before(tm.FirstToken) {
		t.Errorf("timing %+v", tm)
	}
}

func TestChatText(t *testing.T) {
	r := newRunner(t, nil)
	req := runners.Request{Messages: []runners.Message{
		{Role: "system", Content: "Keep the secret: the vault code is 4812096 exactly."},
		{Role: "user", Content: "What is it? The vault code is"},
	}, MaxTokens: 3}
	if got := generate(t, r, req).Text; !strings.HasPrefix(got, " 481") {
		t.Fatalf("chat text: got %q", got)
	}
}

func TestLatestWins(t *testing.T) {
	r := newRunner(t, nil)
	prompt := "First the code word is alpha. Later the code word is bravo. Now the code word is"
	if got := generate(t, r, runners.Request{Prompt: prompt, MaxTokens: r.tok.Count(" bravo")}).Text; got != " bravo" {
		t.Fatalf("got %q, want the latest continuation %q", got, " bravo")
	}
}

func TestStopString(t *testing.T) {
	r := newRunner(t, nil)
	resp := generate(t, r, runners.Request{Prompt: codeWord, MaxTokens: 50, Stop: []string{"", "zzz", "."}})
	if resp.Text != " alpha bravo charlie" || resp.FinishReason != "stop" {
		t.Fatalf("text %q finish %q, want %q stop", resp.Text, resp.FinishReason, " alpha bravo charlie")
	}
	// A stop string spanning tokens is found and cut too.
	resp = generate(t, r, runners.Request{Prompt: codeWord, MaxTokens: 50, Stop: []string{"vo char"}})
	if resp.Text != " alpha bra" || resp.FinishReason != "stop" {
		t.Fatalf("text %q finish %q", resp.Text, resp.FinishReason)
	}
}

func TestBudget(t *testing.T) {
	r := newRunner(t, nil)
	n := r.tok.Count(" alpha bravo")
	resp := generate(t, r, runners.Request{Prompt: codeWord, MaxTokens: n})
	if resp.Text != " alpha bravo" || resp.FinishReason != "length" || resp.Usage.CompletionTokens != n {
		t.Fatalf("text %q finish %q usage %+v", resp.Text, resp.FinishReason, resp.Usage)
	}
	// A repeating prompt loops; the budget ends it.
	resp = generate(t, r, runners.Request{Prompt: strings.Repeat("la di da ", 20) + "la", MaxTokens: 40})
	if resp.FinishReason != "length" || resp.Usage.CompletionTokens != 40 || !strings.HasPrefix(resp.Text, " di da la di da") {
		t.Fatalf("loop: text %q finish %q", resp.Text, resp.FinishReason)
	}
	// No budget set: the default applies.
	resp = generate(t, r, runners.Request{Prompt: strings.Repeat("la di da ", 20) + "la"})
	if resp.Usage.CompletionTokens != DefaultMaxTokens {
		t.Fatalf("default budget: %d tokens", resp.Usage.CompletionTokens)
	}
}

func TestNothingToCopy(t *testing.T) {
	r := newRunner(t, nil)
	for _, prompt := range []string{"", "x", "one two three four"} {
		resp := generate(t, r, runners.Request{Prompt: prompt, MaxTokens: 10})
		if resp.Text != "" || resp.FinishReason != "stop" || resp.Usage.CompletionTokens != 0 || !resp.Timing.FirstToken.IsZero() {
			t.Errorf("prompt %q: %+v", prompt, resp)
		}
	}
}

func TestDeterministic(t *testing.T) {
	r := newRunner(t, params.Values{"max_order": 3, "heads": 3})
	prompt := randomText(rand.New(rand.NewPCG(1, 1)), 3000)
	a := generate(t, r, runners.Request{Prompt: prompt, MaxTokens: 100, Seed: 1, Temperature: 1})
	b := generate(t, r, runners.Request{Prompt: prompt, MaxTokens: 100, Seed: 2})
	if a.Text != b.Text || a.FinishReason != b.FinishReason || a.Usage != b.Usage {
		t.Fatalf("differ:\n%q\n%q", a.Text, b.Text)
	}
	if a.Model != "lookup-cl100k_base-n3" {
		t.Errorf("model %q", a.Model)
	}
}

// TestConcurrent runs requests in parallel (go test -race checks sharing).
func TestConcurrent(t *testing.T) {
	r := newRunner(t, nil)
	want := generate(t, r, runners.Request{Prompt: codeWord, MaxTokens: 8}).Text
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			resp, err := r.Generate(context.Background(), runners.Request{Prompt: codeWord, MaxTokens: 8})
			if err == nil && resp.Text != want {
				err = fmt.Errorf("got %q, want %q", resp.Text, want)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestCancelled(t *testing.T) {
	r := newRunner(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Generate(ctx, runners.Request{Prompt: codeWord, MaxTokens: 5}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestParams(t *testing.T) {
	for _, p := range []params.Values{
		{"max_order": 1},
		{"heads": 0},
		{"tokenizer": "nope"},
		{"max_order": "four"},
		{"tokenizer": 3},
	} {
		if _, err := New("x", p); err == nil {
			t.Errorf("%v: want an error", p)
		}
	}
	r := newRunner(t, params.Values{"tokenizer": "r50k_base", "max_order": 2, "heads": 1})
	if r.Model() != "lookup-r50k_base-n2" {
		t.Errorf("model %q", r.Model())
	}
	if got := generate(t, r, runners.Request{Prompt: codeWord, MaxTokens: 1}).Text; got != " alpha" {
		t.Errorf("order 2, one head: got %q", got)
	}
	if Kind.Name != "lookup" || Kind.New == nil || Kind.Concurrency < 1 || len(Kind.Params) != 3 {
		t.Errorf("kind %+v", Kind)
	}
	if d := params.Defaults(Kind.Params); d.Int("max_order") != DefaultMaxOrder || d.Int("heads") != DefaultHeads {
		t.Errorf("defaults %v", d)
	}
}

var words = strings.Fields("the of and to in is was for on that with as by at from his her an which are were be this have had one not but or they all their there would been more when who will no if out so up said what its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three")

// randomText is n words of word salad with a few repeated phrases, a
// stand-in for natural text.
func randomText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(12) == 0 {
			b.WriteString(".")
		}
	}
	return b.String()
}

// BenchmarkGenerate4k times a whole request on a 4,000-token prompt with a
// 32-token budget: tokenizing, building the tables, generating.
func BenchmarkGenerate4k(b *testing.B) {
	r := newRunner(b, nil)
	text := randomText(rand.New(rand.NewPCG(2, 2)), 4000)
	for r.tok.Count(text) < 4000 {
		text += " " + randomText(rand.New(rand.NewPCG(3, 3)), 50)
	}
	ids := r.tok.Encode(text)
	text = r.tok.Decode(ids[:4000])
	req := runners.Request{Prompt: text + " the", MaxTokens: 32}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Generate(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
