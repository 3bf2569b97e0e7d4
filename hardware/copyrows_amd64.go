package hardware

import "unsafe"

// copyRows copies each row base+offs[i] (row >= 16 bytes) to dst+i*row
// in one call: a memmove call per row costs about as much as copying a
// 160-byte row that is already in cache.
//
//go:noescape
func copyRows(dst, base unsafe.Pointer, offs []uint64, row uintptr)

const hasCopyRows = true
