//go:build amd64 || arm64

package hardware

import "unsafe"

// prefetchRows hints every cache line of each row base+offs[i] (row bytes
// long) into the cache without waiting for any of them.
//
//go:noescape
func prefetchRows(base unsafe.Pointer, offs []uint64, row uintptr)

const hasPrefetch = true
