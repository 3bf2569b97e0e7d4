package reports

import (
	"math"

	"github.com/montanaflynn/stats"
)

// Z95 is the standard normal quantile for a two-sided 95% interval.
const Z95 = 1.959963984540054

// Wilson returns the Wilson score interval for successes out of n trials at
// normal quantile z. It behaves well near 0 and 1 and for small n, where
// the normal (Wald) interval collapses or leaves [0, 1].
//
// successes may be fractional (a sum of partial scores, as in RULER's
// string_match_all); the interval is then an approximation, since the
// scores are not Bernoulli trials. With n = 0 nothing is known and the
// interval is [0, 1].
func Wilson(successes float64, n int, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	nf := float64(n)
	p := successes / nf
	z2 := z * z
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	// Rounding can push the ends a hair outside [0, 1] at p = 0 or 1.
	return math.Max(0, center-half), math.Min(1, center+half)
}

// percentile returns the p-th percentile (0 < p <= 100) of xs by linear
// interpolation between closest ranks (Hyndman & Fan type 7, the default of
// NumPy, R and Excel's PERCENTILE.INC), which is what montanaflynn/stats
// v0.14.0's Percentile computes: rank = p/100 * (n-1), interpolated between
// the two neighbouring sorted values. Unlike nearest rank, it does not
// report the maximum as the p95 of every sample smaller than 20. It returns
// NaN for no data.
func percentile(xs []float64, p float64) float64 {
	v, err := stats.Percentile(xs, p)
	if err != nil {
		return math.NaN()
	}
	return v
}

// mean returns the arithmetic mean of xs, or NaN for no data.
func mean(xs []float64) float64 {
	v, err := stats.Mean(xs)
	if err != nil {
		return math.NaN()
	}
	return v
}
