package tokenize

import (
	"testing"
)

func TestRoundTripAndSizes(t *testing.T) {
	cases := []struct {
		name    string
		minSize int
		maxSize int
	}{
		{"cl100k_base", 100_000, 100_300},
		{"r50k_base", 50_000, 50_300},
	}
	texts := []string{"", "hello world", "The special magic number for quiet-harbor is: 4812096.", "naïve café 東京 🚀", "func main() {\n\tfmt.Println(1)\n}"}
	for _, c := range cases {
		tok, err := Get(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if v := tok.VocabSize(); v < c.minSize || v > c.maxSize {
			t.Errorf("%s: vocab size %d outside [%d, %d]", c.name, v, c.minSize, c.maxSize)
		}
		for _, s := range texts {
			ids := tok.Encode(s)
			if got := tok.Decode(ids); got != s {
				t.Errorf("%s: round trip of %q gave %q", c.name, s, got)
			}
			if n := tok.Count(s); n != len(ids) {
				t.Errorf("%s: Count(%q) = %d, Encode gave %d ids", c.name, s, n, len(ids))
			}
		}
	}
}

func TestUnknown(t *testing.T) {
	if _, err := Get("nope"); err == nil {
		t.Fatal("want an error for an unknown tokenizer")
	}
}
