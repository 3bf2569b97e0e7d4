package compare

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

// Hand-computed: P(X ≤ k) for X ~ Bin(n, ½) is Σ C(n, i) / 2^n.
func TestMcNemarExact(t *testing.T) {
	for _, c := range []struct {
		name string
		b, c int
		want float64
	}{
		{"no pairs (n=0)", 0, 0, 1},
		{"all concordant", 0, 0, 1},
		{"one discordant", 0, 1, 1},       // 2·½ = 1
		{"0 vs 5", 0, 5, 2.0 / 32},        // 0.0625: never below 0.05 with 5 pairs
		{"1 vs 9", 1, 9, 2 * 11.0 / 1024}, // (1+10)/1024, doubled
		{"9 vs 1 is symmetric", 9, 1, 2 * 11.0 / 1024},
		{"2 vs 8", 2, 8, 2 * 56.0 / 1024}, // (1+10+45)/1024, doubled
		{"balanced", 3, 3, 1},             // 2·42/64 > 1, capped
		{"all discordant one way", 10, 0, 2.0 / 1024},
		{"negative counts", -1, 3, 1},
	} {
		if got := McNemarExact(c.b, c.c); !near(got, c.want, 1e-12) {
			t.Errorf("%s: McNemarExact(%d, %d) = %.15g, want %.15g", c.name, c.b, c.c, got, c.want)
		}
	}
	// 2·2^-2000 underflows in linear space; the log-space sum does not panic
	// and gives (near) zero.
	if p := McNemarExact(0, 2000); p < 0 || p > 1e-300 {
		t.Errorf("McNemarExact(0, 2000) = %g, want ~0", p)
	}
	// Large and balanced stays at 1; large and lopsided near the normal value.
	if p := McNemarExact(1000, 1000); p != 1 {
		t.Errorf("McNemarExact(1000, 1000) = %g, want 1", p)
	}
}

func TestWilcoxonSignedRank(t *testing.T) {
	for _, c := range []struct {
		name  string
		d     []float64
		n     int
		zeros int
		v     float64
		p     float64
		exact bool
	}{
		{"n=0", nil, 0, 0, 0, 1, false},
		{"all equal (all zero)", []float64{0, 0, 0}, 0, 3, 0, 1, false},
		// Exact, from counting the 2^5 subsets of {1..5} by sum.
		{"all positive", []float64{1, 2, 3, 4, 5}, 5, 0, 15, 2.0 / 32, true},
		{"one negative", []float64{-1, 2, 3, 4, 5}, 5, 0, 14, 4.0 / 32, true},
		{"alternating", []float64{1, -2, 3, -4, 5}, 5, 0, 9, 26.0 / 32, true},
		{"all negative", []float64{-0.1, -0.2, -0.3}, 3, 0, 0, 2.0 / 8, true},
		// Normal approximation with tie correction: |d| ranks 1.5 1.5 3.5 3.5
		// 5 6 7 8, V = 32.5, E = 18, Var = 8·9·17/24 − (6+6)/48 = 50.75,
		// z = (32.5 − 18 − ½)/√50.75 = 1.96521.
		{"ties", []float64{1, 1, 2, -2, 3, 4, 5, 6}, 8, 0, 32.5, 0.04938938891204159, false},
		// A zero forces the approximation: n = 3, V = 6, Var = 3·4·7/24 = 3.5,
		// z = 2.5/√3.5.
		{"zero dropped", []float64{0, 1, 2, 3}, 3, 1, 6, 0.1814492077214204, false},
	} {
		w := WilcoxonSignedRank(c.d)
		if w.N != c.n || w.Zeros != c.zeros || w.V != c.v || w.Exact != c.exact || !near(w.P, c.p, 1e-12) {
			t.Errorf("%s: got %+v, want N=%d Zeros=%d V=%g P=%.15g Exact=%v", c.name, w, c.n, c.zeros, c.v, c.p, c.exact)
		}
	}
	// Large n: 1..60 all positive: V = 1830, E = 915, Var = 60·61·121/24.
	d := make([]float64, 60)
	for i := range d {
		d[i] = float64(i + 1)
	}
	w := WilcoxonSignedRank(d)
	if w.Exact || w.V != 1830 || !near(w.P, 1.671328569652656e-11, 1e-20) {
		t.Errorf("n=60: %+v, want normal approximation V=1830 P=1.6713e-11", w)
	}
	// The exact distribution at the largest exact n is symmetric: V at its
	// mean has p = 1.
	d = d[:49]
	for i := range d {
		if i%2 == 0 {
			d[i] = -d[i]
		}
	}
	if w := WilcoxonSignedRank(d); !w.Exact || w.N != 49 || w.P <= 0.5 {
		t.Errorf("n=49 balanced: %+v", w)
	}
}

