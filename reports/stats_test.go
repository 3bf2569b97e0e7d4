package reports

import (
	"math"
	"testing"
)

func TestWilson(t *testing.T) {
	// Reference values solve (p̂ - p)² = z² p(1-p)/n for p, a different
	// route to the same interval; 8/10 and 0/10 are textbook values.
	for _, tc := range []struct {
		succ   float64
		n      int
		lo, hi float64
	}{
		{8, 10, 0.490162, 0.943318},
		{0, 10, 0, 0.277533},
		{10, 10, 0.722467, 1},
		{5, 10, 0.236593, 0.763407},
		{1, 1, 0.206549, 1},
		{0, 1, 0, 0.793451},
		{81, 263, 0.255289, 0.366210},
		{95, 100, 0.888250, 0.978456},
		{1.5, 3, 0.125334, 0.874666}, // fractional: the formula still applies
		{0, 0, 0, 1},                 // nothing known
	} {
		lo, hi := Wilson(tc.succ, tc.n, Z95)
		if math.Abs(lo-tc.lo) > 1e-6 || math.Abs(hi-tc.hi) > 1e-6 {
			t.Errorf("Wilson(%v, %d) = [%.6f, %.6f], want [%.6f, %.6f]", tc.succ, tc.n, lo, hi, tc.lo, tc.hi)
		}
		if lo < 0 || hi > 1 || lo > hi {
			t.Errorf("Wilson(%v, %d) = [%v, %v] leaves [0, 1]", tc.succ, tc.n, lo, hi)
		}
	}
	// The brief's rounding: 8/10 at z = 1.959964 is [0.490, 0.943].
	lo, hi := Wilson(8, 10, 1.959964)
	if percent(lo) != "49.0" || percent(hi) != "94.3" {
		t.Errorf("Wilson(8, 10) = [%v, %v], want [0.490, 0.943]", lo, hi)
	}
}

func TestPercentile(t *testing.T) {
	for _, tc := range []struct {
		xs       []float64
		p50, p95 float64
	}{
		// Linear interpolation (type 7); nearest rank would give p95 = 10.
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5.5, 9.55},
		{[]float64{3, 1, 2}, 2, 2.9}, // unsorted input
		{[]float64{0.5}, 0.5, 0.5},
		{[]float64{1, 2}, 1.5, 1.95},
		{[]float64{0.12, 0.5, 0.31, 2.4}, 0.405, 2.115},
	} {
		in := append([]float64(nil), tc.xs...)
		p50, p95 := percentile(tc.xs, 50), percentile(tc.xs, 95)
		if math.Abs(p50-tc.p50) > 1e-12 || math.Abs(p95-tc.p95) > 1e-12 {
			t.Errorf("percentile(%v) p50, p95 = %v, %v, want %v, %v", tc.xs, p50, p95, tc.p50, tc.p95)
		}
		for i := range in {
			if in[i] != tc.xs[i] {
				t.Fatalf("percentile reordered its input: %v", tc.xs)
			}
		}
	}
	if !math.IsNaN(percentile(nil, 50)) || !math.IsNaN(mean(nil)) {
		t.Error("no data should give NaN")
	}
	if m := mean([]float64{1, 2, 6}); m != 3 {
		t.Errorf("mean = %v, want 3", m)
	}
}

func TestPrettySeconds(t *testing.T) {
	for in, want := range map[float64]string{
		0:         "0 s",
		3.4:       "3.40 s",
		0.0012:    "1.20 ms",
		0.0123:    "12.3 ms",
		0.34:      "340 ms",
		0.9996:    "1.00 s", // rounds up into the next unit
		0.000850:  "850 µs",
		0.0000004: "400 ns",
		125.4:     "125 s",
		1234.4:    "1234 s", // seconds stay the largest unit
		9.996:     "10.0 s",
	} {
		if got := PrettySeconds(in); got != want {
			t.Errorf("PrettySeconds(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for _, tc := range []struct {
		f        func(string) string
		in, want string
	}{
		{mdText, "a|b_c *d*", `a\|b\_c \*d\*`},
		{mdText, "two\nlines", "two lines"},
		{mdCode, "bbh/task=word_sorting", "`bbh/task=word_sorting`"},
		{mdCode, "a|b", "`a\\|b`"},
		{mdCode, "a`b", "a\\`b"},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
