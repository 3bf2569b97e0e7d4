package hardware

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeSys writes files under a temporary root: path -> content.
func fakeSys(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// twoSocket is a 2-node machine with 4 CPUs: private L1d and L2 per CPU,
// CPUs 0 and 2 siblings of one core, an L3 per node.
func twoSocket() map[string]string {
	f := map[string]string{
		"devices/system/node/node0/cpulist":      "0-1\n",
		"devices/system/node/node0/meminfo":      "Node 0 MemTotal:       16384 kB\nNode 0 MemFree: 1 kB\n",
		"devices/system/node/node1/cpulist":      "2-3\n",
		"devices/system/node/node1/meminfo":      "Node 1 MemTotal:       32768 kB\n",
		"devices/system/node/online":             "0-1\n",
		"kernel/mm/transparent_hugepage/enabled": "always [madvise] never\n",
		"kernel/mm/transparent_hugepage/defrag":  "always defer defer+madvise [madvise] never\n",
	}
	siblings := []string{"0,2", "1,3", "0,2", "1,3"}
	for cpu := range 4 {
		d := filepath.Join("devices/system/cpu", "cpu"+string(rune('0'+cpu)))
		f[d+"/topology/thread_siblings_list"] = siblings[cpu] + "\n"
		idx := func(i int, level, typ, size, shared string) {
			p := filepath.Join(d, "cache", "index"+string(rune('0'+i)))
			f[p+"/level"] = level + "\n"
			f[p+"/type"] = typ + "\n"
			f[p+"/size"] = size + "\n"
			f[p+"/coherency_line_size"] = "64\n"
			f[p+"/shared_cpu_list"] = shared + "\n"
		}
		c := string(rune('0' + cpu))
		idx(0, "1", "Data", "48K", c)
		idx(1, "1", "Instruction", "32K", c)
		idx(2, "2", "Unified", "1024K", c)
		if cpu < 2 {
			idx(3, "3", "Unified", "32768K", "0-1")
		} else {
			idx(3, "3", "Unified", "32768K", "2-3")
		}
	}
	return f
}

func TestReadSysFacts(t *testing.T) {
	files := twoSocket()
	files["fs/cgroup/unified/cgroup.controllers"] = "memory\n"
	files["fs/cgroup/unified/box/memory.max"] = "max\n"
	files["fs/cgroup/unified/box/job/memory.max"] = "8589934592\n"
	files["fs/cgroup/unified/box/job/memory.current"] = "1073741824\n"
	files["proc/self/cgroup"] = "0::/box/job\n"
	root := fakeSys(t, files)
	f := readSysFacts(root, filepath.Join(root, "proc/self/cgroup"))
	if len(f.Problems) != 0 {
		t.Errorf("problems on a complete tree: %v", f.Problems)
	}
	wantNUMA := []NUMANode{{ID: 0, CPUs: "0-1", MemoryBytes: 16 << 20}, {ID: 1, CPUs: "2-3", MemoryBytes: 32 << 20}}
	if !reflect.DeepEqual(f.NUMA, wantNUMA) {
		t.Errorf("NUMA = %+v, want %+v", f.NUMA, wantNUMA)
	}
	wantCaches := []Cache{
		{Level: 1, Type: "Data", SizeBytes: 48 << 10, LineBytes: 64, Instances: 4, CPUsPerInstance: 1},
		{Level: 1, Type: "Instruction", SizeBytes: 32 << 10, LineBytes: 64, Instances: 4, CPUsPerInstance: 1},
		{Level: 2, Type: "Unified", SizeBytes: 1 << 20, LineBytes: 64, Instances: 4, CPUsPerInstance: 1},
		{Level: 3, Type: "Unified", SizeBytes: 32 << 20, LineBytes: 64, Instances: 2, CPUsPerInstance: 2},
	}
	if !reflect.DeepEqual(f.Caches, wantCaches) {
		t.Errorf("caches = %+v\nwant %+v", f.Caches, wantCaches)
	}
	if got := lastLevelCache(f.Caches); got != 32<<20 {
		t.Errorf("last-level cache = %d", got)
	}
	if f.THP != "madvise" || f.THPDefrag != "madvise" {
		t.Errorf("THP = %q, defrag %q", f.THP, f.THPDefrag)
	}
	if f.MemoryLimit != 8<<30 || f.MemoryUsed != 1<<30 {
		t.Errorf("cgroup memory = %d used %d", f.MemoryLimit, f.MemoryUsed)
	}
	if got := orderBySiblings(root, []int{0, 1, 2, 3}); !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
		t.Errorf("order = %v", got)
	}
}

