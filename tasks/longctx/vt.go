package longctx

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// vt (variable tracking): chains of assignments "VAR ABCDE = 12345.",
// "VAR FGHIJ = VAR ABCDE.", ... hidden among filler sentences; the answer
// is every variable of the chain that starts from the value asked about.
// RULER's defaults: one chain of four hops (five names). More chains add
// distractor chains with other values.

const vtInstruction = "The text below hides a few variable assignments among ordinary sentences. " +
	"Keep track of every chain of assignments: at the end you will be asked which variables hold a given value."

type vtSample struct {
	spliced
	chains [][]string // variable names per chain, in assignment order
	values []string   // the value each chain starts from
}

func drawVT(p taskParams, h hay, r *rand.Rand) *vtSample {
	s := &vtSample{}
	names := map[string]bool{}
	vals := map[string]bool{}
	for range p.vtChains {
		var chain []string
		for len(chain) < p.vtHops+1 {
			var b [5]byte
			for i := range b {
				b[i] = byte('A' + r.IntN(26))
			}
			if n := string(b[:]); !names[n] && n != "VAR" {
				names[n] = true
				chain = append(chain, n)
			}
		}
		v := strconv.Itoa(10000 + r.IntN(90000))
		for vals[v] {
			v = strconv.Itoa(10000 + r.IntN(90000))
		}
		vals[v] = true
		s.chains = append(s.chains, chain)
		s.values = append(s.values, v)
	}
	// Each chain's statements take distinct depths in increasing order,
	// so every assignment comes after the one it copies.
	k := p.vtChains * (p.vtHops + 1)
	depths := distinctDepths(r.IntN, k, p.depths)
	for ci, chain := range s.chains {
		ds := slices.Clone(depths[ci*len(chain) : (ci+1)*len(chain)])
		slices.Sort(ds)
		for i, name := range chain {
			src := s.values[ci]
			if i > 0 {
				src = "VAR " + chain[i-1]
			}
			s.ins = append(s.ins, insert{text: " VAR " + name + " = " + src + ".", depth: ds[i]})
		}
	}
	slices.SortStableFunc(s.ins, func(a, b insert) int { return a.depth - b.depth })
	s.hay, s.points = h, p.depths
	q := s.values[0]
	s.head = vtInstruction + "\n\n"
	s.tail = "\n\nQuestion: Which variables in the text above are assigned the value " + q +
		", directly or through other variables?\nAnswer: Following the assignments in the text above, " +
		strconv.Itoa(len(s.chains[0])) + " variables are assigned the value " + q + "; they are:"
	return s
}

func (s *vtSample) finish(int, string) ([]string, bool) { return s.chains[0], true }

func (s *vtSample) verify(units int, text string) error {
	if err := s.checkInserts(units, text); err != nil {
		return err
	}
	for ci, chain := range s.chains {
		for i, name := range chain {
			want := 2 // assigned, then copied
			if i == len(chain)-1 {
				want = 1
			}
			if n := strings.Count(text, name); n != want {
				return fmt.Errorf("variable %s occurs %d times, want %d", name, n, want)
			}
		}
		want := 1 + strings.Count(s.tail, s.values[ci])
		if n := strings.Count(text, s.values[ci]); n != want {
			return fmt.Errorf("value %s occurs %d times, want %d", s.values[ci], n, want)
		}
	}
	return nil
}
