package coding

import (
	"math"
	"math/big"
	"testing"
)

// exact computes 1 - C(n-c,k)/C(n,k) with big rationals.
func exact(n, c, k int) float64 {
	if n-c < k {
		return 1
	}
	num := new(big.Int).Binomial(int64(n-c), int64(k))
	den := new(big.Int).Binomial(int64(n), int64(k))
	r := new(big.Rat).SetFrac(num, den)
	f, _ := new(big.Rat).Sub(big.NewRat(1, 1), r).Float64()
	return f
}

func TestPassAtK(t *testing.T) {
	cases := []struct {
		n, c, k int
		want    float64
	}{
		{1, 1, 1, 1},
		{1, 0, 1, 0},
		{10, 0, 5, 0},
		{10, 10, 1, 1},
		{10, 3, 1, 0.3}, // pass@1 is c/n
		{200, 13, 1, 0.065},
		{5, 4, 2, 1}, // n-c = 1 < k
		{4, 2, 2, 1 - 1.0/6},
	}
	for _, c := range cases {
		got, err := PassAtK(c.n, c.c, c.k)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("PassAtK(%d,%d,%d) = %v, want %v", c.n, c.c, c.k, got, c.want)
		}
	}
	for n := 1; n <= 60; n += 7 {
		for c := 0; c <= n; c += 3 {
			for _, k := range []int{1, 2, 5, 10} {
				if k > n {
					continue
				}
				got, _ := PassAtK(n, c, k)
				if want := exact(n, c, k); math.Abs(got-want) > 1e-12 {
					t.Errorf("PassAtK(%d,%d,%d) = %v, exact %v", n, c, k, got, want)
				}
			}
		}
	}
}

func TestPassAtKRejectsBadInput(t *testing.T) {
	for _, c := range [][3]int{{0, 0, 1}, {5, 6, 1}, {5, -1, 1}, {5, 2, 0}, {5, 2, 6}} {
		if _, err := PassAtK(c[0], c[1], c[2]); err == nil {
			t.Errorf("PassAtK%v: want an error", c)
		}
	}
	if _, err := MeanPassAtK(nil, 1); err == nil {
		t.Error("MeanPassAtK over nothing: want an error")
	}
	m, err := MeanPassAtK([][2]int{{10, 3}, {10, 7}}, 1)
	if err != nil || math.Abs(m-0.5) > 1e-12 {
		t.Errorf("MeanPassAtK = %v, %v", m, err)
	}
}
