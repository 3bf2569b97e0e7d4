package bbh

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSolveBoolean(t *testing.T) {
	cases := []struct{ in, want string }{
		{"True is", "True"},
		{"not not not True is", "False"},
		// not binds tighter than and: (not True) and False, not not (True and False).
		{"not True and False is", "False"},
		{"not False and False is", "False"},
		{"not ( False and True ) is", "True"},
		// and binds tighter than or; left to right would give False.
		{"True or False and False is", "True"},
		{"not False or True and False is", "True"},
		{"False or not ( ( True ) ) is", "False"},
		{"( False or not False ) and not ( False ) is", "True"},
		{"not ( True ) and ( True ) is", "False"},
		{"False and not not False or True is", "True"},
		{"( True and not True ) or False is", "False"},
		{"not not ( not False and True ) is", "True"},
	}
	for _, c := range cases {
		sol, err := solveBoolean(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if sol.target != c.want {
			t.Errorf("%q = %s, want %s", c.in, sol.target, c.want)
		}
	}
	for _, bad := range []string{"", "is", "True and is", "( True is", "True ) is", "maybe is", "True True is", "not is", "( ) is"} {
		if sol, err := solveBoolean(bad); err == nil {
			t.Errorf("%q: want an error, got %q", bad, sol.target)
		}
	}
}

func TestBooleanSteps(t *testing.T) {
	sol, err := solveBoolean("not ( True ) and ( True or False ) is")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Brackets come first; elsewhere not is applied before and, and and before or.",
		"Brackets around a single value can be dropped: not True and ( True or False ).",
		"True or False = True, so the expression becomes not True and True.",
		"not True = False, so the expression becomes False and True.",
		"False and True = False.",
	}
	if !slices.Equal(sol.steps, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(sol.steps, "\n"), strings.Join(want, "\n"))
	}
}

func TestBoolSpace(t *testing.T) {
	all := boolSpace()
	if len(all) != 2122 {
		t.Fatalf("%d expressions, want 2122", len(all))
	}
	operands := map[int]int{}
	for i, in := range all {
		if i > 0 && all[i-1] >= in {
			t.Fatalf("not sorted or not unique at %d: %q", i, in)
		}
		toks := strings.Fields(in)
		if len(toks) != boolLength+1 || toks[boolLength] != "is" {
			t.Fatalf("%q: want %d tokens and is", in, boolLength)
		}
		if _, err := solveBoolean(in); err != nil {
			t.Fatal(err)
		}
		operands[strings.Count(in, "True")+strings.Count(in, "False")]++
	}
	// 21, 120, 136 and 32 bracket-and-operator shapes, filled 2^k ways.
	want := map[int]int{1: 42, 2: 480, 3: 1088, 4: 512}
	for k, n := range want {
		if operands[k] != n {
			t.Errorf("%d operands: %d expressions, want %d", k, operands[k], n)
		}
	}
}

func TestSolveArithmetic(t *testing.T) {
	cases := []struct{ in, want string }{
		{"7 =", "7"},
		{"-7 =", "-7"},
		{"2 + 3 * 4 =", "14"},
		{"(2 + 3) * 4 =", "20"},
		{"((2 + 3 * 4) - (5 - 2 - 1)) =", "12"},
		// + and - are left-associative: (1-2-3-4), not 1-(2-(3-4)).
		{"((1 - 2 - 3 - 4) + (8 - 4 - 2 - 1)) =", "-7"},
		{"((-3 * -3 - 9 + 1) * (0 - 7 * 2 * -1)) =", "14"},
		{"((0 * 5 + -6 - -6) - (4 - -4 * 2 + 3)) =", "-15"},
		{"((-9 * -9 * -9 * -9) * (-9 * -9 * -9 * -9)) =", "43046721"},
		{"((9 * 9 * 9 * -9) * (9 * 9 * 9 * 9)) =", "-43046721"},
		{"((5 - -5 * -5 - 5) - (-1 - -1 + -1 * 0)) =", "-25"},
		{"((6 * -1 + 8 * 2) * (3 - 3 * 3 + 3)) =", "-30"},
	}
	for _, c := range cases {
		sol, err := solveArithmetic(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if sol.target != c.want {
			t.Errorf("%q = %s, want %s", c.in, sol.target, c.want)
		}
	}
	for _, bad := range []string{"", "=", "((1 + 2) =", "1 + + 2 =", "1 / 2 =", "abc", "(1 + 2)) =", "1 2 =", "99999999999 * 99999999999 ="} {
		if sol, err := solveArithmetic(bad); err == nil {
			t.Errorf("%q: want an error, got %q", bad, sol.target)
		}
	}
}

func TestArithmeticSteps(t *testing.T) {
	sol, err := solveArithmetic("((-2 - -3 * 2) * (4 + -1)) =")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Brackets come first; inside them * is done before + and -, and + and - go from left to right.",
		"-3 * 2 = -6, so the expression becomes ((-2 - -6) * (4 + -1)).",
		"-2 - -6 = 4, so the expression becomes (4 * (4 + -1)).",
		"4 + -1 = 3, so the expression becomes (4 * 3).",
		"4 * 3 = 12.",
	}
	if !slices.Equal(sol.steps, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(sol.steps, "\n"), strings.Join(want, "\n"))
	}
}

