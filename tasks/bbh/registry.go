package bbh

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/engrambench/engrambench/runners"
)

// genTask is one generated BBH task: how its inputs are drawn, how they are
// solved, and what kind of answer they have. Adding a task means writing
// these and listing it in generated.
type genTask struct {
	name string
	desc string // the one-line task description that heads every prompt
	kind answerKind

	// Exactly one of draw and space is set. draw produces one input from a
	// stream. space lists every possible input, for tasks whose input space
	// is so small that independent draws would repeat within a run; such
	// inputs are dealt without replacement from a seeded shuffle.
	draw  func(r *rand.Rand) string
	space func() []string

	// solve returns the official-format target and the reasoning steps that
	// lead to it, one line each. It must accept every official input.
	solve func(input string) (solution, error)

	// answers describes the answer space for offline baselines (nil Choices
	// and Permute: an open answer).
	answers func(input string) *runners.AnswerSpace
}

type solution struct {
	target string
	steps  []string
}

// generated is the registry, in the order instances come out.
var generated = []*genTask{
	booleanExpressions,
	multistepArithmeticTwo,
	wordSorting,
}

var byName = func() map[string]*genTask {
	m := map[string]*genTask{}
	for _, t := range generated {
		if _, dup := m[t.name]; dup {
			panic("bbh: task registered twice: " + t.name)
		}
		if (t.draw == nil) == (t.space == nil) {
			panic("bbh: task needs exactly one of draw and space: " + t.name)
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

// source deals the inputs of one task for one run seed.
type source struct {
	exemplars []string // maxShots inputs, never equal to a test input
	test      func(i int) (string, error)
}

func (t *genTask) source(seed int64) (source, error) {
	if t.space != nil {
		all := t.space()
		if len(all) <= maxShots {
			return source{}, fmt.Errorf("%s: input space of %d is too small", t.name, len(all))
		}
		order := make([]string, len(all))
		copy(order, all)
		r, _ := stream(seed, t.name, "order")
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		rest := order[maxShots:]
		// Beyond len(rest) instances the inputs repeat in the same order.
		test := func(i int) (string, error) { return rest[i%len(rest)], nil }
		return source{exemplars: order[:maxShots], test: test}, nil
	}
	ex := make([]string, 0, maxShots)
	isExemplar := map[string]bool{}
	for j := 0; j < maxShots; j++ {
		r, _ := stream(seed, t.name, "exemplar", strconv.Itoa(j))
		in, err := drawAvoiding(t, r, isExemplar)
		if err != nil {
			return source{}, err
		}
		ex = append(ex, in)
		isExemplar[in] = true
	}
	test := func(i int) (string, error) {
		r, _ := stream(seed, t.name, "test", strconv.Itoa(i))
		return drawAvoiding(t, r, isExemplar)
	}
	return source{exemplars: ex, test: test}, nil
}

// drawAvoiding draws until the input is not in avoid. Draw-based tasks have
// spaces of millions, so more than a handful of redraws means a broken
// generator.
func drawAvoiding(t *genTask, r *rand.Rand, avoid map[string]bool) (string, error) {
	for range 1000 {
		if in := t.draw(r); !avoid[in] {
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
