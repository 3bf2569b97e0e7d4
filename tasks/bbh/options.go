package bbh

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Helpers shared by the multiple-choice tasks: the official inputs end in
// "\nOptions:\n(A) ...\n(B) ...", and their targets are the letter in
// brackets.

// letter is the option label of position i: "(A)", "(B)", ...
func letter(i int) string { return "(" + string(rune('A'+i)) + ")" }

// renderOptions writes the options block, with its leading newline.
func renderOptions(opts []string) string {
	var b strings.Builder
	b.WriteString("\nOptions:")
	for i, o := range opts {
		b.WriteString("\n" + letter(i) + " " + o)
	}
	return b.String()
}

// splitOptions separates an input's question from its lettered options.
func splitOptions(input string) (question string, opts []string, err error) {
	q, block, ok := strings.Cut(input, "\nOptions:\n")
	if !ok {
		return "", nil, fmt.Errorf("no options in %.60q", input)
	}
	for i, line := range strings.Split(block, "\n") {
		rest, ok := strings.CutPrefix(line, letter(i)+" ")
		if !ok {
			return "", nil, fmt.Errorf("option %d is %q, want it to start with %s", i+1, line, letter(i))
		}
		opts = append(opts, rest)
	}
	return q, opts, nil
}

// pickOption returns the letter of the one option equal to want.
func pickOption(opts []string, want string) (string, error) {
	found := -1
	for i, o := range opts {
		if o == want {
			if found >= 0 {
				return "", fmt.Errorf("options %s and %s both read %q", letter(found), letter(i), want)
			}
			found = i
		}
	}
	if found < 0 {
		return "", fmt.Errorf("the answer %q is not among the options %q", want, opts)
	}
	return letter(found), nil
}

// joinList writes "a, b, and c" (or "a and b", or "a").
func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + ", and " + items[len(items)-1]
}

// splitList reads "a, b, and c", "a, b and c", "a and b" or "a".
func splitList(s string) []string {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, ", ")
	last := parts[len(parts)-1]
	if rest, ok := strings.CutPrefix(last, "and "); ok && len(parts) > 1 {
		parts[len(parts)-1] = rest
	} else if a, b, ok := strings.Cut(last, " and "); ok {
		parts = append(parts[:len(parts)-1], a, b)
	}
	return parts
}

// numberWord spells 0 to 20.
var numberWord = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"}

// ordinalWord spells 1st to 10th.
var ordinalWord = []string{"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"}

func ordinalValue(w string) int {
	for i, o := range ordinalWord {
		if i > 0 && o == w {
			return i
		}
	}
	return 0
}

// article is "a" or "an" for a noun phrase.
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}

// pick draws k distinct elements.
func pick[T any](r *rand.Rand, from []T, k int) []T {
	out := make([]T, 0, k)
	for _, i := range r.Perm(len(from))[:k] {
		out = append(out, from[i])
	}
	return out
}
