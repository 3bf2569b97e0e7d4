package bbh

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
)

// The official web_of_lies inputs are a chain of five people: the first
// tells the truth or lies, each next one says whether the one before
// tells the truth, and the question asks about the last. The answer is
// Yes about half the time.
var webOfLies = &genTask{
	name:      "web_of_lies",
	desc:      "Work out who tells the truth from what each person says about another.",
	kind:      yesNoAnswer,
	draw:      drawLies,
	harder:    "chains of 5 + 2 x difficulty people (official: 5)",
	solve:     solveLies,
	agreement: 1,
}

// liarNames are this project's own first names, none of them official.
var liarNames = strings.Fields(`Abigail Ambrose Aurelio Beatrix Bertram Caspian Celestine Cormac Dagny Desmond
Dorothea Emeric Eudora Fenwick Florian Gideon Giselle Hollis Imogen Ingram Isolde Jasper Juniper Lazarus
Leopold Lucinda Magnus Marisol Mirabel Nestor Octavia Ophira Percival Quentin Rosalind Rupert Sabine
Seraphina Tamsin Thaddeus Ulrich Valentina Wendeline Wilhelmina Xavier Yvaine Zebulon Zephyrine`)

func truthPhrase(t bool) string {
	if t {
		return "tells the truth"
	}
	return "lies"
}

func drawLies(r *rand.Rand, difficulty int) string {
	n := 5 + 2*difficulty
	names := pick(r, liarNames, n)
	var b strings.Builder
	b.WriteString("Question: " + names[0] + " " + truthPhrase(r.IntN(2) == 0) + ".")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, " %s says %s %s.", names[i], names[i-1], truthPhrase(r.IntN(2) == 0))
	}
	fmt.Fprintf(&b, " Does %s tell the truth?", names[n-1])
	return b.String()
}

var (
	liesBase     = regexp.MustCompile(`^(\S+) (tells the truth|lies)$`)
	liesSays     = regexp.MustCompile(`^(\S+) says (\S+) (tells the truth|lies)$`)
	liesQuestion = regexp.MustCompile(`^Does (\S+) tell the truth$`)
)

// solveLies follows the chain: someone who says a truth-teller tells the
// truth, or a liar lies, tells the truth; otherwise they lie.
func solveLies(input string) (solution, error) {
	body, ok := strings.CutPrefix(strings.TrimSpace(input), "Question: ")
	if !ok {
		return solution{}, fmt.Errorf("web_of_lies input does not start with \"Question: \"")
	}
	body, ok = strings.CutSuffix(body, "?")
	if !ok {
		return solution{}, fmt.Errorf("web_of_lies input does not end with a question")
	}
	truthful := map[string]bool{}
	var steps []string
	sents := strings.Split(body, ". ")
	for i, s := range sents {
		if i == len(sents)-1 {
			m := liesQuestion.FindStringSubmatch(s)
			if m == nil {
				return solution{}, fmt.Errorf("cannot read the question %q", s)
			}
			t, known := truthful[m[1]]
			if !known {
				return solution{}, fmt.Errorf("nothing is said about %s", m[1])
			}
			target := "No"
			if t {
				target = "Yes"
			}
			steps = append(steps, fmt.Sprintf("So %s %s.", m[1], truthPhrase(t)))
			return solution{target: target, steps: steps}, nil
		}
		if m := liesBase.FindStringSubmatch(s); m != nil && i == 0 {
			truthful[m[1]] = m[2] == "tells the truth"
			steps = append(steps, fmt.Sprintf("%s %s.", m[1], m[2]))
			continue
		}
		m := liesSays.FindStringSubmatch(s)
		if m == nil {
			return solution{}, fmt.Errorf("cannot read %q", s)
		}
		about, known := truthful[m[2]]
		if !known {
			return solution{}, fmt.Errorf("%s speaks of %s before anything is known of them", m[1], m[2])
		}
		claim := m[3] == "tells the truth"
		truthful[m[1]] = claim == about
		verdict := "right"
		if claim != about {
			verdict = "wrong"
		}
		steps = append(steps, fmt.Sprintf("%s says %s %s, which is %s, so %s %s.", m[1], m[2], m[3], verdict, m[1], truthPhrase(claim == about)))
	}
	return solution{}, fmt.Errorf("no question in %.60q", input)
}
