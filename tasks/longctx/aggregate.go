package longctx

import (
	"math"
	"slices"

	"github.com/engrambench/engrambench/tasks"
)

// RULER's summary figures, as pure functions for reports: a task's score
// at a length with its interval, the average over tasks at a length, the
// effective length, and the count of empty answers. Scores are in [0, 1]
// (RULER prints them x100).

// DefaultThreshold is RULER's effective-length threshold, 85.6 on its
// x100 scale: Llama-2-7B's average at 4K.
const DefaultThreshold = 0.856

// z95 is the normal quantile of a two-sided 95% interval.
const z95 = 1.959963984540054

// Estimate is a mean score in [0, 1] with a 95% interval.
type Estimate struct {
	Mean   float64
	Lo, Hi float64
	N      int // samples (for an average: samples over all its tasks)
}

// TaskScore is the mean of per-sample scores with a Wilson score
// interval. Scores of multi-value tasks are fractions; the Wilson form on
// their mean stays inside [0, 1] and does not collapse when every sample
// scores the same, which a normal interval would.
func TaskScore(values []float64) Estimate {
	n := len(values)
	if n == 0 {
		return Estimate{Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	}
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	p := sum / float64(n)
	lo, hi := wilson(p, n)
	return Estimate{Mean: p, Lo: lo, Hi: hi, N: n}
}

func wilson(p float64, n int) (float64, float64) {
	z2 := z95 * z95
	nf := float64(n)
	den := 1 + z2/nf
	mid := (p + z2/(2*nf)) / den
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return max(0, mid-half), min(1, mid+half)
}

// Average is RULER's score at one length: the unweighted mean of the task
// scores. Its interval treats the tasks as independent, each with the
// standard error its own interval implies.
func Average(perTask []Estimate) Estimate {
	k := len(perTask)
	if k == 0 {
		return Estimate{Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	}
	mean, v := 0.0, 0.0
	n := 0
	for _, e := range perTask {
		mean += e.Mean
		se := (e.Hi - e.Lo) / (2 * z95)
		v += se * se
		n += e.N
	}
	mean /= float64(k)
	half := z95 * math.Sqrt(v) / float64(k)
	return Estimate{Mean: mean, Lo: max(0, mean-half), Hi: min(1, mean+half), N: n}
}

// LengthRange is an effective length with the range its intervals allow.
type LengthRange struct {
	Length, Lo, Hi int
}

// EffectiveLength is the longest length whose average stays above the
// threshold: every length up to it, from the shortest, scores above it (0
// when the shortest does not). Lo and Hi apply the same rule to the lower
// and upper ends of the intervals: a 95% range for the length.
func EffectiveLength(avg map[int]Estimate, threshold float64) LengthRange {
	lengths := make([]int, 0, len(avg))
	for l := range avg {
		lengths = append(lengths, l)
	}
	slices.Sort(lengths)
	longest := func(val func(Estimate) float64) int {
		best := 0
		for _, l := range lengths {
			if !(val(avg[l]) > threshold) {
				break
			}
			best = l
		}
		return best
	}
	return LengthRange{
		Length: longest(func(e Estimate) float64 { return e.Mean }),
		Lo:     longest(func(e Estimate) float64 { return e.Lo }),
		Hi:     longest(func(e Estimate) float64 { return e.Hi }),
	}
}

// Nulls counts empty predictions, which RULER reports beside its scores
// (the scorer marks them Detail "null").
func Nulls(scores []tasks.Score) int {
	n := 0
	for _, s := range scores {
		if s.Detail == "null" {
			n++
		}
	}
	return n
}
