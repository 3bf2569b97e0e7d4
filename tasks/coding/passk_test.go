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

func TestPassAtKByProblem(t *testing.T) {
	var samples []SampleOutcome
	add := func(p string, passed ...bool) {
		for _, x := range passed {
			samples = append(samples, SampleOutcome{Problem: p, Passed: x})
		}
	}
	add("b", true, false, false, false)
	add("a", true, true)
	add("c", false)
	s, err := PassAtKByProblem(samples, []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) != 3 || s.Problems[0].Problem != "a" || s.Problems[1].N != 4 || s.Problems[1].C != 1 {
		t.Fatalf("%+v", s.Problems)
	}
	if got := s.Problems[1].PassAtK[1]; math.Abs(got-0.25) > 1e-12 {
		t.Errorf("b pass@1 = %v", got)
	}
	if got := s.Problems[1].PassAtK[2]; math.Abs(got-0.5) > 1e-12 { // 1 - C(3,2)/C(4,2)
		t.Errorf("b pass@2 = %v", got)
	}
	if _, ok := s.Problems[2].PassAtK[2]; ok {
		t.Error("pass@2 of a problem with one sample")
	}
	if math.Abs(s.Overall[1]-(1+0.25+0)/3) > 1e-12 || s.Counted[1] != 3 {
		t.Errorf("overall pass@1 %v over %d", s.Overall[1], s.Counted[1])
	}
	if math.Abs(s.Overall[2]-(1+0.5)/2) > 1e-12 || s.Counted[2] != 2 || len(s.Warnings) != 1 {
		t.Errorf("overall pass@2 %v over %d, warnings %v", s.Overall[2], s.Counted[2], s.Warnings)
	}
	if _, err := PassAtKByProblem(samples, nil); err == nil {
		t.Error("no k: no error")
	}
	if _, err := PassAtKByProblem(samples, []int{0}); err == nil {
		t.Error("k = 0: no error")
	}
	if s, err := PassAtKByProblem(nil, []int{1}); err != nil || len(s.Problems) != 0 || len(s.Overall) != 0 {
		t.Errorf("no samples: %+v %v", s, err)
	}
}