func TestHolm(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name string
		p    []float64
		want []float64
	}{
		{"empty", nil, []float64{}},
		// Sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → 0.06 (monotone).
		{"four", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		{"nan not counted", []float64{nan, 0.02, 0.5}, []float64{nan, 0.04, 0.5}},
		{"capped at 1", []float64{0.6, 0.7}, []float64{1, 1}},
		{"one", []float64{0.03}, []float64{0.03}},
		{"equal", []float64{0.02, 0.02}, []float64{0.04, 0.04}},
	} {
		got := Holm(c.p)
		if len(got) != len(c.want) {
			t.Fatalf("%s: %v", c.name, got)
		}
		for i := range got {
			if !near(got[i], c.want[i], 1e-12) {
				t.Errorf("%s: Holm(%v) = %v, want %v", c.name, c.p, got, c.want)
				break
			}
		}
	}
}

func TestTwoProportionZ(t *testing.T) {
	for _, c := range []struct {
		name   string
		x1     float64
		n1     int
		x2     float64
		n2     int
		want   float64
		approx float64
	}{
		// pool 0.65, se = √(0.65·0.35·0.2), z = 0.3/se = 1.40642.
		{"5/10 vs 8/10", 5, 10, 8, 10, 0.1595989424426488, 1e-12},
		{"n=0", 0, 0, 3, 5, 1, 0},
		{"all correct", 10, 10, 7, 7, 1, 0},
		{"all wrong", 0, 10, 0, 7, 1, 0},
		{"equal", 3, 6, 5, 10, 1, 1e-12},
	} {
		if got := TwoProportionZ(c.x1, c.n1, c.x2, c.n2); !near(got, c.want, c.approx) {
			t.Errorf("%s: %.15g, want %.15g", c.name, got, c.want)
		}
	}
}

// Newcombe (1998), Statistics in Medicine 17:873, table II example (c):
// 56/70 − 48/80 = 0.2000, method 10 gives 0.0524 to 0.3339.
func TestNewcombeDiff(t *testing.T) {
	lo, hi := NewcombeDiff(48, 80, 56, 70)
	if !near(lo, 0.0524, 0.00005) || !near(hi, 0.3339, 0.00005) {
		t.Errorf("NewcombeDiff = [%.4f, %.4f], want [0.0524, 0.3339]", lo, hi)
	}
	lo, hi = NewcombeDiff(0, 0, 1, 2)
	if !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("n=0: [%g, %g], want NaN", lo, hi)
	}
	// All correct against all wrong: the interval stays inside [-1, 1].
	lo, hi = NewcombeDiff(10, 10, 0, 10)
	if lo < -1 || hi > 0 || lo > -0.6 {
		t.Errorf("10/10 vs 0/10: [%g, %g]", lo, hi)
	}
}

func TestBootstrapMeanCI(t *testing.T) {
	lo, hi := BootstrapMeanCI(nil, 1000, 0.95, 1)
	if !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("n=0: [%g, %g], want NaN", lo, hi)
	}
	for _, c := range []struct {
		name string
		d    []float64
		v    float64
	}{
		{"all equal", []float64{0, 0, 0, 0}, 0},
		{"all discordant (B lost every pair)", []float64{-1, -1, -1, -1, -1}, -1},
		{"all discordant (B won every pair)", []float64{1, 1}, 1},
		{"one pair", []float64{0.25}, 0.25},
	} {
		lo, hi := BootstrapMeanCI(c.d, 10000, 0.95, 7)
		if lo != c.v || hi != c.v {
			t.Errorf("%s: [%g, %g], want [%g, %g]", c.name, lo, hi, c.v, c.v)
		}
	}
	// Two values 0 and 1: resampled means are 0, ½, 1 with chances ¼, ½, ¼,
	// so the 2.5% and 97.5% quantiles are 0 and 1.
	lo, hi = BootstrapMeanCI([]float64{0, 1}, 10000, 0.95, 3)
	if lo != 0 || hi != 1 {
		t.Errorf("{0, 1}: [%g, %g], want [0, 1]", lo, hi)
	}
	// 50 ones and 50 zeros: the mean's standard error is 0.05, so the
	// interval is close to 0.5 ± 1.96·0.05.
	d := make([]float64, 100)
	for i := range 50 {
		d[i] = 1
	}
	lo, hi = BootstrapMeanCI(d, 10000, 0.95, 11)
	if !near(lo, 0.402, 0.015) || !near(hi, 0.598, 0.015) {
		t.Errorf("50/100: [%g, %g], want about [0.402, 0.598]", lo, hi)
	}
	// Seeded: the same seed gives the same interval.
	lo2, hi2 := BootstrapMeanCI(d, 10000, 0.95, 11)
	if lo != lo2 || hi != hi2 {
		t.Errorf("not deterministic: [%g, %g] then [%g, %g]", lo, hi, lo2, hi2)
	}
}

func TestQuantileAndMedian(t *testing.T) {
	if q := quantile([]float64{1, 2, 3, 4}, 0.5); q != 2.5 {
		t.Errorf("quantile = %g, want 2.5", q)
	}
	if q := quantile([]float64{1, 2, 3, 4}, 1); q != 4 {
		t.Errorf("quantile(1) = %g, want 4", q)
	}
	if m := Median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("Median = %g, want 3", m)
	}
	if m := Median(nil); !math.IsNaN(m) {
		t.Errorf("Median(nil) = %g, want NaN", m)
	}
	if m := Mean([]float64{1, 2, 6}); m != 3 {
		t.Errorf("Mean = %g, want 3", m)
	}
}
