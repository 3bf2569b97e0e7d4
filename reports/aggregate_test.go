package reports

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/engrambench/engrambench/results"
)

func TestAggregate(t *testing.T) {
	cells := Aggregate(fixtureSamples())
	var order [][2]string
	for _, c := range cells {
		order = append(order, [2]string{c.Runner, c.Cell})
	}
	wantOrder := [][2]string{
		{"lookup", wordSorting}, {"lookup", dates}, {"lookup", niah},
		{"qwen3-8b", wordSorting}, {"qwen3-8b", dates}, {"qwen3-8b", niah},
	}
	// Sorted by runner, then cell name ("bbh-gen" < "bbh-mc" < "ruler").
	if !reflect.DeepEqual(order, wantOrder) {
		t.Fatalf("order = %v, want %v", order, wantOrder)
	}

	ws := cells[3] // qwen3-8b word_sorting: 3 scored, 1 request error
	if ws.N != 3 || ws.RequestErrors != 1 || ws.ScorerErrors != 0 || ws.Successes != 2 || ws.Responded != 3 {
		t.Errorf("qwen word_sorting counts: %+v", ws)
	}
	// The 60 s timeout of the request error is not a latency.
	if ws.Timed != 3 || ws.LatencyP95 > 5.10 || math.Abs(ws.LatencyP50-3.42) > 1e-12 {
		t.Errorf("qwen word_sorting latency: p50 %v p95 %v over %d", ws.LatencyP50, ws.LatencyP95, ws.Timed)
	}
	if math.Abs(ws.ErrorRate()-0.25) > 1e-12 {
		t.Errorf("error rate %v, want 0.25", ws.ErrorRate())
	}

	d := cells[4] // qwen3-8b dates: 2 scored, 1 scorer error that still responded
	if d.N != 2 || d.ScorerErrors != 1 || d.Responded != 3 || d.PromptTokens != 320+298+305 || d.TTFTCount != 3 {
		t.Errorf("qwen dates: %+v", d)
	}
	if d.Score != 0.5 {
		t.Errorf("qwen dates score %v, want 0.5: the scorer error must not count as wrong", d.Score)
	}

	lw := cells[0] // lookup word_sorting: a null prediction, estimated usage
	if lw.Nulls != 1 || !lw.UsageEstimated || lw.Fractional || lw.TTFTCount != 0 {
		t.Errorf("lookup word_sorting: %+v", lw)
	}
	if math.Abs(lw.MeanCompletionTokens-9) > 1e-12 {
		t.Errorf("mean completion tokens %v, want 9", lw.MeanCompletionTokens)
	}

	n := cells[5] // qwen3-8b niah: fractional scores
	if !n.Fractional || math.Abs(n.Successes-2.25) > 1e-12 || math.Abs(n.Score-0.75) > 1e-12 {
		t.Errorf("qwen niah: %+v", n)
	}
	if lo, hi := Wilson(2.25, 3, Z95); n.Lo != lo || n.Hi != hi {
		t.Errorf("qwen niah interval [%v, %v], want [%v, %v]", n.Lo, n.Hi, lo, hi)
	}
}

// A concurrent run finishes samples in any order; the numbers must not move
// by a single bit.
func TestAggregateOrderIndependent(t *testing.T) {
	want := Aggregate(fixtureSamples())
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		ss := fixtureSamples()
		rng.Shuffle(len(ss), func(i, j int) { ss[i], ss[j] = ss[j], ss[i] })
		if got := Aggregate(ss); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled samples changed the result:\n got %+v\nwant %+v", got, want)
		}
	}
}

func TestAggregateEdgeCases(t *testing.T) {
	if got := Aggregate(nil); len(got) != 0 {
		t.Errorf("Aggregate(nil) = %v", got)
	}
	// Only errors: no score, interval [0, 1]; an error without a kind is
	// a request error, a sample with neither error nor score a scorer error.
	noKind := sample("r", dates, 0, -1, "", 0, 0, 0, 0, 0, false)
	noKind.Error = "boom"
	noScore := sample("r", dates, 1, -1, "(A)", 0.5, 0, 0, 10, 2, false)
	c := Aggregate([]results.Sample{noKind, noScore})[0]
	if c.N != 0 || c.RequestErrors != 1 || c.ScorerErrors != 1 || c.Lo != 0 || c.Hi != 1 || c.Score != 0 {
		t.Errorf("errors only: %+v", c)
	}
	if c.Responded != 1 || c.Timed != 1 || c.LatencyP50 != 0.5 || c.ErrorRate() != 1 {
		t.Errorf("errors only, serving figures: %+v", c)
	}
}
