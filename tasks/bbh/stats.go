package bbh

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/engrambench/engrambench/runners"
)

// This file holds the pure arithmetic a BBH report needs (issue 5, item 5):
// chance levels from answer spaces, Wilson intervals, micro and macro
// averages, and the generated-versus-official gap that signals
// contamination. Reports call these; nothing here reads files.

// ChanceLevel is the expected score of a uniform guess from an answer
// space: 1/len(Choices) for a choice, 1/(distinct orderings) for an
// ordering of Permute, and 0 for an open answer (no space, or an empty
// one), which no guess can be expected to hit.
func ChanceLevel(space *runners.AnswerSpace) float64 {
	switch {
	case space == nil:
		return 0
	case len(space.Choices) > 0:
		return 1 / float64(len(space.Choices))
	case len(space.Permute) > 0:
		// Distinct orderings: n! / prod(m_i!) for repeated words.
		counts := map[string]int{}
		for _, w := range space.Permute {
			counts[w]++
		}
		lg, _ := math.Lgamma(float64(len(space.Permute) + 1))
		for _, m := range counts {
			l, _ := math.Lgamma(float64(m + 1))
			lg -= l
		}
		return math.Exp(-lg)
	}
	return 0
}

// Detail is what the BBH scorer writes into Score.Detail beside the strict
// score, in key=value form:
//
//	flexible="(B)" flexible_match=1 answer_type=multiple_choice chance=0.2
type Detail struct {
	Flexible      string  // the flexible extraction, normalised
	FlexibleMatch bool    // it matches the target
	AnswerType    string  // multiple_choice, true_false, yes_no, valid_invalid, integer, dyck, word_list
	Chance        float64 // ChanceLevel of the instance's answer space
}

func (d Detail) String() string {
	m := 0
	if d.FlexibleMatch {
		m = 1
	}
	return fmt.Sprintf("flexible=%s flexible_match=%d answer_type=%s chance=%s",
		strconv.Quote(d.Flexible), m, d.AnswerType, strconv.FormatFloat(d.Chance, 'g', 6, 64))
}

// ParseDetail reads a Detail back from a sample's score detail.
func ParseDetail(s string) (Detail, error) {
	var d Detail
	rest, ok := strings.CutPrefix(s, "flexible=")
	if !ok {
		return d, fmt.Errorf("bbh detail %q: no flexible=", s)
	}
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return d, fmt.Errorf("bbh detail %q: %w", s, err)
	}
	d.Flexible, _ = strconv.Unquote(q)
	seen := map[string]bool{}
	for _, kv := range strings.Fields(rest[len(q):]) {
		k, v, _ := strings.Cut(kv, "=")
		seen[k] = true
		switch k {
		case "flexible_match":
			d.FlexibleMatch = v == "1"
		case "answer_type":
			d.AnswerType = v
		case "chance":
			if d.Chance, err = strconv.ParseFloat(v, 64); err != nil {
				return d, fmt.Errorf("bbh detail %q: chance: %w", s, err)
			}
		}
	}
	if !seen["flexible_match"] || !seen["answer_type"] {
		return d, fmt.Errorf("bbh detail %q: want flexible_match and answer_type", s)
	}
	return d, nil
}

// Tally is the scores of one group of samples: Correct is their sum (a
// count for 0/1 scores), N how many there are.
type Tally struct {
	Correct float64
	N       int
}

// Rate is Correct/N, 0 when N is 0.
func (t Tally) Rate() float64 {
	if t.N == 0 {
		return 0
	}
	return t.Correct / float64(t.N)
}

// Wilson is the 95% Wilson score interval of t's rate; [0, 1] when N is 0.
func (t Tally) Wilson() (lo, hi float64) {
	if t.N == 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	n := float64(t.N)
	p := t.Rate()
	den := 1 + z*z/n
	mid := (p + z*z/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// Averages returns the micro average (every sample weighs the same: the
// reference harness's group score) and the macro average (every task
// weighs the same) of per-task tallies. Tasks with no samples are left
// out of the macro average.
func Averages(perTask map[string]Tally) (micro, macro float64) {
	var all Tally
	var sum float64
	tasks := 0
	names := make([]string, 0, len(perTask))
	for k := range perTask {
		names = append(names, k)
	}
	slices.Sort(names) // a fixed order: float addition is not associative
	for _, k := range names {
		t := perTask[k]
		all.Correct += t.Correct
		all.N += t.N
		if t.N > 0 {
			sum += t.Rate()
			tasks++
		}
	}
	if tasks > 0 {
		macro = sum / float64(tasks)
	}
	return all.Rate(), macro
}

// GapResult compares one task's official and generated accuracy.
type GapResult struct {
	Official, Generated float64 // accuracies
	Diff                float64 // Official - Generated
	Lo, Hi              float64 // 95% interval of Diff (Newcombe's method from Wilson intervals)
	// Contamination is set when the official questions score higher than
	// fresh ones of the same form and difficulty with the interval clear of
	// zero: the model may have seen the public examples.
	Contamination bool
	Note          string // a sentence for the report, "" when there is nothing to say
}

// Gap compares a task's accuracy on the official examples with that on
// generated ones at difficulty 0 (the official range). A large positive gap
// is a contamination signal; a negative one usually means the generator is
// easier than the official items, or the official ones are noisy.
func Gap(official, generated Tally) GapResult {
	g := GapResult{Official: official.Rate(), Generated: generated.Rate()}
	g.Diff = g.Official - g.Generated
	if official.N == 0 || generated.N == 0 {
		g.Lo, g.Hi = -1, 1
		g.Note = "no comparison: one side has no samples"
		return g
	}
	l1, u1 := official.Wilson()
	l2, u2 := generated.Wilson()
	p1, p2 := g.Official, g.Generated
	g.Lo = g.Diff - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	g.Hi = g.Diff + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	switch {
	case g.Lo > 0:
		g.Contamination = true
		g.Note = fmt.Sprintf("official %.1f%% vs generated %.1f%% (gap %+.1f points, 95%% CI %+.1f to %+.1f): "+
			"higher on the public questions than on fresh ones of the same form; possible contamination",
			100*p1, 100*p2, 100*g.Diff, 100*g.Lo, 100*g.Hi)
	case g.Hi < 0:
		g.Note = fmt.Sprintf("official %.1f%% vs generated %.1f%% (gap %+.1f points, 95%% CI %+.1f to %+.1f): "+
			"lower on the public questions; check the official items and the generator's difficulty",
			100*p1, 100*p2, 100*g.Diff, 100*g.Lo, 100*g.Hi)
	}
	return g
}