func TestOrderBySiblings(t *testing.T) {
	// CPUs 0,1 are one core's two threads, 2,3 another's.
	root := fakeSys(t, map[string]string{
		"devices/system/cpu/cpu0/topology/thread_siblings_list": "0-1",
		"devices/system/cpu/cpu1/topology/thread_siblings_list": "0-1",
		"devices/system/cpu/cpu2/topology/thread_siblings_list": "2-3",
		"devices/system/cpu/cpu3/topology/thread_siblings_list": "2-3",
	})
	if got := orderBySiblings(root, []int{0, 1, 2, 3}); !reflect.DeepEqual(got, []int{0, 2, 1, 3}) {
		t.Errorf("order = %v, want one thread per core first", got)
	}
	// No topology: order kept.
	if got := orderBySiblings(t.TempDir(), []int{3, 1}); !reflect.DeepEqual(got, []int{3, 1}) {
		t.Errorf("order without /sys = %v", got)
	}
}

func TestCgroupV1(t *testing.T) {
	root := fakeSys(t, map[string]string{
		"fs/cgroup/memory/memory.limit_in_bytes":            "9223372036854771712\n", // no limit
		"fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "2147483648\n",
		"fs/cgroup/memory/docker/abc/memory.usage_in_bytes": "536870912\n",
		"cg": "12:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n",
	})
	limit, used := readCgroupMemory(root, filepath.Join(root, "cg"))
	if limit != 2<<30 || used != 512<<20 {
		t.Errorf("limit %d used %d", limit, used)
	}
	h := Host{MemoryAvailableBytes: 10 << 30, MemoryLimitBytes: limit, MemoryLimitUsed: used}
	if got := h.FreeMemoryBytes(); got != 1536<<20 {
		t.Errorf("free = %d, want the cgroup's room", got)
	}
}

// A container that hides /sys gives partial facts and notes, not errors.
func TestReadSysFactsEmpty(t *testing.T) {
	root := t.TempDir()
	f := readSysFacts(root, filepath.Join(root, "missing"))
	if f.NUMA != nil || f.Caches != nil || f.THP != "" || f.MemoryLimit != 0 {
		t.Errorf("facts from nothing: %+v", f)
	}
	joined := strings.Join(f.Problems, "\n")
	for _, want := range []string{"NUMA layout unknown", "caches unknown", "transparent huge pages"} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q: %v", want, f.Problems)
		}
	}
	// Partly there: a cache dir with unreadable entries is skipped.
	root = fakeSys(t, map[string]string{
		"devices/system/cpu/cpu0/cache/index0/level": "1",
		"devices/system/node/node0/cpulist":          "0",
	})
	f = readSysFacts(root, "")
	if len(f.NUMA) != 1 || f.NUMA[0].MemoryBytes != 0 || len(f.Caches) != 0 {
		t.Errorf("partial tree: %+v", f)
	}
}

func TestReadHostFakeSys(t *testing.T) {
	root := fakeSys(t, twoSocket())
	h := readHost(context.Background(), root, filepath.Join(root, "nope"))
	if len(h.NUMANodes) != 2 || h.LastLevelCacheBytes() != 32<<20 || h.THP != "madvise" {
		t.Errorf("host from fake /sys: %+v", h)
	}
}

func TestParseHelpers(t *testing.T) {
	for in, want := range map[string]uint64{"48K": 48 << 10, "32768K": 32 << 20, "1M": 1 << 20, "512": 512, "x": 0} {
		if got := parseSize(in); got != want {
			t.Errorf("parseSize(%q) = %d, want %d", in, got, want)
		}
	}
	if got := parseCPUList("0-3,8,10-11"); !reflect.DeepEqual(got, []int{0, 1, 2, 3, 8, 10, 11}) {
		t.Errorf("parseCPUList = %v", got)
	}
	for _, bad := range []string{"", "a", "3-1", "1-x"} {
		if got := parseCPUList(bad); got != nil {
			t.Errorf("parseCPUList(%q) = %v", bad, got)
		}
	}
}
