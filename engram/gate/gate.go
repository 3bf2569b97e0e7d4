// Package gate is step 7 of the Engram lookup path (FACTS.md §1) in
// float32: the context-aware gate and the value projection that turn the
// gathered rows e_t of one layer into what is added to the residual stream.
//
//	k_t   = W_K e_t,  v_t = W_V e_t             (W: d x d_mem)
//	s_t   = RMSNorm(h_t) . RMSNorm(k_t) / sqrt(d)
//	s_t   = sign(s_t) sqrt(max(|s_t|, 1e-6))     (the demo only)
//	a_t   = sigmoid(s_t)
//	out_t = a_t v_t
//
// followed, in the model, by a depthwise causal convolution with SiLU
// (ShortConv). It exists for completeness and for a compute-cost figure to
// set beside the lookup's: in a model this runs on the accelerator, while
// the lookup runs on the host.
package gate

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Weights are one Engram layer's gate and value parameters.
type Weights struct {
	D, DMem int
	WK, WV  []float32 // d x d_mem, row-major
	// NormH and NormK are the RMSNorm scales (length d); nil means ones.
	NormH, NormK []float32
	Eps          float32 // RMSNorm epsilon; 0 means 1e-6
	// SignSqrt applies the demo's sign(s)*sqrt(max(|s|, 1e-6)) to the
	// scaled dot product before the sigmoid; the paper's formula does not.
	SignSqrt bool
}

// Check reports what is wrong with w.
func (w *Weights) Check() error {
	var errs []error
	if w.D < 1 || w.DMem < 1 {
		errs = append(errs, fmt.Errorf("d %d and d_mem %d must be positive", w.D, w.DMem))
	}
	if len(w.WK) != w.D*w.DMem || len(w.WV) != w.D*w.DMem {
		errs = append(errs, fmt.Errorf("W_K and W_V hold %d and %d values, want d x d_mem = %d", len(w.WK), len(w.WV), w.D*w.DMem))
	}
	if w.NormH != nil && len(w.NormH) != w.D || w.NormK != nil && len(w.NormK) != w.D {
		errs = append(errs, fmt.Errorf("norm scales must hold d = %d values", w.D))
	}
	return errors.Join(errs...)
}

// FLOPsPerToken is the floating-point work of Forward for one token: two
// d x d_mem matrix-vector products (2 flops per multiply-add) and the
// norms, dot product and scaling, which are O(d).
func (w *Weights) FLOPsPerToken() float64 {
	return 4*float64(w.D)*float64(w.DMem) + 10*float64(w.D)
}

// Forward computes alpha (length tokens) and out (tokens x d) from hidden
// states h (tokens x d) and gathered rows e (tokens x d_mem), on up to
// threads cores (0 means GOMAXPROCS).
func Forward(out, alpha, h, e []float32, tokens int, w *Weights, threads int) error {
	if err := w.Check(); err != nil {
		return err
	}
	if len(out) < tokens*w.D || len(alpha) < tokens || len(h) < tokens*w.D || len(e) < tokens*w.DMem {
		return fmt.Errorf("gate: buffers too small for %d tokens", tokens)
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	// The projections walk W once, row by row, against every token (a row
	// stays in L1 while it meets them all), rows split over the cores; the
	// per-token rest is O(d).
	k := make([]float32, tokens*w.D)
	parallel(w.D, threads, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			row := i * w.DMem
			project(k, w.WK[row:row+w.DMem], e, tokens, w.D, w.DMem, i)
			project(out, w.WV[row:row+w.DMem], e, tokens, w.D, w.DMem, i)
		}
	})
	parallel(tokens, threads, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			alpha[t] = w.gate(out[t*w.D:(t+1)*w.D], k[t*w.D:(t+1)*w.D], h[t*w.D:(t+1)*w.D])
		}
	})
	return nil
}

// parallel runs f over [0, n) split in up to threads parts.
func parallel(n, threads int, f func(lo, hi int)) {
	threads = max(1, min(threads, n))
	var wg sync.WaitGroup
	for p := 1; p < threads; p++ {
		wg.Go(func() { f(n*p/threads, n*(p+1)/threads) })
	}
	f(0, n/threads)
	wg.Wait()
}

