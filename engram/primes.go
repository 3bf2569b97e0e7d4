package engram

import (
	"fmt"
	"math/bits"
)

// IsPrime reports whether n is prime. It is exact for every uint64: trial
// division by the primes up to 37, then Miller-Rabin with those same
// twelve bases, which has no strong pseudoprime below 3.3e24.
func IsPrime(n uint64) bool {
	if n < 2 {
		return false
	}
	for _, p := range mrBases {
		if n%p == 0 {
			return n == p
		}
	}
	if n < 41*41 {
		return true // no factor up to 37, so none at all
	}
	d, s := n-1, 0
	for d&1 == 0 {
		d >>= 1
		s++
	}
	for _, a := range mrBases {
		if !strongProbablePrime(n, a, d, s) {
			return false
		}
	}
	return true
}

var mrBases = [...]uint64{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}

// strongProbablePrime runs one Miller-Rabin round; n-1 = d*2^s, d odd, a < n.
func strongProbablePrime(n, a, d uint64, s int) bool {
	x := powMod(a, d, n)
	if x == 1 || x == n-1 {
		return true
	}
	for i := 1; i < s; i++ {
		x = mulMod(x, x, n)
		if x == n-1 {
			return true
		}
	}
	return false
}

// mulMod is a*b mod n for a, b < n; the high word is then below n, as
// bits.Div64 requires.
func mulMod(a, b, n uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	_, r := bits.Div64(hi, lo, n)
	return r
}

func powMod(a, e, n uint64) uint64 {
	r := uint64(1)
	for e > 0 {
		if e&1 == 1 {
			r = mulMod(r, a, n)
		}
		a = mulMod(a, a, n)
		e >>= 1
	}
	return r
}

// PrimeSearch hands out distinct primes: a prime it has returned once is
// skipped ever after, as the demo's seen set does across layers and orders.
type PrimeSearch struct {
	seen map[int64]struct{}
}

// Next returns the smallest prime above after that has not been handed out.
func (s *PrimeSearch) Next(after int64) int64 {
	if s.seen == nil {
		s.seen = map[int64]struct{}{}
	}
	c := after + 1
	if c < 2 {
		c = 2
	}
	for ; ; c++ {
		if _, used := s.seen[c]; !used && IsPrime(uint64(c)) {
			s.seen[c] = struct{}{}
			return c
		}
	}
}

// TablePrimes returns the table size of every head, indexed
// [layer][order-2][head], in the demo's walk: layer, then order, then head;
// each order starts its search at its base size minus one, each head takes
// the next prime above the previous head's, and a prime used anywhere
// before is skipped, so all sizes are distinct primes.
func TablePrimes(layers int, bases []int64, heads int) ([][][]int64, error) {
	if layers < 0 || heads < 1 || len(bases) == 0 {
		return nil, fmt.Errorf("engram: table primes need layers >= 0, heads >= 1 and a base per order (got %d, %d, %d bases)", layers, heads, len(bases))
	}
	for i, b := range bases {
		if b < 1 || b > 1<<62 {
			return nil, fmt.Errorf("engram: base table size of order %d is %d, want 1..2^62", i+2, b)
		}
	}
	var s PrimeSearch
	out := make([][][]int64, layers)
	for l := range out {
		out[l] = make([][]int64, len(bases))
		for o, base := range bases {
			sizes := make([]int64, heads)
			at := base - 1
			for h := range sizes {
				at = s.Next(at)
				sizes[h] = at
			}
			out[l][o] = sizes
		}
	}
	return out, nil
}
