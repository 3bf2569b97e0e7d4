package engram

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

var edgeU64 = []uint64{0, 1, 2, 3, 7, 1<<31 - 1, 1 << 31, 1<<32 - 1, 1 << 32, 1<<32 + 1, 646403, 1<<62 - 1, 1 << 62, 1<<63 - 1, 1 << 63, 1<<63 + 1, math.MaxUint64 - 1, math.MaxUint64}

func TestFastModEqualsRemainder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	divisors := append([]uint64(nil), edgeU64[1:]...)
	for range 200 {
		divisors = append(divisors, rng.Uint64(), rng.Uint64N(1<<32)+1, rng.Uint64N(1<<20)+1, 1<<rng.UintN(64))
	}
	for _, d := range divisors {
		f := NewFastMod(d)
		if f.Divisor() != d {
			t.Fatalf("Divisor() = %d, want %d", f.Divisor(), d)
		}
		check := func(a uint64) {
			if got, want := f.Mod(a), a%d; got != want {
				t.Fatalf("%d mod %d = %d, want %d", a, d, got, want)
			}
		}
		for _, a := range edgeU64 {
			check(a)
			check(d * a)
			check(d*a - 1)
			check(d*a + 1)
		}
		for range 1000 {
			check(rng.Uint64())
		}
	}
}

// floorModBig is x mod p for p > 0 by math/big: Euclidean, so in [0, p)
// like Python's %.
func floorModBig(x, p int64) int64 {
	return new(big.Int).Mod(big.NewInt(x), big.NewInt(p)).Int64()
}

func TestFloorMod(t *testing.T) {
	// Values from Python 3, whose % is floored.
	cases := []struct{ x, p, want int64 }{
		{-7, 5, 3},
		{7, 5, 2},
		{-5, 5, 0},
		{0, 646403, 0},
		{math.MinInt64, 646403, 329654},
		{math.MaxInt64, 646523, 344518},
		{-123456789012345, 646403, 496557},
		{math.MinInt64, 1, 0},
		{-1, math.MaxInt64, math.MaxInt64 - 1},
		{math.MinInt64, math.MaxInt64, math.MaxInt64 - 1},
	}
	for _, c := range cases {
		if got := FloorMod(c.x, c.p); got != c.want {
			t.Errorf("FloorMod(%d, %d) = %d, want %d", c.x, c.p, got, c.want)
		}
		if got := NewFastMod(uint64(c.p)).FloorMod(c.x); got != c.want {
			t.Errorf("FastMod(%d).FloorMod(%d) = %d, want %d", c.p, c.x, got, c.want)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		p := int64(rng.Uint64N(math.MaxInt64)) + 1
		if rng.IntN(2) == 0 {
			p = int64(rng.Uint64N(1<<24)) + 1
		}
		f := NewFastMod(uint64(p))
		for range 50 {
			x := int64(rng.Uint64())
			want := floorModBig(x, p)
			if got := f.FloorMod(x); got != want {
				t.Fatalf("FastMod(%d).FloorMod(%d) = %d, want %d", p, x, got, want)
			}
			if got := FloorMod(x, p); got != want {
				t.Fatalf("FloorMod(%d, %d) = %d, want %d", x, p, got, want)
			}
		}
	}
}

func FuzzFloorMod(f *testing.F) {
	f.Add(int64(-7), int64(5))
	f.Add(int64(math.MinInt64), int64(646403))
	f.Add(int64(math.MaxInt64), int64(1))
	f.Fuzz(func(t *testing.T, x, p int64) {
		if p <= 0 {
			return
		}
		got := NewFastMod(uint64(p)).FloorMod(x)
		if got < 0 || got >= p || got != floorModBig(x, p) {
			t.Fatalf("FloorMod(%d, %d) = %d, want %d", x, p, got, floorModBig(x, p))
		}
	})
}

var sinkU64 uint64

func BenchmarkFastMod(b *testing.B) {
	f := NewFastMod(646403)
	x := uint64(0x9E3779B97F4A7C15)
	b.Run("fastmod", func(b *testing.B) {
		var s uint64
		for i := range uint64(b.N) {
			s += f.Mod(x * (i + 1))
		}
		sinkU64 = s
	})
	b.Run("remainder", func(b *testing.B) {
		d := f.Divisor()
		var s uint64
		for i := range uint64(b.N) {
			s += (x * (i + 1)) % d
		}
		sinkU64 = s
	})
}
