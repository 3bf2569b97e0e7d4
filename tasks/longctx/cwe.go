package longctx

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// cwe (common words extraction): a numbered list "1. word 2. word ..."
// in which a few common words each appear cwe_freq times and every other
// word cwe_freq_rare times, shuffled; the answer is the common words.
// RULER's defaults: 10 common words x30 and rare words x3 (x6 and x1
// below 4K tokens). The list grows by rare words.

const cweInstruction = "Below is a numbered list of words. Some words appear many times, most only a few times. " +
	"Read the whole list and note which words appear most often."

const cwePseudoWords = 250_000

type cweSample struct {
	head, tail     string
	common         []string
	freq, freqRare int
	r              *rand.Rand
	shuffle        uint64 // seeds the order of the list for each size
	used           map[string]bool
	rare           []string
	rareToks       []int
	c              *chunkCounter
}

func drawCWE(p taskParams, c *chunkCounter, r *rand.Rand) *cweSample {
	s := &cweSample{freq: p.cweFreq, freqRare: p.cweFreqRare, r: r, shuffle: r.Uint64(), used: map[string]bool{}, c: c}
	for len(s.common) < p.cweWords {
		w := commonWords[r.IntN(len(commonWords))]
		if !s.used[w] {
			s.used[w] = true
			s.common = append(s.common, w)
		}
	}
	n := strconv.Itoa(p.cweWords)
	s.head = cweInstruction + "\n\n"
	s.tail = "\n\nQuestion: What are the " + n + " most common words in the list above?\n" +
		"Answer: The top " + n + " words that appear most often in the list are:"
	return s
}

// nextRare draws rare words in order: English words while they last
// comfortably, then made-up ones.
func (s *cweSample) grow(i int) {
	for len(s.rare) <= i {
		var w string
		if len(s.rare) < len(commonWords)/2 {
			w = commonWords[s.r.IntN(len(commonWords))]
		} else {
			// A window of the made-up words: wide enough for a list at
			// 1M tokens, narrow enough that the words recur across
			// samples and their token counts stay in the memo.
			w = pseudoWord(s.r.IntN(cwePseudoWords))
		}
		if s.used[w] {
			continue
		}
		s.used[w] = true
		s.rare = append(s.rare, w)
		s.rareToks = append(s.rareToks, s.c.Count(" "+w))
	}
}

// entries lists the words of a list with units rare words, in order.
func (s *cweSample) entries(units int) []string {
	s.grow(units)
	out := make([]string, 0, len(s.common)*s.freq+units*s.freqRare)
	for _, w := range s.common {
		for range s.freq {
			out = append(out, w)
		}
	}
	for _, w := range s.rare[:units] {
		for range s.freqRare {
			out = append(out, w)
		}
	}
	rand.New(rand.NewPCG(s.shuffle, uint64(units))).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func (s *cweSample) text(units int) string {
	words := s.entries(units)
	var b strings.Builder
	b.Grow(len(s.head) + len(s.tail) + len(words)*16)
	b.WriteString(s.head)
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(w)
	}
	b.WriteString(s.tail)
	return b.String()
}

// unitTokens: a rare word adds its occurrences and as many list numbers;
// which number lands on which word does not change the sum.
func (s *cweSample) unitTokens(i int) int {
	s.grow(i)
	n := s.freqRare * s.rareToks[i]
	first := len(s.common)*s.freq + i*s.freqRare
	for j := 1; j <= s.freqRare; j++ {
		n += s.c.Count(" " + strconv.Itoa(first+j) + ".")
	}
	return n
}

func (s *cweSample) finish(int, string) ([]string, bool) { return s.common, true }

func (s *cweSample) verify(units int, text string) error {
	words, err := parseNumberedList(text)
	if err != nil {
		return err
	}
	if want := len(s.common)*s.freq + units*s.freqRare; len(words) != want {
		return fmt.Errorf("%d entries, want %d", len(words), want)
	}
	counts := map[string]int{}
	for _, w := range words {
		counts[w]++
	}
	for _, w := range s.common {
		if counts[w] != s.freq {
			return fmt.Errorf("common word %q appears %d times, want %d", w, counts[w], s.freq)
		}
	}
	for _, w := range s.rare[:units] {
		if counts[w] != s.freqRare {
			return fmt.Errorf("rare word %q appears %d times, want %d", w, counts[w], s.freqRare)
		}
	}
	return nil
}

// parseNumberedList reads "1. w 2. w ..." out of a cwe prompt, checking
// the numbering.
func parseNumberedList(text string) ([]string, error) {
	_, rest, ok := strings.Cut(text, "\n\n")
	list, _, ok2 := strings.Cut(rest, "\n\n")
	if !ok || !ok2 {
		return nil, fmt.Errorf("no list found")
	}
	f := strings.Fields(list)
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("list has an odd number of fields")
	}
	words := make([]string, 0, len(f)/2)
	for i := 0; i < len(f); i += 2 {
		if f[i] != strconv.Itoa(i/2+1)+"." {
			return nil, fmt.Errorf("entry %d is numbered %q", i/2+1, f[i])
		}
		words = append(words, f[i+1])
	}
	return words, nil
}