// arithForm is the official surface form: two bracketed groups of four
// single-digit signed operands.
var arithForm = regexp.MustCompile(`^\(\((-?\d(?: [-+*] -?\d){3})\) [-+*] \((-?\d(?: [-+*] -?\d){3})\)\) =$`)

func TestDrawArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	operands := map[string]int{}
	ops := map[string]int{}
	for range 3000 {
		in := drawArithmetic(r, 0)
		if !arithForm.MatchString(in) {
			t.Fatalf("%q is not in the official form", in)
		}
		toks, _ := arithTokens(in)
		for _, tok := range toks {
			switch {
			case isNumber(tok):
				operands[tok]++
			case tok != "(" && tok != ")":
				ops[tok]++
			}
		}
	}
	if len(operands) != 19 || len(ops) != 3 {
		t.Errorf("drew %d distinct operands (want -9..9) and %d operators (want + - *)", len(operands), len(ops))
	}
}

func TestSolveWords(t *testing.T) {
	cases := []struct{ words, want string }{
		{"banana apple", "apple banana"},
		{"cart card car care cat", "car card care cart cat"},
		// Code-point order: upper case first, as Python's sorted().
		{"zebra Apple apple Zebra", "Apple Zebra apple zebra"},
		{"dog cat dog", "cat dog dog"},
		{"it&t it itch", "it it&t itch"},
		{"solo", "solo"},
	}
	for _, c := range cases {
		sol, err := solveWords(sortLeadIn + c.words)
		if err != nil {
			t.Errorf("%q: %v", c.words, err)
			continue
		}
		if sol.target != c.want {
			t.Errorf("%q sorted to %q, want %q", c.words, sol.target, c.want)
		}
	}
	for _, bad := range []string{"", "List: a b", sortLeadIn, sortLeadIn + "   "} {
		if _, err := solveWords(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestWordSteps(t *testing.T) {
	sol, err := solveWords(sortLeadIn + "card oak car care oak")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"The first letters, in alphabetical order: c, o.",
		"c: car, card, care (car < card: car is a prefix of card; card < care: letter 4 is d before e).",
		"o: oak, oak (oak = oak: the same word).",
	}
	if !slices.Equal(sol.steps, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(sol.steps, "\n"), strings.Join(want, "\n"))
	}
}

func TestVocabulary(t *testing.T) {
	if len(vocabulary) < 300 {
		t.Errorf("vocabulary has %d words, want a few hundred", len(vocabulary))
	}
	seen := map[string]bool{}
	for _, w := range vocabulary {
		if seen[w] {
			t.Errorf("duplicate word %q", w)
		}
		seen[w] = true
		if strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Errorf("%q is not a plain lower-case word", w)
		}
	}
}

func TestDrawWords(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	counts := map[int]bool{}
	for range 2000 {
		in := drawWords(r, 0)
		words, err := sortInputWords(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(words) < minSortWords || len(words) > maxSortWords {
			t.Fatalf("%d words in %q", len(words), in)
		}
		counts[len(words)] = true
		if len(slices.Compact(slices.Sorted(slices.Values(words)))) != len(words) {
			t.Fatalf("repeated word in %q", in)
		}
	}
	if len(counts) != maxSortWords-minSortWords+1 {
		t.Errorf("drew %d distinct list lengths, want every one of 2..20", len(counts))
	}
}
