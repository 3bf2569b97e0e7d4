//go:build !linux

package hardware

import (
	"errors"
	"runtime"
)

const hugePage = 2 << 20

// region is plain Go memory where mmap, madvise and smaps are not at hand.
type region struct{ b []byte }

func mapRegion(n int) (*region, error) { return &region{b: make([]byte, n)}, nil }

func (r *region) free() { r.b = nil }

func (r *region) drop() {}

func (r *region) pages() (PageInfo, error) {
	return PageInfo{}, errors.New("page sizes are read from /proc/self/smaps, which this OS lacks")
}

func allowedCPUs(string) ([]int, error) {
	cpus := make([]int, runtime.NumCPU())
	for i := range cpus {
		cpus[i] = i
	}
	return cpus, nil
}

func pinThread(int) error {
	runtime.LockOSThread()
	return errors.ErrUnsupported
}
