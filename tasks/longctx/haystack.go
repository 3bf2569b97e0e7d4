package longctx

import (
	"fmt"
	"strings"
	"sync"
)

// A haystack grows one unit (a sentence, a line, a document) at a time.
// Each unit carries its own leading separator (" " or "\n" or "\n\n"), so
// token counts of units add up: the separator begins a new BPE piece (see
// chunkCounter), and a unit's count is what it adds to any prompt.
type hay interface {
	unit(i int) string
	tokens(i int) int
}

// noise is the repeated filler of niah_single_1 and vt, in this order.
// No sentence holds a digit, a hyphen or a word in capitals.
var noise = []string{
	"The morning train left the station on time.",
	"A gentle rain fell across the quiet fields.",
	"Somebody had left a cup of tea on the windowsill.",
	"The old clock in the hall kept ticking.",
	"Sparrows gathered on the fence behind the shed.",
}

type noiseHay struct{ toks []int }

func newNoiseHay(c *chunkCounter) noiseHay {
	h := noiseHay{toks: make([]int, len(noise))}
	for i, s := range noise {
		h.toks[i] = c.marginal(" " + s)
	}
	return h
}

func (h noiseHay) unit(i int) string { return " " + noise[i%len(noise)] }
func (h noiseHay) tokens(i int) int  { return h.toks[i%len(h.toks)] }

// sharedHay is a haystack every sample of a run shares (the essay, or
// text from haystack_dir): units and their counts are made once, on
// demand, and only ever appended, so a sample's view of a prefix stays
// valid while other workers extend it.
type sharedHay struct {
	mu    sync.Mutex
	src   func(i int) string
	c     *chunkCounter
	units []string
	toks  []int
}

func newSharedHay(src func(int) string, c *chunkCounter) *sharedHay {
	return &sharedHay{src: src, c: c}
}

// upto returns views of at least n units.
func (h *sharedHay) upto(n int) ([]string, []int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.units) < n {
		u := h.src(len(h.units))
		h.units = append(h.units, u)
		h.toks = append(h.toks, h.c.marginal(u))
	}
	return h.units, h.toks
}

// view is one sample's window on a shared haystack.
type view struct {
	h     *sharedHay
	units []string
	toks  []int
}

func (v *view) grow(i int) {
	if i >= len(v.units) {
		v.units, v.toks = v.h.upto(max(2*i, 256))
	}
}

func (v *view) unit(i int) string { v.grow(i); return v.units[i] }
func (v *view) tokens(i int) int  { v.grow(i); return v.toks[i] }

// sharedHays caches shared haystacks per source and tokenizer for the
// life of the process: the generated essay is the same in every run.
var sharedHays = struct {
	sync.Mutex
	m map[string]*sharedHay
}{m: map[string]*sharedHay{}}

func essayHay(tokName string, c *chunkCounter) *sharedHay {
	key := "essay\x00" + tokName
	sharedHays.Lock()
	defer sharedHays.Unlock()
	if h, ok := sharedHays.m[key]; ok {
		return h
	}
	e := essayStream(essaySeed)
	h := newSharedHay(e.sentence, c)
	sharedHays.m[key] = h
	return h
}

// insert is a needle (or a statement, or a gold document) placed at one
// of the evenly spaced depths.
type insert struct {
	text  string // with its leading separator
	depth int    // index into depths points: depth/(points-1) of the way in
}

// at is how many haystack units come before an insert at depth d of n
// points: units * d/(n-1), at a unit boundary.
func at(units, d, points int) int {
	if points < 2 {
		return 0
	}
	return units * d / (points - 1)
}

// spliced is a prompt made of a head, a haystack with inserts at their
// depths, and a tail. Whatever comes first after the head loses its
// leading separator.
type spliced struct {
	head, tail string
	hay        hay
	ins        []insert // ordered by depth; equal depths keep their order
	points     int
}

// render writes the prompt with units haystack units. When offsets is
// not nil it receives the byte offset of each insert.
func (s *spliced) render(units int, offsets []int) string {
	var b strings.Builder
	b.Grow(len(s.head) + len(s.tail) + units*64 + len(s.ins)*96)
	b.WriteString(s.head)
	first := true
	put := func(piece string) {
		if first {
			piece = strings.TrimLeft(piece, " \n")
			first = false
		}
		b.WriteString(piece)
	}
	j := 0
	for i := 0; i <= units; i++ {
		for j < len(s.ins) && at(units, s.ins[j].depth, s.points) == i {
			if offsets != nil {
				offsets[j] = b.Len() + len(s.ins[j].text) - len(strings.TrimLeft(s.ins[j].text, " \n"))
				if first {
					offsets[j] = b.Len()
				}
			}
			put(s.ins[j].text)
			j++
		}
		if i < units {
			put(s.hay.unit(i))
		}
	}
	b.WriteString(s.tail)
	return b.String()
}

func (s *spliced) text(units int) string { return s.render(units, nil) }
func (s *spliced) unitTokens(i int) int  { return s.hay.tokens(i) }

// checkInserts verifies that each insert's text occurs exactly once in
// the prompt, at the unit boundary its depth names. The expected offsets
// are worked out again from unit lengths, apart from render.
func (s *spliced) checkInserts(units int, text string) error {
	off := len(s.head)
	first := true
	width := func(piece string) int {
		if first {
			first = false
			return len(strings.TrimLeft(piece, " \n"))
		}
		return len(piece)
	}
	j := 0
	for i := 0; i <= units; i++ {
		for j < len(s.ins) && at(units, s.ins[j].depth, s.points) == i {
			body := strings.TrimLeft(s.ins[j].text, " \n")
			w := width(s.ins[j].text)
			start := off + w - len(body)
			if n := strings.Count(text, body); n != 1 {
				return fmt.Errorf("insert %q occurs %d times", body, n)
			}
			if got := strings.Index(text, body); got != start {
				return fmt.Errorf("insert %q at byte %d, want %d (after %d of %d units, depth %d of %d)",
					body, got, start, i, units, s.ins[j].depth, s.points)
			}
			off += w
			j++
		}
		if i < units {
			off += width(s.hay.unit(i))
		}
	}
	if j != len(s.ins) {
		return fmt.Errorf("%d of %d inserts placed", j, len(s.ins))
	}
	return nil
}

// distinctDepths draws k distinct depth indices out of points, in the
// order drawn (when k > points, indices repeat as they must).
func distinctDepths(next func(int) int, k, points int) []int {
	if k > points {
		out := make([]int, k)
		for i := range out {
			out[i] = next(points)
		}
		return out
	}
	pool := make([]int, points)
	for i := range pool {
		pool[i] = i
	}
	for i := range k {
		j := i + next(points-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	return pool[:k]
}
