package engram

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestIsPrimeAgainstBig(t *testing.T) {
	check := func(n uint64) {
		if got, want := IsPrime(n), new(big.Int).SetUint64(n).ProbablyPrime(0); got != want {
			t.Fatalf("IsPrime(%d) = %v, want %v", n, got, want)
		}
	}
	for n := uint64(0); n < 20000; n++ {
		check(n)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		check(rng.Uint64())
		check(rng.Uint64N(1<<40) | 1)
	}
	for _, n := range []uint64{
		561, 1105, 1729, 2465, 41041, // Carmichael numbers
		2047, 3215031751, 2152302898747, 3474749660383, 341550071728321, // strong pseudoprimes to the first few bases
		3825123056546413051, // strong pseudoprime to every prime base up to 23
		1<<61 - 1, 1<<62 - 57, 1<<63 - 25, math.MaxUint64 - 58, math.MaxUint64,
		41 * 41, 37 * 41, 4294967291 * 4294967279,
	} {
		check(n)
	}
}

func TestPrimeSearchSkipsUsed(t *testing.T) {
	var s PrimeSearch
	got := []int64{s.Next(-5), s.Next(0), s.Next(1), s.Next(10), s.Next(10)}
	if want := []int64{2, 3, 5, 11, 13}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestTablePrimesDemo(t *testing.T) {
	p, err := DemoConfig().Primes()
	if err != nil {
		t.Fatal(err)
	}
	bigram := []int64{646403, 646411, 646421, 646423, 646433, 646453, 646519, 646523}
	if !slices.Equal(p[0][0], bigram) {
		t.Errorf("layer 1 bigram primes %v, want %v", p[0][0], bigram)
	}
	// The trigram base equals the bigram's, so its search restarts at
	// 646399 and skips the eight primes the bigram took.
	if p[0][1][0] != 646537 {
		t.Errorf("first layer-1 trigram prime %d, want 646537", p[0][1][0])
	}
	seen := map[int64]bool{}
	for _, layer := range p {
		for _, order := range layer {
			for h, q := range order {
				if seen[q] || !IsPrime(uint64(q)) || (h > 0 && q <= order[h-1]) {
					t.Fatalf("size %d is repeated, not prime or not increasing", q)
				}
				seen[q] = true
			}
		}
	}
	if len(seen) != 2*2*8 {
		t.Fatalf("%d sizes, want 32", len(seen))
	}
}

func TestTablePrimes27B(t *testing.T) {
	p, err := Engram27BConfig().Primes()
	if err != nil {
		t.Fatal(err)
	}
	if p[0][0][0] != 2262409 {
		t.Fatalf("first Engram-27B prime %d, want 2262409", p[0][0][0])
	}
}

// TestDerivedRows checks FACTS.md §1's derived row counts and, with the
// per-head width (d_mem / 16), the parameter counts they came from.
func TestDerivedRows(t *testing.T) {
	cases := []struct {
		name    string
		c       Config
		rows    int64
		width   int64
		paramsB float64 // billions, as the paper rounds them
	}{
		{"demo", DemoConfig(), 20692406, 64, 1.32},
		{"27B", Engram27BConfig(), 72404232, 80, 5.7},
		{"40B", Engram40BConfig(), 231678892, 80, 18.5},
	}
	for _, c := range cases {
		rows, err := c.c.Rows()
		if err != nil {
			t.Fatal(err)
		}
		if rows != c.rows {
			t.Errorf("%s: %d rows, want %d", c.name, rows, c.rows)
		}
		if p := float64(rows*c.width) / 1e9; math.Abs(p-c.paramsB) > 0.1 {
			t.Errorf("%s: %.3fB parameters, paper says %.2fB", c.name, p, c.paramsB)
		}
	}
}

func TestTablePrimesErrors(t *testing.T) {
	for _, c := range []struct {
		layers, heads int
		bases         []int64
	}{{-1, 1, []int64{10}}, {1, 0, []int64{10}}, {1, 1, nil}, {1, 1, []int64{0}}} {
		if _, err := TablePrimes(c.layers, c.bases, c.heads); err == nil {
			t.Errorf("TablePrimes(%d, %v, %d): want an error", c.layers, c.bases, c.heads)
		}
	}
}
