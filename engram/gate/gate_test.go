package gate

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randomWeights(rng *rand.Rand, d, dmem int, norms, signSqrt bool) *Weights {
	w := &Weights{D: d, DMem: dmem, WK: make([]float32, d*dmem), WV: make([]float32, d*dmem), SignSqrt: signSqrt}
	for i := range w.WK {
		w.WK[i] = float32(rng.NormFloat64() / math.Sqrt(float64(dmem)))
		w.WV[i] = float32(rng.NormFloat64() / math.Sqrt(float64(dmem)))
	}
	if norms {
		w.NormH, w.NormK = make([]float32, d), make([]float32, d)
		for i := range d {
			w.NormH[i] = float32(0.5 + rng.Float64())
			w.NormK[i] = float32(0.5 + rng.Float64())
		}
	}
	return w
}

// direct is the formula written plainly in float64.
func direct(w *Weights, h, e []float32) (alpha float64, out []float64) {
	d, dm := w.D, w.DMem
	k, v := make([]float64, d), make([]float64, d)
	for i := range d {
		for j := range dm {
			k[i] += float64(w.WK[i*dm+j]) * float64(e[j])
			v[i] += float64(w.WV[i*dm+j]) * float64(e[j])
		}
	}
	norm := func(x []float64, g []float32) []float64 {
		var ms float64
		for _, a := range x {
			ms += a * a
		}
		ms /= float64(len(x))
		y := make([]float64, len(x))
		for i, a := range x {
			y[i] = a / math.Sqrt(ms+1e-6)
			if g != nil {
				y[i] *= float64(g[i])
			}
		}
		return y
	}
	hf := make([]float64, d)
	for i := range d {
		hf[i] = float64(h[i])
	}
	hn, kn := norm(hf, w.NormH), norm(k, w.NormK)
	var s float64
	for i := range d {
		s += hn[i] * kn[i]
	}
	s /= math.Sqrt(float64(d))
	if w.SignSqrt {
		s = math.Copysign(math.Sqrt(math.Max(math.Abs(s), 1e-6)), s)
	}
	alpha = 1 / (1 + math.Exp(-s))
	out = make([]float64, d)
	for i := range d {
		out[i] = alpha * v[i]
	}
	return alpha, out
}

func TestForwardMatchesFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 12 {
		d, dmem := 8+rng.IntN(60), 16+rng.IntN(100)
		w := randomWeights(rng, d, dmem, trial%2 == 0, trial%3 == 0)
		tokens := 1 + rng.IntN(9)
		h, e := make([]float32, tokens*d), make([]float32, tokens*dmem)
		for i := range h {
			h[i] = float32(rng.NormFloat64())
		}
		for i := range e {
			e[i] = float32(rng.NormFloat64() * 0.01)
		}
		out, alpha := make([]float32, tokens*d), make([]float32, tokens)
		if err := Forward(out, alpha, h, e, tokens, w, 1+trial%3); err != nil {
			t.Fatal(err)
		}
		for tk := range tokens {
			wa, wo := direct(w, h[tk*d:(tk+1)*d], e[tk*dmem:(tk+1)*dmem])
			if math.Abs(float64(alpha[tk])-wa) > 1e-5 {
				t.Fatalf("trial %d token %d: alpha %v, want %v", trial, tk, alpha[tk], wa)
			}
			for i := range d {
				if got := float64(out[tk*d+i]); math.Abs(got-wo[i]) > 1e-5*(1+math.Abs(wo[i])) {
					t.Fatalf("trial %d token %d: out[%d] = %v, want %v", trial, tk, i, got, wo[i])
				}
			}
		}
	}
}

func TestShortConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const tokens, d, taps, dil = 11, 5, 4, 3
	v := make([]float32, tokens*d)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	k := make([]float32, d*taps)
	out := make([]float32, tokens*d)
	if err := ShortConv(out, v, tokens, d, k, dil); err != nil {
		t.Fatal(err)
	}
	for _, x := range out {
		if x != 0 {
			t.Fatal("a zero kernel must give zeros")
		}
	}
	for i := range k {
		k[i] = float32(rng.NormFloat64())
	}
	if err := ShortConv(out, v, tokens, d, k, dil); err != nil {
		t.Fatal(err)
	}
	for tk := range tokens {
		for c := range d {
			var s float64
			for j := range taps {
				if u := tk - j*dil; u >= 0 {
					s += float64(k[c*taps+j]) * float64(v[u*d+c])
				}
			}
			want := s / (1 + math.Exp(-s))
			if got := float64(out[tk*d+c]); math.Abs(got-want) > 1e-5 {
				t.Fatalf("t=%d c=%d: %v, want %v", tk, c, got, want)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	w := &Weights{D: 4, DMem: 3, WK: make([]float32, 12), WV: make([]float32, 11)}
	if err := Forward(make([]float32, 4), make([]float32, 1), make([]float32, 4), make([]float32, 3), 1, w, 1); err == nil {
		t.Fatal("want an error for a short W_V")
	}
}

func BenchmarkForward(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	w := randomWeights(rng, 2560, 1280, true, false)
	const tokens = 8
	h, e := make([]float32, tokens*w.D), make([]float32, tokens*w.DMem)
	out, alpha := make([]float32, tokens*w.D), make([]float32, tokens)
	for b.Loop() {
		Forward(out, alpha, h, e, tokens, w, 1)
	}
	b.ReportMetric(w.FLOPsPerToken()*tokens*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
