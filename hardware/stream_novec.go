//go:build !amd64

package hardware

// Without vector kernels the scalar loops do all the work.
const useVector = false

func vecCopy(c, a []float64) int             { return 0 }
func vecScale(b, c []float64, q float64) int { return 0 }
func vecAdd(c, a, b []float64) int           { return 0 }
func vecTriad(a, b, c []float64, q float64) int {
	return 0
}
