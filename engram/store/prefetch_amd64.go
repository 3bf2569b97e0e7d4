package store

import "golang.org/x/sys/cpu"

// prefetchRows asks for every cache line of the rows base[o:o+last+1], o in
// offs, without waiting for them. base must point into memory the garbage
// collector does not move (a mapping), and every row must lie inside it.
//
//go:noescape
func prefetchRows(base *byte, offs []uint64, last uintptr)

// copyRowsNT copies rows with non-temporal stores; dst 16-byte aligned,
// rb a multiple of 16, dst holding len(offs)*rb bytes.
//
//go:noescape
func copyRowsNT(dst *byte, base *byte, offs []uint64, rb uintptr)

// storeFence orders earlier non-temporal stores before later stores.
func storeFence()

//go:noescape
func copyRowsNT32(dst *byte, base *byte, offs []uint64, rb uintptr)

//go:noescape
func copyRowsNT64(dst *byte, base *byte, offs []uint64, rb uintptr)

// spinPause executes n PAUSE instructions.
//
//go:noescape
func spinPause(n int)

const hasNT = true

var (
	hasAVX2   = cpu.X86.HasAVX2
	hasAVX512 = cpu.X86.HasAVX512F
)

// ntCopier picks the widest non-temporal copy that the CPU, the row size
// and dst's alignment allow: 64-byte stores write whole lines, with the
// fewest instructions a row.
func ntCopier(dst uintptr, rb int) func(dst, base *byte, offs []uint64, rb uintptr) {
	switch {
	case hasAVX512 && rb%64 == 0 && dst%64 == 0:
		return copyRowsNT64
	case hasAVX2 && rb%32 == 0 && dst%32 == 0:
		return copyRowsNT32
	case rb%16 == 0 && dst%16 == 0:
		return copyRowsNT
	}
	return nil
}
