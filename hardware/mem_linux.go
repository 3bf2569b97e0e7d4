package hardware

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// region is memory mapped outside the Go heap for a probe: the garbage
// collector never scans or moves it, and transparent huge pages can be
// asked for. Pages are placed by whichever thread touches them first.
type region struct {
	raw []byte // the whole mapping, for munmap
	b   []byte // the aligned part the probe uses
}

// mapRegion maps n bytes aligned to 2 MiB and asks for huge pages over
// whole huge pages (n rounded up), as the C references do.
func mapRegion(n int) (*region, error) {
	if n <= 0 {
		return nil, fmt.Errorf("map %d bytes", n)
	}
	whole := (n + hugePage - 1) &^ (hugePage - 1)
	raw, err := unix.Mmap(-1, 0, whole+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", formatBytes(uint64(n)), err)
	}
	start := uintptr(unsafe.Pointer(&raw[0]))
	skip := int((hugePage - start%hugePage) % hugePage)
	r := &region{raw: raw, b: raw[skip : skip+n : skip+n]}
	// Advice only: a kernel without THP says EINVAL and the probe goes on
	// with small pages, which pages() then reports.
	_ = unix.Madvise(raw[skip:skip+whole], unix.MADV_HUGEPAGE)
	return r, nil
}

func (r *region) free() {
	if r != nil && r.raw != nil {
		_ = unix.Munmap(r.raw)
		r.raw, r.b = nil, nil
	}
}

// drop gives the pages back, so that the next touch places them anew
// (first touch, on the toucher's NUMA node).
func (r *region) drop() { _ = unix.Madvise(r.raw, unix.MADV_DONTNEED) }

// pages reports how the kernel backed the region: the bytes resident and
// the bytes of them in anonymous huge pages, from /proc/self/smaps.
func (r *region) pages() (PageInfo, error) {
	return readSmaps("/proc/self/smaps", uint64(uintptr(unsafe.Pointer(&r.b[0]))))
}

// allowedCPUs lists the CPUs this process may run on, in the order probes
// use them: one thread of each physical core first, then the siblings.
func allowedCPUs(sysRoot string) ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	var cpus []int
	for i := 0; i < len(set)*64 && len(cpus) < set.Count(); i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return orderBySiblings(sysRoot, cpus), nil
}

// pinThread locks the calling goroutine to its OS thread and the thread to
// cpu. The goroutine must exit without unlocking, so that the runtime
// retires the pinned thread instead of reusing it.
func pinThread(cpu int) error {
	runtime.LockOSThread()
	if cpu < 0 {
		return nil
	}
	var set unix.CPUSet
	set.Set(cpu)
	return unix.SchedSetaffinity(0, &set)
}
