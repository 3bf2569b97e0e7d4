package compare

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/engrambench/engrambench/reports"
)

// BootstrapMeanCI returns the percentile-bootstrap interval at the given
// level (0.95 for 95%) for the mean of d: resamples draws of len(d) values
// with replacement, each draw's mean, and the (1−level)/2 and (1+level)/2
// quantiles of those means (linear interpolation, as reports uses). For
// paired data d holds the per-pair differences, so the pairing is kept.
//
// The generator is seeded with seed, so the same data and seed give the same
// interval on any machine. With no data the interval is NaN; when every
// value is equal it is that value, twice.
func BootstrapMeanCI(d []float64, resamples int, level float64, seed uint64) (lo, hi float64) {
	n := len(d)
	if n == 0 || resamples <= 0 {
		return math.NaN(), math.NaN()
	}
	if allEqual(d) {
		return d[0], d[0]
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	means := make([]float64, resamples)
	// Values of d repeat a lot (a pass/fail difference is -1, 0 or 1), but
	// summing draws in a fixed order keeps the result reproducible anyway.
	for i := range means {
		var sum float64
		for range n {
			sum += d[r.IntN(n)]
		}
		means[i] = sum / float64(n)
	}
	slices.Sort(means)
	return quantile(means, (1-level)/2), quantile(means, (1+level)/2)
}

// quantile is the q-th quantile (0 ≤ q ≤ 1) of sorted xs by linear
// interpolation between closest ranks (Hyndman & Fan type 7).
func quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := q * float64(n-1)
	i := int(math.Floor(h))
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

// Median returns the median of xs (NaN for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// Mean returns the arithmetic mean of xs (NaN for none).
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func allEqual(d []float64) bool {
	for _, v := range d[1:] {
		if v != d[0] {
			return false
		}
	}
	return true
}

// McNemarExact is McNemar's exact test for paired pass/fail outcomes: b
// pairs passed only under A, c only under B. Concordant pairs carry no
// information. Under the null hypothesis each discordant pair goes either
// way with probability ½, so the two-sided p-value is
// min(1, 2·P(X ≤ min(b, c))) with X ~ Binomial(b+c, ½). With no discordant
// pair it is 1.
func McNemarExact(b, c int) float64 {
	n := b + c
	if n <= 0 || b < 0 || c < 0 {
		return 1
	}
	return math.Min(1, 2*binomCDFHalf(min(b, c), n))
}

// binomCDFHalf is P(X ≤ k) for X ~ Binomial(n, ½), summed in log space so
// that 2^-n cannot underflow for large n.
func binomCDFHalf(k, n int) float64 {
	if k < 0 {
		return 0
	}
	if k >= n {
		return 1
	}
	lnN1, _ := math.Lgamma(float64(n) + 1)
	logs := make([]float64, 0, k+1)
	maxLog := math.Inf(-1)
	for i := 0; i <= k; i++ {
		a, _ := math.Lgamma(float64(i) + 1)
		b, _ := math.Lgamma(float64(n-i) + 1)
		l := lnN1 - a - b - float64(n)*math.Ln2
		logs = append(logs, l)
		maxLog = math.Max(maxLog, l)
	}
	var s float64
	for _, l := range logs {
		s += math.Exp(l - maxLog)
	}
	return math.Min(1, math.Exp(maxLog)*s)
}

// Wilcoxon is the outcome of a Wilcoxon signed-rank test.
type Wilcoxon struct {
	N     int     // non-zero differences, the ones ranked
	Zeros int     // zero differences, dropped (Wilcoxon's convention)
	V     float64 // sum of the ranks of the positive differences
	P     float64 // two-sided p-value; 1 when N is 0
	Exact bool    // P is from the exact null distribution
	Ties  bool    // some |differences| tie (average ranks were used)
}

// exactWilcoxonMax is the largest N for which the exact distribution is
// used (as R's wilcox.test: below 50, no ties, no zeros).
const exactWilcoxonMax = 49

// WilcoxonSignedRank tests whether the paired differences d are centred on
// zero. Zero differences are dropped and the rest ranked by absolute value,
// ties getting their average rank. With fewer than 50 differences, no ties
// and no zeros the p-value is exact (the distribution of V counted over all
// 2^N sign patterns); otherwise it is the normal approximation with the tie
// correction of the variance and a continuity correction of ½, as R's
// wilcox.test computes it.
func WilcoxonSignedRank(d []float64) Wilcoxon {
	var w Wilcoxon
	abs := make([]float64, 0, len(d))
	pos := make([]bool, 0, len(d))
	for _, x := range d {
		if x == 0 || math.IsNaN(x) {
			if x == 0 {
				w.Zeros++
			}
			continue
		}
		abs = append(abs, math.Abs(x))
		pos = append(pos, x > 0)
	}
	w.N = len(abs)
	if w.N == 0 {
		w.P = 1
		return w
	}
	ranks, tieTerm := averageRanks(abs)
	w.Ties = tieTerm > 0
	for i, r := range ranks {
		if pos[i] {
			w.V += r
		}
	}
	n := float64(w.N)
	if w.N <= exactWilcoxonMax && !w.Ties && w.Zeros == 0 {
		w.Exact = true
		w.P = exactSignedRankP(w.N, int(w.V))
		return w
	}
	z := w.V - n*(n+1)/4
	sigma := math.Sqrt(n*(n+1)*(2*n+1)/24 - tieTerm/48)
	if sigma == 0 {
		w.P = 1
		return w
	}
	corr := 0.5
	if z < 0 {
		corr = -0.5
	} else if z == 0 {
		corr = 0
	}
	z = (z - corr) / sigma
	w.P = math.Min(1, 2*math.Min(normCDF(z), normCDF(-z)))
	return w
}

// averageRanks ranks xs from 1 (smallest), ties getting the mean of the
// ranks they span, and returns Σ(t³ − t) over groups of t ties.
func averageRanks(xs []float64) ([]float64, float64) {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case xs[a] < xs[b]:
			return -1
		case xs[a] > xs[b]:
			return 1
		}
		return 0
	})
	ranks := make([]float64, len(xs))
	var tie float64
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && xs[idx[j]] == xs[idx[i]] {
			j++
		}
		r := float64(i+j+1) / 2 // mean of ranks i+1 .. j
		for k := i; k < j; k++ {
			ranks[idx[k]] = r
		}
		if t := float64(j - i); t > 1 {
			tie += t*t*t - t
		}
		i = j
	}
	return ranks, tie
}

