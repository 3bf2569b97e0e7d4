package longctx

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

func distinct(t *testing.T, name string, list []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, w := range list {
		if seen[w] {
			t.Errorf("%s: %q twice", name, w)
		}
		seen[w] = true
	}
}

func letters(t *testing.T, name string, list []string, ok func(rune) bool) {
	t.Helper()
	for _, w := range list {
		if w == "" || strings.IndexFunc(w, func(r rune) bool { return !ok(r) }) >= 0 {
			t.Errorf("%s: %q", name, w)
		}
	}
}

// TestWordLists: lists are clean, distinct and large enough, and no
// entry can be found inside another (a key inside a longer key would be
// counted twice, an alias inside another city's name would score it).
func TestWordLists(t *testing.T) {
	lower := func(r rune) bool { return r >= 'a' && r <= 'z' }
	alpha := func(r rune) bool { return unicode.IsLetter(r) && r < 128 }
	for name, l := range map[string][]string{"keyAdjectives": keyAdjectives, "keyNouns": keyNouns, "commonWords": commonWords,
		"instruments": instruments, "professions": professions, "companyGoods": companyGoods} {
		distinct(t, name, l)
		letters(t, name, l, lower)
	}
	for name, l := range map[string][]string{"firstNames": firstNames, "lastNames": lastNames, "companyHeads": companyHeads,
		"companyKinds": companyKinds, "cityHeads": cityHeads, "citySuffixes": citySuffixes, "cityTitles": cityTitles} {
		distinct(t, name, l)
		letters(t, name, l, alpha)
	}
	if n := len(keyAdjectives) * len(keyNouns); n < 60_000 {
		t.Errorf("%d word keys: too few for a haystack of needles at 1M tokens", n)
	}
	for _, a := range keyAdjectives {
		for _, b := range keyAdjectives {
			if a != b && strings.HasSuffix(b, a) {
				t.Errorf("adjective %q ends another, %q", a, b)
			}
		}
	}
	for _, a := range keyNouns {
		for _, b := range keyNouns {
			if a != b && strings.HasPrefix(b, a) {
				t.Errorf("noun %q begins another, %q", a, b)
			}
		}
	}
	for _, a := range lastNames {
		for _, b := range lastNames {
			if a != b && strings.HasPrefix(b, a) {
				t.Errorf("last name %q begins another, %q", a, b)
			}
		}
	}
	var bases []string
	for _, h := range cityHeads {
		for _, s := range citySuffixes {
			bases = append(bases, strings.ToLower(h+s))
		}
	}
	distinct(t, "city bases", bases)
	for _, a := range bases {
		for _, b := range bases {
			if a != b && strings.Contains(b, a) {
				t.Errorf("city %q inside city %q", a, b)
			}
		}
	}
	real := map[string]bool{}
	for _, w := range commonWords {
		real[w] = true
	}
	seen := map[string]bool{}
	for i := 0; i < pseudoWords; i += 97 {
		w := pseudoWord(i)
		if real[w] || seen[w] || len(w) != 7 {
			t.Fatalf("pseudo word %d: %q", i, w)
		}
		seen[w] = true
	}
}

// TestEssay: deterministic, varied, with no digit, hyphen, capital run
// or needle wording that could be mistaken for part of a task.
func TestEssay(t *testing.T) {
	e := essayStream(essaySeed)
	bad := regexp.MustCompile(`[0-9\-]|[A-Z]{2}|magic|special|VAR|Document`)
	seen := map[string]bool{}
	paras := 0
	for i := range 20000 {
		s := e.sentence(i)
		if s != e.sentence(i) {
			t.Fatal("sentence not deterministic")
		}
		if bad.MatchString(s) {
			t.Fatalf("sentence %d: %q", i, s)
		}
		body := strings.TrimLeft(s, " \n")
		if !unicode.IsUpper(rune(body[0])) || !strings.HasSuffix(body, ".") || strings.Contains(body, "{") {
			t.Fatalf("sentence %d: %q", i, s)
		}
		if strings.Contains(body, " a a") || strings.Contains(body, " a u") && !strings.Contains(body, " a useful") {
			t.Errorf("article: %q", body)
		}
		if strings.HasPrefix(s, "\n\n") {
			paras++
		}
		seen[body] = true
	}
	if len(seen) < 17000 {
		t.Errorf("only %d distinct sentences in 20000", len(seen))
	}
	if paras < 3000 || paras > 5000 {
		t.Errorf("%d paragraph breaks in 20000 sentences", paras)
	}
	if essayStream(1).sentence(5) == essayStream(2).sentence(5) && essayStream(1).sentence(6) == essayStream(2).sentence(6) {
		t.Error("different seeds give the same essay")
	}
}

func TestFixArticles(t *testing.T) {
	for in, want := range map[string]string{
		"a unexpected turn":            "an unexpected turn",
		"A old habit and a useful one": "An old habit and a useful one",
		"a":                            "a",
		"there is a rare thing":        "there is a rare thing",
	} {
		if got := fixArticles(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestMakers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	k := newKeyMaker(kindWords)
	first := k.next(r)
	n := len(keyAdjectives)*len(keyNouns)/2 + 2000
	for range n {
		s := k.next(r)
		if strings.HasSuffix(s, "-"+first) {
			t.Fatalf("%q holds the first key %q", s, first)
		}
	}
	if len(k.used) != n+1 {
		t.Errorf("%d keys", len(k.used))
	}
	m := newNameMaker(firstNames, lastNames)
	a := m.next(r)
	for range len(firstNames)*len(lastNames)/2 + 500 {
		if s := m.next(r); strings.HasSuffix(s, " "+a) {
			t.Fatalf("%q holds %q", s, a)
		}
	}
	u := uuid(r)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u) {
		t.Errorf("uuid %q", u)
	}
	ds := distinctDepths(r.IntN, 40, 40)
	seen := map[int]bool{}
	for _, d := range ds {
		if d < 0 || d >= 40 || seen[d] {
			t.Fatalf("depths %v", ds)
		}
		seen[d] = true
	}
	if len(distinctDepths(r.IntN, 5, 3)) != 5 {
		t.Error("more needles than depths")
	}
}
