package longctx

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The eight needle-in-a-haystack tasks share one generator. A needle is
// RULER's sentence "One of the special magic {kind} for {key} is:
// {value}."; the haystack is filler sentences (niah_single_1), the essay,
// or lines that are themselves needles for other keys (multikey_2 and 3).
// The instructions and questions are the project's own wording; the
// answer prefix is RULER's.

// haystack kinds.
const (
	hayNoise   = "noise"   // the five filler sentences, repeated
	hayEssay   = "essay"   // the generated essay, or haystack_dir
	hayNeedles = "needles" // every line a needle for another key
)

// key and value kinds.
const (
	kindWords   = "words"
	kindNumbers = "numbers"
	kindUUIDs   = "uuids"
)

// niahSpec is one NIAH task's shape (FACTS.md §2).
type niahSpec struct {
	hay       string
	keyKind   string
	valueKind string
	keys      int // needles with distinct keys (multikey_1: the query and 3 distractors)
	values    int // values per key (multivalue)
	queries   int // keys asked for (multiquery); at most keys
}

const niahInstructionOne = "Hidden somewhere in the long passage below is a special magic %s. " +
	"Read the whole passage carefully and keep that %s in mind: you will be asked for it at the end."

const niahInstructionMany = "Hidden somewhere in the long passage below are some special magic %s. " +
	"Read the whole passage carefully and keep them in mind: you will be asked for them at the end."

// niahInstruction is the instruction of the tasks with one number to find.
var niahInstruction = fmt.Sprintf(niahInstructionOne, "number", "number")

func kindNoun(kind string, plural bool) string {
	n := map[string]string{kindNumbers: "number", kindUUIDs: "UUID", kindWords: "word"}[kind]
	if plural {
		n += "s"
	}
	return n
}

// needleText is RULER's needle sentence (the kind word is always plural,
// "One of the special magic numbers for ...").
func needleText(valueKind, key, value string) string {
	return "One of the special magic " + kindNoun(valueKind, true) + " for " + key + " is: " + value + "."
}

