package engram

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// LayerSeedStride separates the multiplier seeds of layers: layer l draws
// from seed + 10007*l, as the demo does.
const LayerSeedStride = 10007

// Config describes an Engram addressing across layers.
type Config struct {
	MaxOrder int     // N-gram orders are 2..MaxOrder; the paper uses 3
	Heads    int     // heads per order, K
	Bases    []int64 // base table size per order, index n-2
	LayerIDs []int   // which model layers hold an Engram
	Seed     int64   // multiplier seed; the demo uses 0
}

// DemoConfig is engram_demo_v1.py's layout (FACTS.md §1).
func DemoConfig() Config {
	return Config{MaxOrder: 3, Heads: 8, Bases: []int64{646400, 646400}, LayerIDs: []int{1, 15}}
}

// Engram27BConfig is the Engram-27B layout: base 2,262,400 per order,
// layers [2, 15] (their index base is unconfirmed; it changes no size).
func Engram27BConfig() Config {
	return Config{MaxOrder: 3, Heads: 8, Bases: []int64{2262400, 2262400}, LayerIDs: []int{2, 15}}
}

// Engram40BConfig is the Engram-40B layout: base 7,239,680 per order.
func Engram40BConfig() Config {
	return Config{MaxOrder: 3, Heads: 8, Bases: []int64{7239680, 7239680}, LayerIDs: []int{2, 15}}
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.MaxOrder < 2 {
		errs = append(errs, fmt.Errorf("max order is %d, want at least 2", c.MaxOrder))
	}
	if c.Heads < 1 {
		errs = append(errs, fmt.Errorf("heads is %d, want at least 1", c.Heads))
	}
	if c.MaxOrder >= 2 && len(c.Bases) != c.MaxOrder-1 {
		errs = append(errs, fmt.Errorf("%d base sizes for orders 2..%d, want %d", len(c.Bases), c.MaxOrder, c.MaxOrder-1))
	}
	for i, b := range c.Bases {
		if b < 1 || b > 1<<62 {
			errs = append(errs, fmt.Errorf("base size of order %d is %d, want 1..2^62", i+2, b))
		}
	}
	if len(c.LayerIDs) == 0 {
		errs = append(errs, errors.New("no layers"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("engram config: %w", err)
	}
	return nil
}

// Primes returns the table sizes, [layer][order-2][head] (see TablePrimes).
func (c Config) Primes() ([][][]int64, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return TablePrimes(len(c.LayerIDs), c.Bases, c.Heads)
}

// Rows is the number of table rows across all layers: the sum of every
// head's prime.
func (c Config) Rows() (int64, error) {
	p, err := c.Primes()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, layer := range p {
		for _, order := range layer {
			for _, size := range order {
				n += size
			}
		}
	}
	return n, nil
}

// MultiplierBound is B = max(1, floor(floor((2^63-1)/|V'|)/2)); each
// multiplier is 2r+1 with r in [0, B), so products of ids below |V'| stay
// under 2^63 before the XOR. A vocabulary size below 1 counts as 1.
func MultiplierBound(vocab int) int64 {
	if vocab < 1 {
		vocab = 1
	}
	return max(1, math.MaxInt64/int64(vocab)/2)
}

// Multipliers draws the odd multipliers m_0..m_{count-1} of one layer from
// a generator seeded with seed + 10007*layerID.
//
// The demo draws them with NumPy's default_rng, which cannot be reproduced
// here; this uses math/rand/v2's PCG, seeded (seed+10007*layerID, 0), and
// draws in index order, so a longer list extends a shorter one. The demo's
// exact values can be loaded from a file (ReadMultipliers, SetMultipliers).
func Multipliers(seed int64, layerID, count, vocab int) []int64 {
	s := seed + LayerSeedStride*int64(layerID) // wraps like the demo's int64
	rng := rand.New(rand.NewPCG(uint64(s), 0))
	bound := MultiplierBound(vocab)
	out := make([]int64, max(count, 0))
	for i := range out {
		out[i] = 2*rng.Int64N(bound) + 1
	}
	return out
}

// Layer is the addressing of one Engram layer: one table of TotalRows rows
// holding every (order, head) block back to back.
//
// Row slots come order-major: slot (n-2)*Heads + k is head k of order n,
// the demo's stacking order.
type Layer struct {
	ID       int
	MaxOrder int
	Heads    int
	Pad      uint32 // compressed id that pads on the left
	// Multipliers holds m_0..m_{MaxOrder-1}. It may be replaced (with the
	// same length) to load exact values; Check verifies it.
	Multipliers []int64

	primes  []int64 // per slot
	offsets []int64 // per slot: prefix sums of primes
	slots   []slot  // per slot: what Rows needs, packed together
	total   int64
}

// NewLayer builds a layer from its table sizes, order-major as [order-2][head].
func NewLayer(id, maxOrder int, primes [][]int64, multipliers []int64, pad uint32) (*Layer, error) {
	if maxOrder < 2 {
		return nil, fmt.Errorf("engram: layer %d: max order %d, want at least 2", id, maxOrder)
	}
	if len(primes) != maxOrder-1 || len(primes[0]) == 0 {
		return nil, fmt.Errorf("engram: layer %d: want table sizes for %d orders with at least one head", id, maxOrder-1)
	}
	heads := len(primes[0])
	l := &Layer{ID: id, MaxOrder: maxOrder, Heads: heads, Pad: pad, Multipliers: append([]int64(nil), multipliers...)}
	for o, sizes := range primes {
		if len(sizes) != heads {
			return nil, fmt.Errorf("engram: layer %d: order %d has %d heads, order 2 has %d", id, o+2, len(sizes), heads)
		}
		for _, p := range sizes {
			if p < 1 || l.total > math.MaxInt64-p {
				return nil, fmt.Errorf("engram: layer %d: table size %d out of range", id, p)
			}
			l.primes = append(l.primes, p)
			l.offsets = append(l.offsets, l.total)
			f := NewFastMod(uint64(p))
			l.slots = append(l.slots, slot{d: f.d, inv: f.inv, wrap: f.wrap, off: l.total})
			l.total += p
		}
	}
	if err := l.Check(); err != nil {
		return nil, err
	}
	return l, nil
}

// NewLayers builds every layer of c for a compressed vocabulary of size
// vocab (|V'|, which bounds the multipliers) and the compressed pad id.
func NewLayers(c Config, vocab int, pad uint32) ([]*Layer, error) {
	p, err := c.Primes()
	if err != nil {
		return nil, err
	}
	out := make([]*Layer, len(c.LayerIDs))
	for i, id := range c.LayerIDs {
		m := Multipliers(c.Seed, id, c.MaxOrder, vocab)
		if out[i], err = NewLayer(id, c.MaxOrder, p[i], m, pad); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Check reports whether the multipliers fit the layer.
func (l *Layer) Check() error {
	if len(l.Multipliers) != l.MaxOrder {
		return fmt.Errorf("engram: layer %d: %d multipliers, want %d", l.ID, len(l.Multipliers), l.MaxOrder)
	}
	return nil
}

// Width is the number of rows addressed per position: (MaxOrder-1)*Heads.
func (l *Layer) Width() int { return len(l.primes) }

// TotalRows is the size of the layer's table, the sum of its primes.
func (l *Layer) TotalRows() int64 { return l.total }

// Primes returns the table size of each slot.
func (l *Layer) Primes() []int64 { return append([]int64(nil), l.primes...) }

// Offsets returns the first row of each slot.
func (l *Layer) Offsets() []int64 { return append([]int64(nil), l.offsets...) }

// Mix returns mix_n at position t of ids: the XOR over i < n of
// ids[t-i]*m_i in wrapping int64, with Pad standing in before the start;
// n must not exceed MaxOrder.
func (l *Layer) Mix(ids []uint32, t, n int) int64 {
	var mix int64
	for i := range n {
		x := l.Pad
		if t-i >= 0 {
			x = ids[t-i]
		}
		mix ^= int64(x) * l.Multipliers[i]
	}
	return mix
}

// Rows writes the Width rows of position t (0 <= t < len(ids)) into
// dst[:Width()]: for order n and head k, FloorMod(mix_n, p) plus the slot's
// offset. It allocates nothing; dst must hold Width values.
func (l *Layer) Rows(dst []int64, ids []uint32, t int) {
	w := len(l.slots)
	dst, slots := dst[:w], l.slots[:w]
	m := l.Multipliers[:l.MaxOrder]
	mix := int64(ids[t]) * m[0]
	for i, j := 1, 0; i < len(m); i++ {
		x := l.Pad
		if t-i >= 0 {
			x = ids[t-i]
		}
		mix ^= int64(x) * m[i] // rolls: mix_{i+1} = mix_i ^ x_{t-i}*m_i
		end := min(j+l.Heads, w)
		reduce(dst[j:end], slots[j:end], mix)
		j = end
	}
}

// slot is one head's reduction, packed for Rows: FastMod.FloorMod's
// constants and the head's offset, read through one pointer so that the
// hot loop copies nothing.
type slot struct {
	d, inv, wrap uint64
	off          int64
}

// reduce writes FloorMod(mix, d) + off for each slot, as
// FastMod.FloorMod computes it.
func reduce(dst []int64, slots []slot, mix int64) {
	u, neg := uint64(mix), uint64(mix>>63) // neg: all ones when mix < 0
	dst = dst[:len(slots)]
	for j := range slots {
		s := &slots[j]
		q, _ := bits.Mul64(u, s.inv)
		r := u - q*s.d
		if r >= s.d {
			r -= s.d
		}
		v, borrow := bits.Sub64(r, s.wrap&neg, 0)
		dst[j] = int64(v+s.d&-borrow) + s.off
	}
}

// AllRows writes the rows of every position of ids into dst, position t at
// dst[t*Width() : (t+1)*Width()]. dst must hold len(ids)*Width values.
func (l *Layer) AllRows(dst []int64, ids []uint32) {
	w := len(l.primes)
	_ = dst[:len(ids)*w]
	for t := range ids {
		l.Rows(dst[t*w:(t+1)*w], ids, t)
	}
}
