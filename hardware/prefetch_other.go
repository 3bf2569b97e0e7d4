//go:build !amd64 && !arm64

package hardware

import "unsafe"

// prefetchRows touches every cache line of each row where no prefetch
// instruction is wired up. Loads hold up retirement, so fewer misses
// overlap than with real prefetches.
func prefetchRows(base unsafe.Pointer, offs []uint64, row uintptr) {
	var t byte
	for _, o := range offs {
		p := unsafe.Add(base, o)
		for l := uintptr(0); l < row; l += 64 {
			t += *(*byte)(unsafe.Add(p, l))
		}
		t += *(*byte)(unsafe.Add(p, row-1))
	}
	sink.Add(uint64(t))
}

const hasPrefetch = false
