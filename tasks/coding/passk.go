// Package coding holds the execution-based coding tasks. It starts with the
// estimator every coding score is reported in: unbiased pass@k.
package coding

import "fmt"

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
