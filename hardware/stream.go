package hardware

import (
	"context"
	"sync/atomic"
	"time"
	"unsafe"
)

// STREAM's kernels, in the order STREAM runs them each pass.
var streamKernels = []struct {
	Name string
	// Bytes STREAM counts per element (reads and writes), and the bytes
	// that really cross the memory bus when stores allocate their line
	// first (one more read per element written).
	Bytes, BytesWA int
}{
	{"copy", 16, 24},
	{"scale", 16, 24},
	{"add", 24, 32},
	{"triad", 24, 32},
}

const streamQ = 3.0

// The kernels on one thread's part of the arrays: vector code where the
// CPU has it (stream_amd64.s), else plain indexed loops, written without
// copy() (which may use non-temporal stores and would not be STREAM's
// Copy) and unrolled so loop overhead does not crowd loads out of the
// reorder window.
func streamCopy(c, a []float64) {
	k := vecCopy(c, a)
	scalarCopy(c[k:], a[k:])
}

func streamScale(b, c []float64, q float64) {
	k := vecScale(b, c, q)
	scalarScale(b[k:], c[k:], q)
}

func streamAdd(c, a, b []float64) {
	k := vecAdd(c, a, b)
	scalarAdd(c[k:], a[k:], b[k:])
}

func streamTriad(a, b, c []float64, q float64) {
	k := vecTriad(a, b, c, q)
	scalarTriad(a[k:], b[k:], c[k:], q)
}

func scalarCopy(c, a []float64) {
	a = a[:len(c)]
	i := 0
	for ; i+8 <= len(c); i += 8 {
		*(*[8]float64)(c[i:]) = *(*[8]float64)(a[i:])
	}
	for ; i < len(c); i++ {
		c[i] = a[i]
	}
}

func scalarScale(b, c []float64, q float64) {
	c = c[:len(b)]
	i := 0
	for ; i+8 <= len(b); i += 8 {
		bb, cc := (*[8]float64)(b[i:]), (*[8]float64)(c[i:])
		bb[0], bb[1], bb[2], bb[3] = q*cc[0], q*cc[1], q*cc[2], q*cc[3]
		bb[4], bb[5], bb[6], bb[7] = q*cc[4], q*cc[5], q*cc[6], q*cc[7]
	}
	for ; i < len(b); i++ {
		b[i] = q * c[i]
	}
}

func scalarAdd(c, a, b []float64) {
	a, b = a[:len(c)], b[:len(c)]
	i := 0
	for ; i+8 <= len(c); i += 8 {
		cc, aa, bb := (*[8]float64)(c[i:]), (*[8]float64)(a[i:]), (*[8]float64)(b[i:])
		cc[0], cc[1], cc[2], cc[3] = aa[0]+bb[0], aa[1]+bb[1], aa[2]+bb[2], aa[3]+bb[3]
		cc[4], cc[5], cc[6], cc[7] = aa[4]+bb[4], aa[5]+bb[5], aa[6]+bb[6], aa[7]+bb[7]
	}
	for ; i < len(c); i++ {
		c[i] = a[i] + b[i]
	}
}

func scalarTriad(a, b, c []float64, q float64) {
	b, c = b[:len(a)], c[:len(a)]
	i := 0
	for ; i+8 <= len(a); i += 8 {
		aa, bb, cc := (*[8]float64)(a[i:]), (*[8]float64)(b[i:]), (*[8]float64)(c[i:])
		aa[0], aa[1], aa[2], aa[3] = bb[0]+q*cc[0], bb[1]+q*cc[1], bb[2]+q*cc[2], bb[3]+q*cc[3]
		aa[4], aa[5], aa[6], aa[7] = bb[4]+q*cc[4], bb[5]+q*cc[5], bb[6]+q*cc[6], bb[7]+q*cc[7]
	}
	for ; i < len(a); i++ {
		a[i] = b[i] + q*c[i]
	}
}

func runKernel(k int, a, b, c []float64) {
	switch k {
	case 0:
		streamCopy(c, a)
	case 1:
		streamScale(b, c, streamQ)
	case 2:
		streamAdd(c, a, b)
	case 3:
		streamTriad(a, b, c, streamQ)
	}
}

// chunk is worker w's share of n elements among k, in whole cache lines.
func chunk(n, w, k int) (lo, hi int) {
	lines := (n + 7) / 8
	lo = min(n, lines*w/k*8)
	hi = min(n, lines*(w+1)/k*8)
	return lo, hi
}

// streamResult is one team size's best times per kernel.
type streamResult struct {
	best   [4]time.Duration
	passes int // timed passes, the discarded first not counted
	pinErr error
}

// streamOnce has each of the team's threads initialise its own part of
// the arrays (the first touch, when the memory is fresh), then runs up to
// passes passes of the kernels (the first discarded), stopping early only
// when ctx is done or, once minPasses are done, the deadline has passed.
func streamOnce(ctx context.Context, cpus []int, a, b, c []float64, passes, minPasses int, deadline time.Time, kernels []int) (streamResult, error) {
	var res streamResult
	n, k := len(a), len(cpus)
	var tm [4]timer
	var more atomic.Bool
	res.pinErr = runTeam(cpus, func(w int, bar *barrier) {
		lo, hi := chunk(n, w, k)
		aw, bw, cw := a[lo:hi], b[lo:hi], c[lo:hi]
		for i := range aw {
			aw[i], bw[i], cw[i] = 1, 2, 0
		}
		for pass := 0; ; pass++ {
			if w == 0 {
				more.Store(pass < passes && ctx.Err() == nil && (pass <= minPasses || deadline.IsZero() || time.Now().Before(deadline)))
			}
			bar.wait()
			if !more.Load() {
				return
			}
			for _, kn := range kernels {
				bar.wait()
				if w == 0 {
					tm[kn].start()
				}
				runKernel(kn, aw, bw, cw)
				bar.wait()
				if w == 0 {
					tm[kn].stop()
				}
			}
		}
	})
	for _, kn := range kernels {
		ts := tm[kn].times
		if len(ts) > 1 {
			res.passes = len(ts) - 1
			res.best[kn] = ts[1]
			for _, t := range ts[2:] {
				res.best[kn] = min(res.best[kn], t)
			}
		}
	}
	return res, ctx.Err()
}

// arrays carves three float64 arrays of n elements each out of mem, each
// starting on a 2 MiB boundary as separately mapped arrays would.
func arrays(mem []byte, n int) (a, b, c []float64) {
	stride := (n*8 + hugePage - 1) &^ (hugePage - 1)
	f := func(i int) []float64 {
		return unsafe.Slice((*float64)(unsafe.Pointer(&mem[i*stride])), n)
	}
	_ = mem[3*stride-1]
	return f(0), f(1), f(2)
}

// arraysBytes is the memory arrays needs for n elements.
func arraysBytes(n int) int { return 3 * ((n*8 + hugePage - 1) &^ (hugePage - 1)) }
