package hardware

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// PageInfo is how the kernel backed a probe's memory, read back from
// /proc/self/smaps after the memory was touched: huge pages are asked for
// with madvise, and this says whether they were given.
type PageInfo struct {
	ResidentBytes   uint64  `json:"resident_bytes"`
	HugeBytes       uint64  `json:"anon_huge_bytes"`             // AnonHugePages
	KernelPageBytes uint64  `json:"kernel_page_bytes,omitempty"` // the base page size
	HugeFraction    float64 `json:"huge_fraction"`               // HugeBytes / ResidentBytes
	// PageBytes is the page size most of the memory got: 2 MiB when at
	// least half the resident bytes are in huge pages, else the base page.
	PageBytes uint64 `json:"page_bytes"`
}

func (p PageInfo) finish() PageInfo {
	if p.KernelPageBytes == 0 {
		p.KernelPageBytes = 4096
	}
	if p.ResidentBytes > 0 {
		p.HugeFraction = float64(p.HugeBytes) / float64(p.ResidentBytes)
	}
	p.PageBytes = p.KernelPageBytes
	if p.HugeFraction >= 0.5 {
		p.PageBytes = hugePage
	}
	return p
}

// String is e.g. "2 MiB (98% huge)" or "4 KiB (0% huge)".
func (p PageInfo) String() string {
	if p.ResidentBytes == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%s (%.0f%% huge)", formatBytes(p.PageBytes), 100*p.HugeFraction)
}

// readSmaps finds the mapping holding addr and reads its Rss and
// AnonHugePages. Adjacent anonymous mappings may have been merged with it;
// the figures are then for the merged mapping.
func readSmaps(path string, addr uint64) (PageInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return PageInfo{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, found := false, false
	var pi PageInfo
	for sc.Scan() {
		line := sc.Bytes()
		if lo, hi, ok := smapsRange(line); ok {
			if in {
				break
			}
			in = addr >= lo && addr < hi
			found = found || in
			continue
		}
		if !in {
			continue
		}
		key, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		kb := parseKB(val)
		switch string(key) {
		case "Rss":
			pi.ResidentBytes = kb << 10
		case "AnonHugePages":
			pi.HugeBytes = kb << 10
		case "KernelPageSize":
			pi.KernelPageBytes = kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		return PageInfo{}, err
	}
	if !found {
		return PageInfo{}, fmt.Errorf("no mapping holds %#x in %s", addr, path)
	}
	return pi.finish(), nil
}

// smapsRange parses a mapping's header line, "lo-hi perms ...".
func smapsRange(line []byte) (lo, hi uint64, ok bool) {
	dash := bytes.IndexByte(line, '-')
	sp := bytes.IndexByte(line, ' ')
	if dash <= 0 || sp <= dash {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseUint(string(line[:dash]), 16, 64)
	hi, err2 := strconv.ParseUint(string(line[dash+1:sp]), 16, 64)
	return lo, hi, err1 == nil && err2 == nil
}

func parseKB(b []byte) uint64 {
	f := bytes.Fields(b)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseUint(string(f[0]), 10, 64)
	return n
}
