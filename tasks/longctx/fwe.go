package longctx

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
)

// fwe (frequent words extraction): a "coded text" of made-up six-letter
// words drawn from a Zipf distribution with exponent fwe_alpha (RULER: 2)
// over a vocabulary of length/50 ranks. The most frequent rank is written
// as dots, which the prompt says to ignore; the answer is the three most
// frequent coded words, counted in the fitted text (ranks 2 to 4 as a
// rule). A draw whose third and fourth words tie is drawn again.

const (
	fweInstruction = "Read the coded text below and keep count of how often each coded word appears. " +
		"The dots (....) are only padding: ignore them."
	fweDots    = "...."
	fweAnswers = 3
)

// zipfCDF is the cumulative distribution of ranks 1..v with P(k) ~ k^-alpha
// in 32-bit fixed point, shared by every sample of one (alpha, v). Draws
// compare integers, so a last-bit difference in floating point between
// machines cannot move a draw (short of a value landing within 2^-32 of a
// step, which the rounding below makes a non-event for the defaults).
var zipfCDFs = struct {
	sync.Mutex
	m map[[2]float64][]uint32
}{m: map[[2]float64][]uint32{}}

func zipfCDF(alpha float64, v int) []uint32 {
	key := [2]float64{alpha, float64(v)}
	zipfCDFs.Lock()
	defer zipfCDFs.Unlock()
	if c, ok := zipfCDFs.m[key]; ok {
		return c
	}
	w := make([]float64, v)
	sum := 0.0
	for k := range v {
		w[k] = math.Pow(float64(k+1), -alpha)
		sum += w[k]
	}
	c := make([]uint32, v)
	acc := 0.0
	for k := range v {
		acc += w[k]
		c[k] = uint32(min(math.Round(acc/sum*(1<<32)), 1<<32-1))
	}
	c[v-1] = 1<<32 - 1
	zipfCDFs.m[key] = c
	return c
}

func fweVocab(length int) int { return max(length/50, 16) }

type fweSample struct {
	head, tail string
	cdf        []uint32
	r          *rand.Rand
	c          *chunkCounter
	ranks      []int32          // rank index (0: the dots) of each word drawn so far
	words      map[int32]string // coded word of each rank seen
	toks       map[int32]int    // tokens of " "+word
	used       map[string]bool
}

func drawFWE(p taskParams, c *chunkCounter, r *rand.Rand) *fweSample {
	return &fweSample{
		head: fweInstruction + "\n\n",
		tail: "\n\nQuestion: Which three coded words appear most often in the coded text above? Ignore the dots.\n" +
			"Answer: According to the coded text above, the three most frequent coded words are:",
		cdf: zipfCDF(p.fweAlpha, fweVocab(p.length)),
		r:   r, c: c,
		words: map[int32]string{0: fweDots},
		toks:  map[int32]int{},
		used:  map[string]bool{fweDots: true},
	}
}

func (s *fweSample) grow(i int) {
	for len(s.ranks) <= i {
		u := s.r.Uint32()
		k := int32(sort.Search(len(s.cdf), func(i int) bool { return s.cdf[i] >= u }))
		if _, ok := s.words[k]; !ok {
			// A new rank gets a fresh coded word, drawn where it first appears.
			for {
				var b [6]byte
				for j := range b {
					b[j] = byte('a' + s.r.IntN(26))
				}
				if w := string(b[:]); !s.used[w] {
					s.used[w] = true
					s.words[k] = w
					break
				}
			}
		}
		if _, ok := s.toks[k]; !ok {
			s.toks[k] = s.c.Count(" " + s.words[k])
		}
		s.ranks = append(s.ranks, k)
	}
}

func (s *fweSample) text(units int) string {
	s.grow(units)
	var b strings.Builder
	b.Grow(len(s.head) + len(s.tail) + units*7)
	b.WriteString(s.head)
	for i, k := range s.ranks[:units] {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.words[k])
	}
	b.WriteString(s.tail)
	return b.String()
}

func (s *fweSample) unitTokens(i int) int { s.grow(i); return s.toks[s.ranks[i]] }

// finish counts the fitted text's words and takes the three most
// frequent; a tie between the third and the fourth makes the question
// ill-posed.
func (s *fweSample) finish(units int, _ string) ([]string, bool) {
	counts := map[string]int{}
	for _, k := range s.ranks[:units] {
		if k != 0 {
			counts[s.words[k]]++
		}
	}
	top, ok := topWords(counts, fweAnswers)
	return top, ok
}

// topWords returns the n most frequent words, most frequent first (ties
// by word), and whether the n-th is strictly more frequent than the next.
func topWords(counts map[string]int, n int) ([]string, bool) {
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	if len(words) < n {
		return words, false
	}
	ok := len(words) == n || counts[words[n-1]] > counts[words[n]]
	return words[:n], ok
}

func (s *fweSample) verify(units int, text string) error {
	got := solveFWE(text)
	want, ok := s.finish(units, text)
	if !ok || !sameSet(got, want) {
		return fmt.Errorf("counted %v in the text, the sample says %v", got, want)
	}
	return nil
}
