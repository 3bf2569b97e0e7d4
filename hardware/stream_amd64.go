package hardware

import "golang.org/x/sys/cpu"

// The vector kernels issue one load or store per 32 bytes instead of one
// per 8: with fewer instructions in flight per cache line, a core keeps
// more lines in flight, which is what a memory-bound loop needs to reach
// what the C reference reaches (the scalar loops fell ~20% short on two
// cores of the development machine).
var useVector = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func copyAVX2(c, a *float64, n int)

//go:noescape
func scaleAVX2(b, c *float64, n int, q float64)

//go:noescape
func addAVX2(c, a, b *float64, n int)

//go:noescape
func triadAVX2(a, b, c *float64, n int, q float64)

// vectorBlock is the elements the vector kernels take at a time.
const vectorBlock = 16

func vecCopy(c, a []float64) int {
	n := len(c) &^ (vectorBlock - 1)
	if !useVector || n == 0 {
		return 0
	}
	_ = a[n-1]
	copyAVX2(&c[0], &a[0], n)
	return n
}

func vecScale(b, c []float64, q float64) int {
	n := len(b) &^ (vectorBlock - 1)
	if !useVector || n == 0 {
		return 0
	}
	_ = c[n-1]
	scaleAVX2(&b[0], &c[0], n, q)
	return n
}

func vecAdd(c, a, b []float64) int {
	n := len(c) &^ (vectorBlock - 1)
	if !useVector || n == 0 {
		return 0
	}
	_, _ = a[n-1], b[n-1]
	addAVX2(&c[0], &a[0], &b[0], n)
	return n
}

func vecTriad(a, b, c []float64, q float64) int {
	n := len(a) &^ (vectorBlock - 1)
	if !useVector || n == 0 {
		return 0
	}
	_, _ = b[n-1], c[n-1]
	triadAVX2(&a[0], &b[0], &c[0], n, q)
	return n
}