// listKeys joins keys as "a", "a and b", "a, b and c".
func listKeys(keys []string) string {
	if len(keys) == 1 {
		return keys[0]
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " and " + keys[len(keys)-1]
}

// keyMaker draws distinct keys of one kind. Word keys are adjective-noun
// pairs; when half of those are taken (a million-token haystack of
// needles) it moves on to adjective-adjective-noun triples.
type keyMaker struct {
	kind string
	used map[string]bool
}

func newKeyMaker(kind string) *keyMaker { return &keyMaker{kind: kind, used: map[string]bool{}} }

func (k *keyMaker) next(r *rand.Rand) string {
	for {
		var s string
		switch k.kind {
		case kindUUIDs:
			s = uuid(r)
		default:
			s = keyAdjectives[r.IntN(len(keyAdjectives))] + "-" + keyNouns[r.IntN(len(keyNouns))]
			if len(k.used) > len(keyAdjectives)*len(keyNouns)/2 {
				// A triple must not hold a key already drawn (the queried
				// keys come first) as its last two words.
				if k.used[s] {
					continue
				}
				s = keyAdjectives[r.IntN(len(keyAdjectives))] + "-" + s
			}
		}
		if !k.used[s] {
			k.used[s] = true
			return s
		}
	}
}

// valueMaker draws distinct values of one kind.
type valueMaker struct {
	kind string
	used map[string]bool
}

func newValueMaker(kind string) *valueMaker { return &valueMaker{kind: kind, used: map[string]bool{}} }

func (v *valueMaker) next(r *rand.Rand) string {
	for {
		var s string
		switch v.kind {
		case kindUUIDs:
			s = uuid(r)
		case kindWords:
			s = commonWords[r.IntN(len(commonWords))]
		default:
			s = strconv.Itoa(1_000_000 + r.IntN(9_000_000)) // 7 digits
		}
		if !v.used[s] {
			v.used[s] = true
			return s
		}
	}
}

// uuid formats 16 random bytes as a version 4 UUID.
func uuid(r *rand.Rand) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		x := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(x >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// needleHay is a haystack of needle lines for keys other than the ones
// asked about, with values that are no answer. Lines are drawn in order
// from the sample's own stream as the haystack grows.
type needleHay struct {
	r         *rand.Rand
	keys      *keyMaker
	vals      *valueMaker
	valueKind string
	c         *chunkCounter
	lines     []string
	lineKeys  []string
	lineVals  []string
	toks      []int
}

func (h *needleHay) grow(i int) {
	for len(h.lines) <= i {
		k, v := h.keys.next(h.r), h.vals.next(h.r)
		line := "\n" + needleText(h.valueKind, k, v)
		h.lines = append(h.lines, line)
		h.lineKeys = append(h.lineKeys, k)
		h.lineVals = append(h.lineVals, v)
		h.toks = append(h.toks, h.c.marginal(line))
	}
}

func (h *needleHay) unit(i int) string { h.grow(i); return h.lines[i] }
func (h *needleHay) tokens(i int) int  { h.grow(i); return h.toks[i] }

// niahSample is one drawn NIAH question.
type niahSample struct {
	spliced
	spec    niahSpec
	needles [][2]string // key, value of each inserted needle
	query   []string    // the keys asked about
	refs    []string    // the values of the queried keys, in needle order
}

// drawNIAH draws the length-independent part of a NIAH sample: keys,
// values, depths, and (for needle haystacks) the stream of distractors.
func drawNIAH(spec niahSpec, p taskParams, h hay, c *chunkCounter, r *rand.Rand) *niahSample {
	keys, vals := newKeyMaker(spec.keyKind), newValueMaker(spec.valueKind)
	s := &niahSample{spec: spec}
	var needleKeys []string
	for range p.keys {
		needleKeys = append(needleKeys, keys.next(r))
	}
	// The queried keys are the first ones drawn; the rest are distractors.
	s.query = needleKeys[:p.queries]
	for _, k := range needleKeys {
		for range p.values {
			s.needles = append(s.needles, [2]string{k, vals.next(r)})
		}
	}
	for _, n := range s.needles {
		if slices.Contains(s.query, n[0]) {
			s.refs = append(s.refs, n[1])
		}
	}
	depths := distinctDepths(r.IntN, len(s.needles), p.depths)
	sep := " "
	if spec.hay == hayNeedles {
		sep = "\n"
		h = &needleHay{r: r, keys: keys, vals: vals, valueKind: spec.valueKind, c: c}
	}
	for i, n := range s.needles {
		s.ins = append(s.ins, insert{text: sep + needleText(spec.valueKind, n[0], n[1]), depth: depths[i]})
	}
	slices.SortStableFunc(s.ins, func(a, b insert) int { return a.depth - b.depth })
	s.hay, s.points = h, p.depths

	noun := kindNoun(spec.valueKind, false)
	q := listKeys(s.query)
	if len(s.refs) == 1 {
		s.head = fmt.Sprintf(niahInstructionOne, noun, noun) + "\n\n"
		s.tail = "\n\nWhich special magic " + noun + " does the passage above give for " + q + "?\n" +
			"The special magic " + noun + " for " + q + " mentioned in the provided text is"
	} else {
		nouns := kindNoun(spec.valueKind, true)
		s.head = fmt.Sprintf(niahInstructionMany, nouns) + "\n\n"
		s.tail = "\n\nWhich special magic " + nouns + " does the passage above give for " + q + "? List all of them.\n" +
			"The special magic " + nouns + " for " + q + " mentioned in the provided text are"
	}
	return s
}

func (s *niahSample) finish(units int, text string) ([]string, bool) {
	// Real text (haystack_dir) could hold a value or key by chance: then
	// the sample is drawn again.
	for _, n := range s.needles {
		if strings.Count(text, n[1]) != 1 {
			return nil, false
		}
	}
	for _, q := range s.query {
		if strings.Count(text, q) != s.keyCount(q) {
			return nil, false
		}
	}
	return s.refs, true
}

// verify checks the invariants of a fitted prompt: each needle once at
// its depth, distractor keys never a queried key, distractor values
// never an answer, and each queried key only in its needles and the
// question.
func (s *niahSample) verify(units int, text string) error {
	if err := s.checkInserts(units, text); err != nil {
		return err
	}
	if nh, ok := s.hay.(*needleHay); ok {
		nh.grow(units)
		for i := range units {
			if slices.Contains(s.query, nh.lineKeys[i]) {
				return fmt.Errorf("distractor line %d has the query key %s", i, nh.lineKeys[i])
			}
			if slices.Contains(s.refs, nh.lineVals[i]) {
				return fmt.Errorf("distractor line %d has the answer %s", i, nh.lineVals[i])
			}
		}
	}
	for _, n := range s.needles {
		if !slices.Contains(s.query, n[0]) && slices.Contains(s.refs, n[1]) {
			return fmt.Errorf("distractor needle %s has the answer %s", n[0], n[1])
		}
	}
	for _, q := range s.query {
		if got, want := strings.Count(text, q), s.keyCount(q); got != want {
			return fmt.Errorf("query key %s occurs %d times, want %d", q, got, want)
		}
	}
	for _, a := range s.refs {
		if n := strings.Count(text, a); n != 1 {
			return fmt.Errorf("answer %s occurs %d times", a, n)
		}
	}
	return nil
}

// keyCount is how often a queried key belongs in the prompt: once per
// needle of its own, and where the question names it.
func (s *niahSample) keyCount(q string) int {
	n := strings.Count(s.head, q) + strings.Count(s.tail, q)
	for _, nd := range s.needles {
		if nd[0] == q {
			n++
		}
	}
	return n
}
