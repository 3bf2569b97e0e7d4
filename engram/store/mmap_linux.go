package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// mapAnon maps n bytes of anonymous memory aligned to 2 MiB and asks for
// transparent huge pages. Pages are not touched: the kernel backs each one
// on first write, on the thread that writes it.
func mapAnon(n int64) (raw, data []byte, err error) {
	if n <= 0 || n > 1<<56 {
		return nil, nil, fmt.Errorf("cannot map %d bytes", n)
	}
	raw, err = unix.Mmap(-1, 0, int(n)+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, nil, fmt.Errorf("map %d bytes: %w", n, err)
	}
	start := uintptr(unsafe.Pointer(&raw[0]))
	skip := int((hugePage - start%hugePage) % hugePage)
	data = raw[skip : skip+int(n) : skip+int(n)]
	// Advice only: without THP the table works with small pages.
	_ = unix.Madvise(data, unix.MADV_HUGEPAGE)
	return raw, data, nil
}

// mapFile maps n bytes of f from offset off, shared, so that writes reach
// the file and clean pages can be dropped under memory pressure instead
// of swapped. Read-ahead is turned off: gathers are random.
func mapFile(f *os.File, off, n int64, writable bool) (raw, data []byte, err error) {
	prot := unix.PROT_READ
	if writable {
		prot |= unix.PROT_WRITE
	}
	raw, err = unix.Mmap(int(f.Fd()), 0, int(off+n), prot, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("map %s: %w", f.Name(), err)
	}
	_ = unix.Madvise(raw, unix.MADV_RANDOM)
	return raw, raw[off : off+n : off+n], nil
}

func unmap(raw []byte) error {
	if raw == nil {
		return nil
	}
	return unix.Munmap(raw)
}

// memAvailable reads MemAvailable from /proc/meminfo: what can be
// allocated without swapping, by the kernel's own estimate.
func memAvailable() (uint64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("MemAvailable:")); ok {
			fs := bytes.Fields(rest)
			if len(fs) == 0 {
				break
			}
			kb, err := strconv.ParseUint(string(fs[0]), 10, 64)
			if err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no MemAvailable in /proc/meminfo")
}

// diskAvailable is the bytes an unprivileged writer may still use on the
// file system holding dir.
func diskAvailable(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// hugeBytes reports the bytes of the mapping holding p that are backed by
// transparent huge pages, from /proc/self/smaps; -1 if unknown.
func hugeBytes(p []byte) int64 {
	if len(p) == 0 {
		return -1
	}
	addr := uint64(uintptr(unsafe.Pointer(&p[0])))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Bytes()
		if dash := bytes.IndexByte(line, '-'); dash > 0 {
			if sp := bytes.IndexByte(line, ' '); sp > dash {
				lo, e1 := strconv.ParseUint(string(line[:dash]), 16, 64)
				hi, e2 := strconv.ParseUint(string(line[dash+1:sp]), 16, 64)
				if e1 == nil && e2 == nil {
					if in {
						return -1
					}
					in = addr >= lo && addr < hi
					continue
				}
			}
		}
		if rest, ok := bytes.CutPrefix(line, []byte("AnonHugePages:")); in && ok {
			fs := bytes.Fields(rest)
			if len(fs) > 0 {
				kb, _ := strconv.ParseInt(string(fs[0]), 10, 64)
				return kb << 10
			}
		}
	}
	return -1
}
