package longctx

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/engrambench/engrambench/tokenize"
)

// rulerTask is one RULER task's configuration. Adding a task means writing
// its prepare function and listing it in rulerTasks; length fitting,
// request building and scoring are shared.
type rulerTask struct {
	name   string
	maxNew int    // generation budget in tokens (FACTS.md §2)
	metric metric // how a prediction is matched against the references

	// prepare builds what a run needs once per tokenizer (filler token
	// counts, word lists); the returned drawer makes one sample per stream.
	prepare func(tok tokenize.Tokenizer) (drawer, error)
}

// drawer draws the length-independent part of one sample: needles,
// depths, queries.
type drawer func(r *rand.Rand) sample

// sample is one question whose haystack can be grown unit by unit (a
// sentence, an essay sentence, a word), so the fitter can size it.
type sample interface {
	// text is the whole prompt with units haystack units.
	text(units int) string
	// unitTokens is the token count that unit i adds to the prompt, as an
	// estimate; the fitter verifies with real counts.
	unitTokens(i int) int
	// answers are the references a correct prediction contains.
	answers() []string
}

// rulerTasks is the registry, in the order instances come out.
var rulerTasks = []*rulerTask{
	{name: "niah_single_1", maxNew: 128, metric: matchAll, prepare: prepareNIAHSingle1},
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

// matchAll is RULER's string_match_all for one sample: the share of
// references found in the lower-cased prediction.
func matchAll(pred string, refs []string) float64 {
	if len(refs) == 0 {
		return 0
	}
	pred = strings.ToLower(strings.TrimSpace(pred))
	found := 0
	for _, r := range refs {
		if strings.Contains(pred, strings.ToLower(r)) {
			found++
		}
	}
	return float64(found) / float64(len(refs))
}

// stream returns an independent PCG stream and a request seed for a run
// seed, a task and an instance index. The length is left out on purpose:
// instance i has the same needle and depth at every length, so lengths are
// compared on paired questions.
func stream(seed int64, task string, index int) (*rand.Rand, int64) {
	h := sha256.New()
	fmt.Fprintf(h, "engrambench/ruler\x00%d\x00%s\x00%s", seed, task, strconv.Itoa(index))
	sum := h.Sum(nil)
	r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16])))
	return r, int64(binary.LittleEndian.Uint32(sum[16:20]) & 0x7fffffff)
}
