package coding

import (
	"fmt"
	"sort"
)

// PassAtK is the unbiased estimator of pass@k for one problem with n
// samples of which c passed: 1 - C(n-c, k) / C(n, k), computed as
// 1 - prod_{i=n-c+1..n} (1 - k/i) to stay exact in float64 for large n.
// It is 1 when n-c < k (every draw of k must include a pass).
func PassAtK(n, c, k int) (float64, error) {
	if n < 1 || k < 1 || c < 0 || c > n || k > n {
		return 0, fmt.Errorf("pass@k needs 1 <= k <= n and 0 <= c <= n; got n=%d c=%d k=%d", n, c, k)
	}
	if n-c < k {
		return 1, nil
	}
	prod := 1.0
	for i := n - c + 1; i <= n; i++ {
		prod *= 1 - float64(k)/float64(i)
	}
	return 1 - prod, nil
}

// MeanPassAtK averages pass@k over problems, each given as (n, c).
func MeanPassAtK(problems [][2]int, k int) (float64, error) {
	if len(problems) == 0 {
		return 0, fmt.Errorf("pass@k over no problems")
	}
	sum := 0.0
	for _, p := range problems {
		v, err := PassAtK(p[0], p[1], k)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum / float64(len(problems)), nil
}

// SampleOutcome is one scored sample of a problem: whether it passed
// (every hidden test; for sessions every turn). A sample passes when its
// Score.Value is 1 (see SamplePassed).
type SampleOutcome struct {
	Problem string // the instance ID
	Passed  bool
}

// SamplePassed reads a coding sample's pass from its score: the "pass="
// field of a Detail this package wrote, else Value == 1.
func SamplePassed(value float64, detail string) bool {
	switch detailFields(detail)["pass"] {
	case "true":
		return true
	case "false":
		return false
	}
	return value == 1
}

// ProblemPassAtK is pass@k for one problem.
type ProblemPassAtK struct {
	Problem string
	N, C    int             // samples, and samples that passed
	PassAtK map[int]float64 // by k; a k above N is absent
}

// PassAtKSummary is pass@k per problem and over problems.
type PassAtKSummary struct {
	Problems []ProblemPassAtK // sorted by Problem
	// Overall is the mean over the problems with at least k samples, by k;
	// Counted says how many problems entered each mean.
	Overall  map[int]float64
	Counted  map[int]int
	Warnings []string // problems left out of a k for having fewer samples
}

// PassAtKByProblem groups per-sample outcomes by problem and computes the
// unbiased pass@k for each k, per problem and averaged over problems
// (FACTS.md §4). It is pure: reports call it with the samples of a cell.
func PassAtKByProblem(samples []SampleOutcome, ks []int) (PassAtKSummary, error) {
	if len(ks) == 0 {
		return PassAtKSummary{}, fmt.Errorf("pass@k: no k given")
	}
	for _, k := range ks {
		if k < 1 {
			return PassAtKSummary{}, fmt.Errorf("pass@k: k must be at least 1, got %d", k)
		}
	}
	nc := map[string][2]int{}
	for _, s := range samples {
		c := nc[s.Problem]
		c[0]++
		if s.Passed {
			c[1]++
		}
		nc[s.Problem] = c
	}
	names := make([]string, 0, len(nc))
	for p := range nc {
		names = append(names, p)
	}
	sort.Strings(names)
	out := PassAtKSummary{Overall: map[int]float64{}, Counted: map[int]int{}}
	short := map[int]int{}
	sums := map[int]float64{}
	for _, name := range names {
		c := nc[name]
		pp := ProblemPassAtK{Problem: name, N: c[0], C: c[1], PassAtK: map[int]float64{}}
		for _, k := range ks {
			if k > c[0] {
				short[k]++
				continue
			}
			v, err := PassAtK(c[0], c[1], k)
			if err != nil {
				return PassAtKSummary{}, err
			}
			pp.PassAtK[k] = v
			sums[k] += v
			out.Counted[k]++
		}
		out.Problems = append(out.Problems, pp)
	}
	for _, k := range ks {
		if out.Counted[k] > 0 {
			out.Overall[k] = sums[k] / float64(out.Counted[k])
		}
		if short[k] > 0 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("pass@%d: %d problem(s) have fewer than %d samples and are left out", k, short[k], k))
		}
	}
	return out, nil
}
