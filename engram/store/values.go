package store

import (
	"encoding/binary"
	"math"

	"github.com/engrambench/engrambench/engram"
)

// Table values are a pure function of (seed, byte position): the 8-byte
// word at table offset 8w is splitmix64(seed, w) shaped so that every
// element is a finite number of magnitude 2^-7..2^-5 with a random sign
// and mantissa. Any thread may fill any part of the table, in any order,
// at any time (lazy mode fills on first use) and gets the same bytes; and
// since a row's offset is row*rowBytes, the value of (row, column) is fixed
// by the seed alone.
//
// The shaping keeps sign, mantissa and the lowest exponent bit of the hash
// and forces the rest of the exponent:
//
//	bf16: (h & 0x80FF) | 0x3C00   exponent 120-121
//	fp16: (h & 0x87FF) | 0x2000   exponent 8-9
//	fp32: (h & 0x80FFFFFF) | 0x3C000000   exponent 120-121
type valueShape struct{ mask, set uint64 }

func shapeOf(d engram.DType) valueShape {
	switch d {
	case engram.BF16:
		return valueShape{0x80FF80FF80FF80FF, 0x3C003C003C003C00}
	case engram.FP16:
		return valueShape{0x87FF87FF87FF87FF, 0x2000200020002000}
	default:
		return valueShape{0x80FFFFFF80FFFFFF, 0x3C0000003C000000}
	}
}

// word returns the table's 8 bytes at offset 8w, little-endian.
func (v valueShape) word(seed, w uint64) uint64 {
	z := seed*0x9e3779b97f4a7c15 + w*0xd1b54a32d192ed03 + 0x632be59bd9b4e019
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return z&v.mask | v.set
}

// fill writes the values of table bytes [off, off+len(b)) into b; off and
// len(b) need not be multiples of 8.
func (v valueShape) fill(b []byte, seed uint64, off int64) {
	i := 0
	if r := off % 8; r != 0 { // leading partial word
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], v.word(seed, uint64(off/8)))
		i = copy(b, w[r:])
	}
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], v.word(seed, uint64(off+int64(i))/8))
	}
	if i < len(b) {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], v.word(seed, uint64(off+int64(i))/8))
		copy(b[i:], w[:])
	}
}

// ToFloat32 converts elements of dtype d, little-endian in src, to dst;
// it converts min(len(dst), len(src)/size) elements and returns how many.
func ToFloat32(dst []float32, src []byte, d engram.DType) int {
	n := min(len(dst), len(src)/max(d.Size(), 1))
	switch d {
	case engram.BF16:
		for i := range n {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
		}
	case engram.FP16:
		for i := range n {
			dst[i] = HalfToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case engram.FP32:
		for i := range n {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	default:
		return 0
	}
	return n
}

// HalfToFloat32 converts IEEE 754 binary16 bits to float32, exactly.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | man<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign)
	}
	// subnormal: value = man * 2^-24
	f := float32(man) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}
