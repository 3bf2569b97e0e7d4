package engram

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello", "hello"},
		{" Hello", "hello"},
		{"Café", "cafe"},       // precomposed é
		{"Cafe\u0301", "cafe"}, // combining acute
		{"ﬁne", "fine"},        // NFKC ligature
		{"Ｗｏｒｌｄ", "world"},     // full width
		{"²", "2"},
		{"  a \t\r\n b  ", "a b"},
		{" ", " "},      // a lone space stays a space
		{"   ", " "},    // so does a run of spaces
		{"\n\n", " "},   // and any run of [ \t\r\n]
		{"\u00a0", " "}, // NBSP becomes a space under NFKC
		{"\u3000", " "}, // ideographic space too
		{"\f", ""},      // not in the collapse set, stripped away
		{" \f", ""},     // collapsed to " \f", then stripped
		{"\u0301", ""},  // only an accent
		{"", ""},
		{"İ", "i"},           // NFD splits the dot off before lowercasing
		{"ΣΑΣ", "σασ"},       // per-rune lowercasing, no final sigma
		{"Straße", "straße"}, // lowercasing keeps ß
		{"\tX\t", "x"},
		{"a\u00a0 b", "a b"}, // NFKC turns NBSP into a space before collapsing
	}
	for _, c := range cases {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestKey(t *testing.T) {
	cases := []struct{ in, want string }{
		{" The", "the"},
		{"\n", " "},
		{"\f", "\f"},             // empty normal form keeps the raw text
		{"\u0301", "\u0301"},     // likewise
		{"\xe2\x80", "\xe2\x80"}, // a split UTF-8 sequence keeps its raw bytes
		{" \ufffdA", " \ufffdA"}, // text holding U+FFFD keeps its raw form
		{"", ""},
	}
	for _, c := range cases {
		if got := Key(c.in); got != c.want {
			t.Errorf("Key(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", " ", "Café", "\xff\xfe", "a\t\tb", "ﬁ", "\u0301", "İ", "  x  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := Key(s)
		if !utf8.ValidString(s) {
			if k != s {
				t.Fatalf("invalid UTF-8 %q got key %q, want it raw", s, k)
			}
			return
		}
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if strings.ContainsAny(n, "\t\r\n") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q keeps a whitespace run", s, n)
		}
		if n != " " && n != strings.TrimFunc(n, unicode.IsSpace) {
			t.Fatalf("Normalize(%q) = %q is not stripped", s, n)
		}
		if k == "" && s != "" {
			t.Fatalf("Key(%q) is empty", s)
		}
	})
}
