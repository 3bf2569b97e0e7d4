package engram

import "math/bits"

// FastMod reduces by a fixed divisor with multiplications instead of a
// hardware divide (Lemire, Kaser and Kurz, "Faster Remainder by Direct
// Computation", 2019). With a 128-bit magic number M = floor((2^128-1)/d)+1
// it is exact for every uint64 dividend and divisor; FACTS.md §5 names the
// divide as a cost worth removing from the row-gather loop.
type FastMod struct {
	d      uint64
	mh, ml uint64 // M, high and low words
	wrap   uint64 // 2^64 mod d, for FloorMod
	inv    uint64 // floor((2^64-1)/d), for FloorMod's Barrett step
}

// NewFastMod prepares reduction by d. Like the % operator, it panics when d
// is zero.
func NewFastMod(d uint64) FastMod {
	if d == 0 {
		panic("engram: FastMod divisor is zero")
	}
	// (2^128-1)/d by long division over two words, then +1.
	qh, rh := bits.Div64(0, ^uint64(0), d)
	ql, _ := bits.Div64(rh, ^uint64(0), d)
	ml, carry := bits.Add64(ql, 1, 0)
	mh := qh + carry // d == 1 wraps M to 0, which still gives remainder 0
	return FastMod{d: d, mh: mh, ml: ml, wrap: (^uint64(0)%d + 1) % d, inv: ^uint64(0) / d}
}

// Divisor returns d.
func (f FastMod) Divisor() uint64 { return f.d }

// Mod returns a % d.
func (f FastMod) Mod(a uint64) uint64 {
	// low = M*a mod 2^128
	h, ll := bits.Mul64(f.ml, a)
	lh := h + f.mh*a
	// a % d = (low * d) >> 128
	ah, _ := bits.Mul64(ll, f.d)
	bh, bl := bits.Mul64(lh, f.d)
	_, c := bits.Add64(bl, ah, 0)
	return bh + c
}

// FloorMod returns x mod d floored, as Python and NumPy compute % for a
// positive modulus: the result lies in [0, d) even when x is negative. d
// must be below 2^63 for the result to fit an int64.
//
// It is the row-gather hot path, so it takes the cheaper Barrett step
// rather than Mod's three wide multiplies: q = high word of u*inv is
// floor(u/d) or one less (inv = floor((2^64-1)/d) is within one of
// 2^64/d), so u - q*d lies in [0, 2d) and one conditional subtraction
// finishes it. A negative x reads as x+2^64 when taken unsigned, so its
// residue is off by 2^64 mod d; that correction is applied without a
// branch, since the sign of a hash mix is a coin toss.
func (f FastMod) FloorMod(x int64) int64 {
	u := uint64(x)
	q, _ := bits.Mul64(u, f.inv)
	r := u - q*f.d
	if r >= f.d {
		r -= f.d
	}
	// x>>63 is all ones when x < 0.
	s, borrow := bits.Sub64(r, f.wrap&uint64(x>>63), 0)
	return int64(s + f.d&-borrow)
}

// FloorMod is the reference floored modulus, x mod p in [0, p) for p > 0,
// written with the % operator.
func FloorMod(x, p int64) int64 {
	z := x % p
	if z < 0 {
		z += p
	}
	return z
}