// project writes dst[t*d+i] = wrow . e_t for every token t, four tokens
// per pass over wrow.
func project(dst, wrow, e []float32, tokens, d, dmem, i int) {
	t := 0
	for ; t+4 <= tokens; t += 4 {
		a, b, c, f := dot4(wrow, e[t*dmem:(t+1)*dmem], e[(t+1)*dmem:(t+2)*dmem], e[(t+2)*dmem:(t+3)*dmem], e[(t+3)*dmem:(t+4)*dmem])
		dst[t*d+i], dst[(t+1)*d+i], dst[(t+2)*d+i], dst[(t+3)*d+i] = a, b, c, f
	}
	for ; t < tokens; t++ {
		dst[t*d+i] = dot(wrow, e[t*dmem:(t+1)*dmem])
	}
}

// dot4 is w.a, w.b, w.c, w.d in one pass over w.
func dot4(w, a, b, c, d []float32) (float32, float32, float32, float32) {
	n := len(w)
	a, b, c, d = a[:n], b[:n], c[:n], d[:n]
	var sa, sb, sc, sd float32
	for j, x := range w {
		sa += x * a[j]
		sb += x * b[j]
		sc += x * c[j]
		sd += x * d[j]
	}
	return sa, sb, sc, sd
}

// gate scales the values v (in place) by the token's gate and returns it.
func (w *Weights) gate(v, k, h []float32) float32 {
	eps := w.Eps
	if eps == 0 {
		eps = 1e-6
	}
	rh := rmsScale(h, eps)
	rk := rmsScale(k, eps)
	var s float32
	for i := range w.D {
		a, b := h[i]*rh, k[i]*rk
		if w.NormH != nil {
			a *= w.NormH[i]
		}
		if w.NormK != nil {
			b *= w.NormK[i]
		}
		s += a * b
	}
	s /= float32(math.Sqrt(float64(w.D)))
	if w.SignSqrt {
		s = float32(math.Copysign(math.Sqrt(math.Max(math.Abs(float64(s)), 1e-6)), float64(s)))
	}
	alpha := float32(1 / (1 + math.Exp(-float64(s))))
	for i := range v[:w.D] {
		v[i] *= alpha
	}
	return alpha
}

// rmsScale is 1/sqrt(mean(x^2) + eps).
func rmsScale(x []float32, eps float32) float32 {
	var ss float32
	for _, v := range x {
		ss += v * v
	}
	return float32(1 / math.Sqrt(float64(ss/float32(len(x))+eps)))
}

// dot is a.b with four independent accumulators, so that the additions
// are not one long dependency chain.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// ShortConv is the depthwise causal convolution the model applies to the
// gated values, with SiLU: for channel c and token t,
//
//	out_t[c] = SiLU( sum_j kernel[c*K+j] * v_{t-j*dilation}[c] )
//
// with K = len(kernel)/d taps (4 in the demo, dilation 3) and zeros before
// the first token. The model adds it to the values (the demo zero-inits
// the kernel, so at initialisation the layer passes the values through).
func ShortConv(out, v []float32, tokens, d int, kernel []float32, dilation int) error {
	if d < 1 || len(kernel)%d != 0 || len(kernel) == 0 || dilation < 1 {
		return fmt.Errorf("gate: conv needs d >= 1, a kernel of d x K values and dilation >= 1")
	}
	if len(out) < tokens*d || len(v) < tokens*d {
		return fmt.Errorf("gate: conv buffers too small for %d tokens", tokens)
	}
	taps := len(kernel) / d
	for t := range tokens {
		for c := range d {
			var s float32
			for j := range taps {
				if u := t - j*dilation; u >= 0 {
					s += kernel[c*taps+j] * v[u*d+c]
				}
			}
			out[t*d+c] = s / (1 + float32(math.Exp(-float64(s))))
		}
	}
	return nil
}
