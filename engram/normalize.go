package engram

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize applies the demo's token-text normaliser, in its order: NFKC,
// NFD, drop nonspacing marks (Mn, i.e. strip accents), lowercase, collapse
// each run of [ \t\r\n] to one space, then strip surrounding whitespace,
// except that a text whose collapsed form is exactly one space stays " ".
// The result may be empty; Key handles that case.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	s = norm.NFD.String(s)

	var b strings.Builder
	b.Grow(len(s))
	inRun := false
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue // accents go before lowercasing, as in the demo
		}
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			if !inRun {
				b.WriteByte(' ')
			}
			inRun = true
			continue
		}
		inRun = false
		b.WriteRune(unicode.ToLower(r))
	}
	out := b.String()
	if out == " " {
		// The demo swaps a lone space for a sentinel around Strip, so that
		// whitespace-only tokens keep one space instead of vanishing.
		return out
	}
	// Strip removes Unicode White_Space at both ends, which is what
	// unicode.IsSpace tests.
	return strings.TrimFunc(out, unicode.IsSpace)
}

// Key is the text that decides which compressed id a token gets: tokens
// with equal keys share one id. It follows the demo: a piece that is not
// valid UTF-8 (a decoder would show U+FFFD) or that holds U+FFFD keeps its
// raw bytes; a piece whose normal form is empty keeps its raw text;
// otherwise the key is the normal form.
func Key(piece string) string {
	if !utf8.ValidString(piece) || strings.ContainsRune(piece, utf8.RuneError) {
		return piece
	}
	if n := Normalize(piece); n != "" {
		return n
	}
	return piece
}
