package longctx

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// rulerTask is one RULER task's configuration (FACTS.md §2). Adding a
// task means writing its draw function and listing it in rulerTasks;
// length fitting, request building and scoring are shared.
type rulerTask struct {
	name   string
	maxNew int    // generation budget in tokens
	metric metric // how a prediction is matched against the references
	niah   *niahSpec

	// draw makes the length-independent part of one sample from its own
	// stream (needles, depths, questions); the haystack grows as the
	// fitter asks for units.
	draw func(e *env, p taskParams, c *chunkCounter, r *rand.Rand, index int) (sample, error)
}

// sample is one question whose haystack can be grown unit by unit (a
// sentence, a line, a word, a document), so the fitter can size it.
type sample interface {
	// text is the whole prompt with units haystack units.
	text(units int) string
	// unitTokens is the token count that unit i adds to the prompt, as an
	// estimate; the fitter verifies with real counts.
	unitTokens(i int) int
	// finish returns the references for the fitted size, or false when
	// the question is ill-posed at that size (a tie in fwe, a value that
	// real haystack text happens to contain): the sample is drawn again.
	finish(units int, text string) ([]string, bool)
}

// verifier is implemented by samples that can check their invariants on
// a fitted prompt (needles once at their depths, distractors apart).
type verifier interface {
	verify(units int, text string) error
}

// taskParams are the per-task settings of one (task, length).
type taskParams struct {
	length, depths                 int
	keys, values, queries          int
	vtChains, vtHops               int
	cweWords, cweFreq, cweFreqRare int
	fweAlpha                       float64
}

func niahTask(name, haystack, key, value string, keys, values, queries int) *rulerTask {
	spec := &niahSpec{hay: haystack, keyKind: key, valueKind: value, keys: keys, values: values, queries: queries}
	return &rulerTask{name: name, maxNew: 128, metric: matchAll, niah: spec,
		draw: func(e *env, p taskParams, c *chunkCounter, r *rand.Rand, _ int) (sample, error) {
			var h hay
			switch haystack {
			case hayNoise:
				h = e.noise
			case hayEssay:
				h = &view{h: e.essay}
			}
			return drawNIAH(*spec, p, h, c, r), nil
		}}
}

// rulerTasks is the registry, in the order instances come out.
var rulerTasks = []*rulerTask{
	niahTask("niah_single_1", hayNoise, kindWords, kindNumbers, 1, 1, 1),
	niahTask("niah_single_2", hayEssay, kindWords, kindNumbers, 1, 1, 1),
	niahTask("niah_single_3", hayEssay, kindWords, kindUUIDs, 1, 1, 1),
	niahTask("niah_multikey_1", hayEssay, kindWords, kindNumbers, 4, 1, 1),
	niahTask("niah_multikey_2", hayNeedles, kindWords, kindNumbers, 1, 1, 1),
	niahTask("niah_multikey_3", hayNeedles, kindUUIDs, kindUUIDs, 1, 1, 1),
	niahTask("niah_multivalue", hayEssay, kindWords, kindNumbers, 1, 4, 1),
	niahTask("niah_multiquery", hayEssay, kindWords, kindNumbers, 4, 1, 4),
	{name: "vt", maxNew: 30, metric: matchAll,
		draw: func(e *env, p taskParams, _ *chunkCounter, r *rand.Rand, _ int) (sample, error) {
			return drawVT(p, e.noise, r), nil
		}},
	{name: "cwe", maxNew: 120, metric: matchAll,
		draw: func(_ *env, p taskParams, c *chunkCounter, r *rand.Rand, _ int) (sample, error) {
			return drawCWE(p, c, r), nil
		}},
	{name: "fwe", maxNew: 50, metric: matchAll,
		draw: func(_ *env, p taskParams, c *chunkCounter, r *rand.Rand, _ int) (sample, error) {
			return drawFWE(p, c, r), nil
		}},
	{name: "qa_1", maxNew: 32, metric: matchPart,
		draw: func(e *env, p taskParams, c *chunkCounter, r *rand.Rand, index int) (sample, error) {
			if e.squad != nil {
				return drawQAFile(e.squad, e.squadOrder, index, p, c, r)
			}
			return drawQAGen(1, p, c, r), nil
		}},
	{name: "qa_2", maxNew: 32, metric: matchPart,
		draw: func(e *env, p taskParams, c *chunkCounter, r *rand.Rand, index int) (sample, error) {
			if e.hotpot != nil {
				return drawQAFile(e.hotpot, e.hotpotOrder, index, p, c, r)
			}
			return drawQAGen(2, p, c, r), nil
		}},
}

var byName = func() map[string]*rulerTask {
	m := map[string]*rulerTask{}
	for _, t := range rulerTasks {
		if _, dup := m[t.name]; dup {
			panic("longctx: task registered twice: " + t.name)
		}
		m[t.name] = t
	}
	return m
}()

func taskNames() []string {
	out := make([]string, len(rulerTasks))
	for i, t := range rulerTasks {
		out[i] = t.name
	}
	return out
}

// metric scores one prediction against its references, in [0, 1].
type metric func(pred string, refs []string) float64

// normalize is RULER's clean-up of a prediction before matching: control
// characters become line breaks, surrounding space goes, case folds.
func normalize(pred string) string {
	pred = strings.Map(func(r rune) rune {
		if r < 0x20 {
			return '\n'
		}
		return r
	}, pred)
	return strings.ToLower(strings.TrimSpace(pred))
}

// matchAll is RULER's string_match_all for one sample: the share of
// references found in the normalised prediction.
func matchAll(pred string, refs []string) float64 {
	if len(refs) == 0 {
		return 0
	}
	pred = normalize(pred)
	found := 0
	for _, r := range refs {
		if strings.Contains(pred, strings.ToLower(r)) {
			found++
		}
	}
	return float64(found) / float64(len(refs))
}

// matchPart is RULER's string_match_part (QA): 1 when any reference (an
// alias) is found in the normalised prediction.
func matchPart(pred string, refs []string) float64 {
	pred = normalize(pred)
	for _, r := range refs {
		if strings.Contains(pred, strings.ToLower(r)) {
			return 1
		}
	}
	return 0
}

// stream returns an independent PCG stream and a request seed for a run
// seed, a task and an instance index. The length is left out on purpose:
// instance i has the same needle and depth at every length, so lengths are
// compared on paired questions. attempt > 0 names a redraw.
func stream(seed int64, task string, index int) (*rand.Rand, int64) {
	return streamAttempt(seed, task, index, 0)
}

func streamAttempt(seed int64, task string, index, attempt int) (*rand.Rand, int64) {
	h := sha256.New()
	fmt.Fprintf(h, "engrambench/ruler\x00%d\x00%s\x00%s", seed, task, strconv.Itoa(index))
	if attempt > 0 {
		fmt.Fprintf(h, "\x00redraw %d", attempt)
	}
	sum := h.Sum(nil)
	r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16])))
	return r, int64(binary.LittleEndian.Uint32(sum[16:20]) & 0x7fffffff)
}

var errIllPosed = errors.New("no well-posed draw")
