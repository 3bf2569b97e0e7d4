//go:build !amd64

package hardware

import "unsafe"

func copyRows(dst, base unsafe.Pointer, offs []uint64, row uintptr) {
	panic("copyRows: no assembly on this architecture")
}

const hasCopyRows = false
