//go:build !amd64

package store

import (
	"sync/atomic"
	"unsafe"
)

var prefetchSink atomic.Uint32

// prefetchRows touches the first and last byte of each row with plain
// loads, which start the misses but hold the reorder buffer until they
// return: slower than the amd64 prefetch instructions, but portable.
func prefetchRows(base *byte, offs []uint64, last uintptr) {
	var s byte
	for _, o := range offs {
		s += *(*byte)(unsafe.Add(unsafe.Pointer(base), o))
		s += *(*byte)(unsafe.Add(unsafe.Pointer(base), uintptr(o)+last))
	}
	if s == 0x5a { // keeps the loads; rarely stores
		prefetchSink.Store(uint32(s))
	}
}

func copyRowsNT(dst *byte, base *byte, offs []uint64, rb uintptr) {
	panic("copyRowsNT without amd64")
}

func storeFence() {}

func spinPause(n int) {
	for range n {
		prefetchSink.Load()
	}
}

const hasNT = false

func ntCopier(dst uintptr, rb int) func(dst, base *byte, offs []uint64, rb uintptr) { return nil }
