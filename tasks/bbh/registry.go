package bbh

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// genTask is one generated BBH task: how its inputs are drawn, how they are
// solved, and what kind of answer they have. Adding a task means writing
// these and listing it in generated.
type genTask struct {
	name string
	desc string // the one-line task description that heads every prompt
	kind answerKind

	// draw produces one input from a stream at a difficulty (0: the
	// official range). space, when set and not nil at a difficulty, lists
	// every possible input instead, for tasks whose input space is so small
	// that independent draws would repeat within a run; such inputs are
	// dealt without replacement from a seeded shuffle.
	draw  func(r *rand.Rand, difficulty int) string
	space func(difficulty int) []string

	// harder says what the difficulty knob changes, for Help and docs.
	harder string

	// solve returns the official-format target and the reasoning steps that
	// lead to it, one line each. It must accept every official input; an
	// error says why an input has no single answer.
	solve func(input string) (solution, error)

	// agreement is the share of official examples the solver must
	// reproduce: 1 for purely algorithmic tasks, 0.98 for those whose
	// official items can be malformed or ambiguous (every such item is
	// listed in knownDisagreements with its reason).
	agreement float64
}

type solution struct {
	target string
	steps  []string
}

// generated is the registry, in the order instances come out.
var generated = []*genTask{
	booleanExpressions,
	dateUnderstanding,
	dyckLanguages,
	geometricShapes,
	logicalDeduction3,
	logicalDeduction5,
	logicalDeduction7,
	multistepArithmeticTwo,
	navigate,
	objectCounting,
	coloredObjects,
	temporalSequences,
	tracking3,
	tracking5,
	tracking7,
	webOfLies,
	wordSorting,
}

var byName = func() map[string]*genTask {
	m := map[string]*genTask{}
	for _, t := range generated {
		if _, dup := m[t.name]; dup {
			panic("bbh: task registered twice: " + t.name)
		}
		if t.draw == nil || t.solve == nil || t.harder == "" {
			panic("bbh: task lacks a generator, solver or difficulty note: " + t.name)
		}
		if t.agreement != 1 && t.agreement != 0.98 {
			panic("bbh: task needs an agreement threshold: " + t.name)
		}
		if len(knownDisagreements[t.name]) > 0 && t.agreement == 1 {
			panic("bbh: an algorithmic task may not have documented disagreements: " + t.name)
		}
		if kindOf[t.name] != t.kind {
			panic("bbh: generated and official answer kinds differ: " + t.name)
		}
		m[t.name] = t
	}
	return m
}()

func taskNames() []string {
	out := make([]string, len(generated))
	for i, t := range generated {
		out[i] = t.name
	}
	return out
}

// maxShots exemplar slots are reserved per task whatever shots is, so that
// the test inputs do not change with the number of exemplars shown.
const maxShots = 8

// maxDifficulty bounds the knob; every task stays solvable in int64 and
// within a few thousand tokens there.
const maxDifficulty = 10

// source deals the inputs of one task for one run seed and difficulty.
type source struct {
	exemplars []string // maxShots inputs, never equal to a test input
	test      func(i int) (string, error)
}

// streamPath keeps difficulty 0 on the streams it always had, so its
// questions do not change with the knob's arrival.
func streamPath(t *genTask, difficulty int, rest ...string) []string {
	p := []string{t.name}
	if difficulty > 0 {
		p = append(p, "difficulty="+strconv.Itoa(difficulty))
	}
	return append(p, rest...)
}

func (t *genTask) source(seed int64, difficulty int) (source, error) {
	if t.space != nil {
		if all := t.space(difficulty); all != nil {
			if len(all) <= maxShots {
				return source{}, fmt.Errorf("%s: input space of %d is too small", t.name, len(all))
			}
			order := make([]string, len(all))
			copy(order, all)
			r, _ := stream(seed, streamPath(t, difficulty, "order")...)
			r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			rest := order[maxShots:]
			// Beyond len(rest) instances the inputs repeat in the same order.
			test := func(i int) (string, error) { return rest[i%len(rest)], nil }
			return source{exemplars: order[:maxShots], test: test}, nil
		}
	}
	ex := make([]string, 0, maxShots)
	isExemplar := map[string]bool{}
	for j := 0; j < maxShots; j++ {
		r, _ := stream(seed, streamPath(t, difficulty, "exemplar", strconv.Itoa(j))...)
		in, err := drawAvoiding(t, r, difficulty, isExemplar)
		if err != nil {
			return source{}, err
		}
		ex = append(ex, in)
		isExemplar[in] = true
	}
	test := func(i int) (string, error) {
		r, _ := stream(seed, streamPath(t, difficulty, "test", strconv.Itoa(i))...)
		return drawAvoiding(t, r, difficulty, isExemplar)
	}
	return source{exemplars: ex, test: test}, nil
}

// drawAvoiding draws until the input is not in avoid. Draw-based tasks have
// spaces of millions, so more than a handful of redraws means a broken
// generator.
func drawAvoiding(t *genTask, r *rand.Rand, difficulty int, avoid map[string]bool) (string, error) {
	for range 1000 {
		if in := t.draw(r, difficulty); !avoid[in] {
			return in, nil
		}
	}
	return "", fmt.Errorf("%s: generator keeps repeating the same inputs", t.name)
}

// stream returns an independent PCG stream and a request seed for a run
// seed and a path of names, so that instance i is the same however many
// others are generated, and exemplars come from streams no test input uses.
func stream(seed int64, path ...string) (*rand.Rand, int64) {
	h := sha256.New()
	fmt.Fprintf(h, "engrambench/bbh-gen\x00%d", seed)
	for _, p := range path {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	sum := h.Sum(nil)
	r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16])))
	// 31 bits: every API that takes a seed accepts it.
	return r, int64(binary.LittleEndian.Uint32(sum[16:20]) & 0x7fffffff)
}
