package engram

import (
	"slices"
	"testing"
	"time"

	"github.com/engrambench/engrambench/tokenize"
)

func TestCompressionFirstSeen(t *testing.T) {
	v := Pieces{"A", " a", "<pad>", "a", "Á", "\n", "  ", "\xe2", "\xe2", "b"}
	c := NewCompression(v)
	// keys: a, a, <pad>, a, a, " ", " ", "\xe2", "\xe2", b
	want := []uint32{0, 0, 1, 0, 0, 2, 2, 3, 3, 4}
	got := c.Compress([]uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if !slices.Equal(got, want) {
		t.Fatalf("Compress = %v, want %v", got, want)
	}
	if c.VocabSize() != 10 || c.Size() != 5 {
		t.Fatalf("|V| = %d, |V'| = %d, want 10, 5", c.VocabSize(), c.Size())
	}
	if r := c.Reduction(); r != 0.5 {
		t.Fatalf("Reduction = %v, want 0.5", r)
	}
	if c.Pad() != 1 || c.Key(1) != "<pad>" {
		t.Fatalf("Pad = %d (key %q), want 1 (<pad>)", c.Pad(), c.Key(1))
	}
	// Ids past the vocabulary keep their distance past |V'|.
	for _, c2 := range []struct{ raw, want uint32 }{{10, 5}, {11, 6}, {1 << 31, 1<<31 - 5}, {^uint32(0), ^uint32(0) - 5}} {
		if got := c.ID(c2.raw); got != c2.want {
			t.Errorf("ID(%d) = %d, want %d", c2.raw, got, c2.want)
		}
	}
	if c.Key(5) != "" {
		t.Errorf("Key past |V'| = %q, want empty", c.Key(5))
	}
	if got := c.AppendCompressed([]uint32{7}, []uint32{9, 100}); !slices.Equal(got, []uint32{7, 4, 95}) {
		t.Errorf("AppendCompressed = %v", got)
	}
}

func TestCompressionEmpty(t *testing.T) {
	c := NewCompression(Pieces{})
	if c.Size() != 0 || c.Reduction() != 0 || c.Pad() != 2 || c.ID(0) != 0 {
		t.Fatalf("empty vocabulary: size %d, reduction %v, pad %d", c.Size(), c.Reduction(), c.Pad())
	}
}

// TestCompressionCl100k checks the mapping on a real vocabulary: every id
// maps below |V'|, ids appear in first-seen order, and equal keys share ids.
func TestCompressionCl100k(t *testing.T) {
	tok, err := tokenize.Get("cl100k_base")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c := NewCompression(tok)
	t.Logf("cl100k_base: |V| = %d, |V'| = %d, reduction %.2f%% (DeepSeek-V3: 23.43%%), built in %v",
		c.VocabSize(), c.Size(), 100*c.Reduction(), time.Since(start))
	if c.VocabSize() != tok.VocabSize() || c.Size() >= c.VocabSize() {
		t.Fatalf("|V| = %d, |V'| = %d", c.VocabSize(), c.Size())
	}
	next := uint32(0)
	for raw := 0; raw < c.VocabSize(); raw++ {
		id := c.ID(uint32(raw))
		if id > next {
			t.Fatalf("raw %d got id %d before id %d was used", raw, id, next)
		}
		if id == next {
			next++
		}
	}
	// Case, a leading space and accents do not split ids.
	var first uint32
	singles := 0
	for _, w := range []string{" Hello", " hello", "Hello", "hello", " HELLO", " héllo"} {
		raw := tok.Encode(w)
		if len(raw) != 1 {
			continue // not one token in this vocabulary
		}
		if id := c.ID(raw[0]); singles == 0 {
			first = id
		} else if id != first {
			t.Errorf("%q has id %d, want %d", w, id, first)
		}
		singles++
	}
	if singles < 4 {
		t.Errorf("only %d of the hello spellings are single tokens", singles)
	}
}

func BenchmarkNewCompression(b *testing.B) {
	tok, err := tokenize.Get("cl100k_base")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		NewCompression(tok)
	}
}
