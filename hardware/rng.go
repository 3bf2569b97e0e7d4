package hardware

import (
	"math/bits"
	"sync/atomic"
)

// splitmix64 is the generator every probe and the C references use, so a
// seed names the same permutation and the same row sequence on both sides.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// bounded maps x to [0, n) with a multiply instead of a division
// (Lemire's fast modulo), as the hot loops need (FACTS.md §5).
func bounded(x, n uint64) uint64 {
	hi, _ := bits.Mul64(x, n)
	return hi
}

// cycle returns a random permutation of 0..n-1 that is a single cycle
// (Sattolo's algorithm): following i -> p[i] from any start visits every
// element before coming back.
func cycle(n int, seed uint64) []uint32 {
	p := make([]uint32, n)
	for i := range p {
		p[i] = uint32(i)
	}
	s := splitmix64(seed)
	for i := n - 1; i > 0; i-- {
		j := bounded(s.next(), uint64(i))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// sink keeps results alive so the compiler cannot drop the work.
var sink atomic.Uint64
