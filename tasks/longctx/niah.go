package longctx

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/engrambench/engrambench/tokenize"
)

// niah_single_1: one needle, a word key and a 7-digit value, hidden in a
// haystack of a few plain sentences repeated in order (RULER's "noise"
// haystack). The wording of the filler, instruction and question is the
// project's own; the needle sentence and the answer prefix are RULER's.

// noise is the filler, repeated in this order. No sentence holds a digit
// or a hyphen, so no key or value can occur by accident.
var noise = []string{
	"The morning train left the station on time.",
	"A gentle rain fell across the quiet fields.",
	"Somebody had left a cup of tea on the windowsill.",
	"The old clock in the hall kept ticking.",
	"Sparrows gathered on the fence behind the shed.",
}

// Keys are adjective-noun pairs, e.g. "amber-lantern": 26 x 26 of them.
var (
	keyAdjectives = strings.Fields(`amber azure bitter brave bright calm clever crimson dusty eager
		fancy gentle golden hollow humble icy jolly lively lucky misty noble quiet rapid rusty silent wild`)
	keyNouns = strings.Fields(`lantern harbor meadow falcon compass orchard anchor canyon beacon cottage
		garden island kettle ladder marble mirror needle pebble quarry ribbon saddle tunnel violin willow window zephyr`)
)

const (
	depthPoints = 40 // needle depths: 40 evenly spaced points in [0, 100%]

	niahInstruction = "Hidden somewhere in the long passage below is a special magic number. " +
		"Read the whole passage carefully and keep that number in mind: you will be asked for it at the end."
)

// prepareNIAHSingle1 counts each filler sentence once for the tokenizer.
func prepareNIAHSingle1(tok tokenize.Tokenizer) (drawer, error) {
	unit := make([]int, len(noise))
	for i, s := range noise {
		unit[i] = tok.Count(" " + s) // as it sits in the haystack, after a space
	}
	return func(r *rand.Rand) sample {
		return &niahSingle{
			unit:  unit,
			key:   keyAdjectives[r.IntN(len(keyAdjectives))] + "-" + keyNouns[r.IntN(len(keyNouns))],
			value: strconv.Itoa(1_000_000 + r.IntN(9_000_000)),
			depth: r.IntN(depthPoints),
		}
	}, nil
}

type niahSingle struct {
	unit       []int // tokens per filler sentence
	key, value string
	depth      int // index into the depth points: depth/(depthPoints-1) of the way in
}

func (s *niahSingle) needle() string {
	return "One of the special magic numbers for " + s.key + " is: " + s.value + "."
}

// needleAt is how many filler sentences come before the needle.
func (s *niahSingle) needleAt(units int) int { return units * s.depth / (depthPoints - 1) }

func (s *niahSingle) text(units int) string {
	var b strings.Builder
	b.Grow(len(niahInstruction) + 200 + units*48)
	b.WriteString(niahInstruction)
	b.WriteString("\n\n")
	at, needle := s.needleAt(units), s.needle()
	first := true
	put := func(sentence string) {
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(sentence)
	}
	for i := range units {
		if i == at {
			put(needle)
		}
		put(noise[i%len(noise)])
	}
	if at == units {
		put(needle)
	}
	b.WriteString("\n\nWhich special magic number does the passage above give for ")
	b.WriteString(s.key)
	b.WriteString("?\nThe special magic number for ")
	b.WriteString(s.key)
	b.WriteString(" mentioned in the provided text is")
	return b.String()
}

func (s *niahSingle) unitTokens(i int) int { return s.unit[i%len(s.unit)] }

func (s *niahSingle) answers() []string { return []string{s.value} }
