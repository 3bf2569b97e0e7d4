package longctx

import (
	"math"
	"testing"

	"github.com/engrambench/engrambench/tasks"
)

func near(a, b float64) bool { return math.Abs(a-b) < 5e-4 }

func TestTaskScore(t *testing.T) {
	// 8 of 10 right: Wilson 95% interval [0.490, 0.943].
	e := TaskScore([]float64{1, 1, 1, 1, 1, 1, 1, 1, 0, 0})
	if e.Mean != 0.8 || !near(e.Lo, 0.4902) || !near(e.Hi, 0.9433) || e.N != 10 {
		t.Errorf("8/10: %+v", e)
	}
	// All right still has an interval below 1.
	e = TaskScore([]float64{1, 1, 1, 1, 1})
	if e.Mean != 1 || e.Hi != 1 || !(e.Lo < 0.6) {
		t.Errorf("5/5: %+v", e)
	}
	// Partial credit (multi-value answers) is averaged.
	e = TaskScore([]float64{0.5, 0.75, 1, 0.25})
	if e.Mean != 0.625 || !(e.Lo < e.Mean && e.Mean < e.Hi) {
		t.Errorf("fractions: %+v", e)
	}
	if e := TaskScore(nil); !math.IsNaN(e.Mean) {
		t.Errorf("no samples: %+v", e)
	}
}

func TestAverageAndEffectiveLength(t *testing.T) {
	a := Average([]Estimate{{Mean: 0.9, Lo: 0.8, Hi: 0.96, N: 100}, {Mean: 0.7, Lo: 0.6, Hi: 0.78, N: 100}})
	if !near(a.Mean, 0.8) || !(a.Lo < 0.8 && a.Hi > 0.8) || a.N != 200 {
		t.Errorf("average %+v", a)
	}
	// Half-width: 1.96 * sqrt(se1^2 + se2^2) / 2 with se = width / 3.92.
	se1, se2 := 0.16/(2*z95), 0.18/(2*z95)
	if want := z95 * math.Sqrt(se1*se1+se2*se2) / 2; !near(a.Hi-a.Mean, want) {
		t.Errorf("half-width %g, want %g", a.Hi-a.Mean, want)
	}
	if !math.IsNaN(Average(nil).Mean) {
		t.Error("average of nothing")
	}
	avg := map[int]Estimate{
		4096:   {Mean: 0.95, Lo: 0.90, Hi: 0.98},
		8192:   {Mean: 0.90, Lo: 0.84, Hi: 0.94},
		16384:  {Mean: 0.86, Lo: 0.80, Hi: 0.90},
		32768:  {Mean: 0.80, Lo: 0.74, Hi: 0.86},
		65536:  {Mean: 0.88, Lo: 0.82, Hi: 0.93}, // above again: does not count
		131072: {Mean: 0.5, Lo: 0.4, Hi: 0.6},
	}
	got := EffectiveLength(avg, DefaultThreshold)
	if got != (LengthRange{Length: 16384, Lo: 4096, Hi: 65536}) {
		t.Errorf("effective length %+v", got)
	}
	if got := EffectiveLength(map[int]Estimate{4096: {Mean: 0.5, Lo: 0.4, Hi: 0.6}}, DefaultThreshold); got != (LengthRange{}) {
		t.Errorf("below at the shortest: %+v", got)
	}
	// "Above": a score equal to the threshold does not pass.
	if got := EffectiveLength(map[int]Estimate{4096: {Mean: 0.856, Lo: 0.856, Hi: 0.856}}, 0.856); got.Length != 0 {
		t.Errorf("at the threshold: %+v", got)
	}
}

func TestNulls(t *testing.T) {
	if n := Nulls([]tasks.Score{{Detail: "null"}, {Value: 1}, {Detail: "null"}, {Detail: "other"}}); n != 2 {
		t.Errorf("%d nulls", n)
	}
}
