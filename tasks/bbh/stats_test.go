package bbh

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestChanceLevel(t *testing.T) {
	cases := []struct {
		space *runners.AnswerSpace
		want  float64
	}{
		{nil, 0},
		{&runners.AnswerSpace{}, 0}, // open: integers, Dyck
		{&runners.AnswerSpace{Choices: []string{"True", "False"}}, 0.5},           // binary
		{&runners.AnswerSpace{Choices: strings.Fields("a b c d e f g")}, 1.0 / 7}, // seven options
		{&runners.AnswerSpace{Permute: strings.Fields("c a b")}, 1.0 / 6},         // 3! orders
		{&runners.AnswerSpace{Permute: strings.Fields("a a b")}, 1.0 / 3},         // 3!/2! distinct orders
		{&runners.AnswerSpace{Permute: []string{"solo"}}, 1},
	}
	for _, c := range cases {
		if got := ChanceLevel(c.space); !near(got, c.want) {
			t.Errorf("ChanceLevel(%+v) = %g, want %g", c.space, got, c.want)
		}
	}
	// Per task from real instances: a random guess at a five-way choice.
	in := collect(t, params.Values{"seed": 1, "n": 1, "tasks": []string{"logical_deduction_five_objects"}})[0]
	if got := ChanceLevel(in.Request.AnswerSpace); !near(got, 0.2) {
		t.Errorf("five objects: chance %g", got)
	}
}

func TestDetailRoundTrip(t *testing.T) {
	for _, d := range []Detail{
		{Flexible: "(B)", FlexibleMatch: true, AnswerType: "multiple_choice", Chance: 0.2},
		{Flexible: `say "x" = y`, AnswerType: "word_list", Chance: 1.0 / 6},
		{AnswerType: "integer"},
	} {
		got, err := ParseDetail(d.String())
		if err != nil || got.Flexible != d.Flexible || got.FlexibleMatch != d.FlexibleMatch || got.AnswerType != d.AnswerType || math.Abs(got.Chance-d.Chance) > 1e-6 {
			t.Errorf("%s: got %+v, %v", d, got, err)
		}
	}
	if s := (Detail{Flexible: "(B)", FlexibleMatch: true, AnswerType: "multiple_choice", Chance: 0.2}).String(); s != `flexible="(B)" flexible_match=1 answer_type=multiple_choice chance=0.2` {
		t.Errorf("format: %s", s)
	}
	for _, bad := range []string{"", "flexible=x", `flexible="x"`, `flexible="x" flexible_match=1 answer_type=a chance=abc`} {
		if _, err := ParseDetail(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestWilsonAndAverages(t *testing.T) {
	lo, hi := Tally{Correct: 8, N: 10}.Wilson()
	// The 95% Wilson interval of 8/10 is [0.490, 0.943].
	if math.Abs(lo-0.4902) > 1e-3 || math.Abs(hi-0.9433) > 1e-3 {
		t.Errorf("Wilson(8/10) = [%.4f, %.4f]", lo, hi)
	}
	if lo, hi := (Tally{}).Wilson(); lo != 0 || hi != 1 {
		t.Errorf("empty tally: [%g, %g]", lo, hi)
	}
	if lo, hi := (Tally{Correct: 0, N: 50}).Wilson(); lo != 0 || hi <= 0 || hi > 0.1 {
		t.Errorf("0/50: [%g, %g]", lo, hi)
	}
	micro, macro := Averages(map[string]Tally{
		"a": {Correct: 90, N: 100},
		"b": {Correct: 1, N: 10},
		"c": {N: 0}, // no samples: left out of the macro average
	})
	if !near(micro, 91.0/110) || !near(macro, (0.9+0.1)/2) {
		t.Errorf("micro %g, macro %g", micro, macro)
	}
}

func TestGap(t *testing.T) {
	// Much better on the public questions: the contamination signal.
	g := Gap(Tally{Correct: 230, N: 250}, Tally{Correct: 150, N: 250})
	if !g.Contamination || !near(g.Diff, 0.32) || g.Lo <= 0 || g.Hi <= g.Diff || !strings.Contains(g.Note, "possible contamination") {
		t.Errorf("large gap: %+v", g)
	}
	// Within noise: nothing to say.
	g = Gap(Tally{Correct: 80, N: 100}, Tally{Correct: 77, N: 100})
	if g.Contamination || g.Note != "" || g.Lo >= 0 || g.Hi <= 0 {
		t.Errorf("small gap: %+v", g)
	}
	// Worse on the official questions: said, but not called contamination.
	g = Gap(Tally{Correct: 100, N: 250}, Tally{Correct: 200, N: 250})
	if g.Contamination || g.Hi >= 0 || !strings.Contains(g.Note, "lower on the public questions") {
		t.Errorf("negative gap: %+v", g)
	}
	if g := Gap(Tally{}, Tally{Correct: 1, N: 2}); g.Contamination || !strings.Contains(g.Note, "no comparison") {
		t.Errorf("no samples: %+v", g)
	}
}

func TestDailySeed(t *testing.T) {
	defer func(c func() time.Time) { clock = c }(clock)
	clock = func() time.Time { return time.Date(2026, 3, 9, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)) }
	if got := ResolveSeed(DailySeed, clock()); got != 20260310 {
		t.Errorf("ResolveSeed = %d, want the UTC date 20260310", got)
	}
	if got := ResolveSeed(7, clock()); got != 7 {
		t.Errorf("a fixed seed changed: %d", got)
	}
	daily := collect(t, params.Values{"seed": DailySeed, "n": 2, "tasks": []string{"navigate"}})
	fixed := collect(t, params.Values{"seed": 20260310, "n": 2, "tasks": []string{"navigate"}})
	if daily[0].Labels["seed"] != "20260310" || daily[0].Cell() != "bbh-gen/task=navigate/difficulty=0/mode=cot/seed=20260310/shots=3" {
		t.Errorf("daily cell %s, labels %v", daily[0].Cell(), daily[0].Labels)
	}
	if questionOf(t, daily[1]) != questionOf(t, fixed[1]) || daily[1].Seed != fixed[1].Seed {
		t.Error("seed -1 should ask what the resolved seed asks")
	}
	if _, ok := fixed[0].Labels["seed"]; ok {
		t.Error("a fixed seed is not a label")
	}
	sizes := NewGenerated().(generatedSet).Sizes(params.Values{"seed": DailySeed, "n": 2, "tasks": []string{"navigate"}})
	if sizes[daily[0].Cell()] != 2 {
		t.Errorf("Sizes %v do not name the daily cell", sizes)
	}
	clock = func() time.Time { return time.Date(2026, 3, 11, 1, 0, 0, 0, time.UTC) }
	next := collect(t, params.Values{"seed": DailySeed, "n": 2, "tasks": []string{"navigate"}})
	if questionOf(t, next[1]) == questionOf(t, daily[1]) {
		t.Error("the next day should bring fresh questions")
	}
}