// exactSignedRankP is the two-sided exact p-value of the signed-rank
// statistic v with n untied, non-zero differences: the number of subsets of
// {1..n} by their sum, over 2^n.
func exactSignedRankP(n, v int) float64 {
	maxSum := n * (n + 1) / 2
	count := make([]float64, maxSum+1) // below 2^53 for n ≤ 49: exact
	count[0] = 1
	for k := 1; k <= n; k++ {
		for s := maxSum; s >= k; s-- {
			count[s] += count[s-k]
		}
	}
	total := math.Ldexp(1, n)
	var tail float64
	if float64(v) > float64(maxSum)/2 {
		for s := v; s <= maxSum; s++ {
			tail += count[s]
		}
	} else {
		for s := 0; s <= v; s++ {
			tail += count[s]
		}
	}
	return math.Min(1, 2*tail/total)
}

// normCDF is the standard normal distribution function.
func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// Holm adjusts p-values for multiple comparisons (Holm–Bonferroni): the
// i-th smallest of m is multiplied by m−i+1, capped at 1 and made monotone.
// NaN entries (tests not run) stay NaN and are not counted in m. Rejecting
// where the adjusted value is below α keeps the family-wise error rate at α.
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	var idx []int
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		adj := math.Min(1, float64(m-rank)*p[i])
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}

// TwoProportionZ is the two-sided p-value of the pooled two-proportion
// z-test of x1/n1 against x2/n2, for unpaired samples. It is 1 when either
// n is 0 or when the pooled proportion is 0 or 1 (nothing varies).
func TwoProportionZ(x1 float64, n1 int, x2 float64, n2 int) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 1
	}
	p1, p2 := x1/float64(n1), x2/float64(n2)
	pool := (x1 + x2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 || math.IsNaN(se) {
		return 1
	}
	z := math.Abs(p2-p1) / se
	return math.Min(1, 2*normCDF(-z))
}

// NewcombeDiff is Newcombe's hybrid score interval (his method 10) for
// p2 − p1 from two independent proportions, built from the 95% Wilson
// interval of each. With either n at 0 it is NaN.
func NewcombeDiff(x1 float64, n1 int, x2 float64, n2 int) (lo, hi float64) {
	if n1 <= 0 || n2 <= 0 {
		return math.NaN(), math.NaN()
	}
	p1, p2 := x1/float64(n1), x2/float64(n2)
	l1, u1 := reports.Wilson(x1, n1, reports.Z95)
	l2, u2 := reports.Wilson(x2, n2, reports.Z95)
	d := p2 - p1
	lo = d - math.Sqrt((p2-l2)*(p2-l2)+(u1-p1)*(u1-p1))
	hi = d + math.Sqrt((u2-p2)*(u2-p2)+(p1-l1)*(p1-l1))
	return lo, hi
}
