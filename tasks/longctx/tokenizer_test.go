package longctx

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/engrambench/engrambench/tokenize"
)

var chunkSamples = []string{
	"",
	" ",
	"a",
	"The morning train left the station on time. A gentle rain fell.",
	"  two  spaces,\tand a tab\n\nand a paragraph. \n trailing space then newline",
	"numbers 1234567 and 12 345 6789012. UUID 3f2a1b4c-17b2-4095-8fbe-2a8bf5ca06a9 here",
	"it's they're we've I'm you'll he'd IT'S",
	"naïve café 東京 🚀 non\u00a0breaking\u2003em space \u0085 next line",
	"1. alpha 2. beta 3. gamma .... .... ....",
	"Document 12: Mara Quill was born in Port Ashford.\nDocument 13: x",
	"func main() {\n\tfmt.Println(\"hi\")  // comment\n}\n",
	"VAR ABCDE = 12345. VAR FGHIJ = VAR ABCDE.",
	"mixed\r\nline endings\r\n\r\n ok",
	"a  ", "  a", " \n a", "x \u3000y", "end with space ",
	"a-1 1-a abc123def-456 --9 x-- 12-34 A1B2-c3 '-1' é-1 1-é", "amber-lantern wild-tall-fox 0x1f-ff",
}

// TestChunkCounterExact: the memoised count equals the tokenizer's own on
// every encoding the set offers.
func TestChunkCounterExact(t *testing.T) {
	for _, name := range tokenize.Names() {
		tok := getTok(t, name)
		c := newChunkCounter(tok)
		for _, s := range chunkSamples {
			for range 2 { // the second pass is served from the memo
				if got, want := c.Count(s), tok.Count(s); got != want {
					t.Errorf("%s: Count(%q) = %d, want %d", name, s, got, want)
				}
			}
		}
		// A long generated essay, both ways.
		e := essayStream(essaySeed)
		var b strings.Builder
		for i := range 2000 {
			b.WriteString(e.sentence(i))
		}
		if got, want := c.Count(b.String()), tok.Count(b.String()); got != want {
			t.Errorf("%s: essay %d, want %d", name, got, want)
		}
	}
}

func FuzzChunkCounter(f *testing.F) {
	for _, s := range chunkSamples {
		f.Add(s)
	}
	toks := []tokenize.Tokenizer{getTok(f, "cl100k_base"), getTok(f, "o200k_base")}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range toks {
			if got, want := newChunkCounter(tok).Count(s), tok.Count(s); got != want {
				t.Fatalf("%s: Count(%q) = %d, want %d", tok.Name(), s, got, want)
			}
		}
	})
}

func TestMemoBounded(t *testing.T) {
	c := newChunkCounter(getTok(t, tokenize.Default))
	c.limit = 100
	for i := range 250 {
		c.Count(" w" + pseudoWord(i))
	}
	if len(c.memo) > c.limit || len(c.memo) == 0 {
		t.Errorf("memo holds %d entries", len(c.memo))
	}
	long := strings.Repeat("x", maxMemoChunk+1)
	c.Count(long)
	if _, ok := c.memo[long]; ok {
		t.Error("long chunk memoised")
	}
}

// TestOfflineConcurrent: the public Offline tokenizer is safe to share.
func TestOfflineConcurrent(t *testing.T) {
	tok := getTok(t, tokenize.Default)
	o := Offline(tok)
	if o.Name() != tok.Name() {
		t.Errorf("name %q", o.Name())
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, s := range chunkSamples {
				n, err := o.CountTokens(context.Background(), s+strings.Repeat(" more", g))
				if err != nil || n != tok.Count(s+strings.Repeat(" more", g)) {
					t.Errorf("count %q: %d %v", s, n, err)
				}
			}
		}()
	}
	wg.Wait()
}

func TestMarginal(t *testing.T) {
	c := newChunkCounter(getTok(t, tokenize.Default))
	// ".\n\n" is one piece: a paragraph break adds the words after it only.
	a, b := "It ended.", "\n\nA new paragraph."
	if got, want := c.Count(a)+c.marginal(b), c.Count(a+b); got != want {
		t.Errorf("marginal: %d, want %d", got, want)
	}
}

func TestMeasurerBudget(t *testing.T) {
	m := &measurer{overhead: 10}
	if b := m.budget(4096, 128); b != 4096-128-10 {
		t.Errorf("budget %d", b)
	}
	m.margin = 0.02
	if b := m.budget(1000, 0); b != 1000-10-20 {
		t.Errorf("budget with margin %d", b)
	}
}
