package hardware

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// What gopsutil does not tell (FACTS.md §5) is read from /sys. Every
// reader takes the root of the tree, so tests run on fake trees and a
// container that hides parts of /sys gives partial facts with problems
// noted, never an error.

// NUMANode is one memory node.
type NUMANode struct {
	ID          int    `json:"id"`
	CPUs        string `json:"cpus"` // cpulist as the kernel writes it, e.g. "0-15,32-47"
	MemoryBytes uint64 `json:"memory_bytes,omitempty"`
}

// Cache is one level and type of CPU cache.
type Cache struct {
	Level     int    `json:"level"`
	Type      string `json:"type"` // "Data", "Instruction" or "Unified"
	SizeBytes uint64 `json:"size_bytes"`
	LineBytes int    `json:"line_bytes,omitempty"`
	// Instances is how many separate caches of this kind the CPUs this
	// process may see have; CPUsPerInstance how many CPUs share one.
	Instances       int `json:"instances"`
	CPUsPerInstance int `json:"cpus_per_instance,omitempty"`
}

// sysFacts is what /sys (and /proc/self/cgroup) told.
type sysFacts struct {
	NUMA      []NUMANode
	Caches    []Cache
	THP       string
	THPDefrag string
	// MemoryLimit is the cgroup's memory limit and MemoryUsed what the
	// cgroup uses now; 0 when there is no limit or none could be read.
	MemoryLimit, MemoryUsed uint64
	Problems                []string
}

func readSysFacts(sysRoot, procCgroup string) sysFacts {
	var f sysFacts
	f.NUMA, f.Problems = readNUMA(sysRoot, f.Problems)
	f.Caches, f.Problems = readCaches(sysRoot, f.Problems)
	thp := filepath.Join(sysRoot, "kernel/mm/transparent_hugepage")
	if s, err := readTrim(filepath.Join(thp, "enabled")); err == nil {
		f.THP = selected(s)
	} else {
		f.Problems = append(f.Problems, "transparent huge pages: policy not readable ("+shortErr(err)+")")
	}
	if s, err := readTrim(filepath.Join(thp, "defrag")); err == nil {
		f.THPDefrag = selected(s)
	}
	f.MemoryLimit, f.MemoryUsed = readCgroupMemory(sysRoot, procCgroup)
	return f
}

func readNUMA(root string, problems []string) ([]NUMANode, []string) {
	dir := filepath.Join(root, "devices/system/node")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, append(problems, "NUMA layout unknown: "+shortErr(err))
	}
	var nodes []NUMANode
	for _, e := range ents {
		id, ok := numbered(e.Name(), "node")
		if !ok {
			continue
		}
		n := NUMANode{ID: id}
		n.CPUs, _ = readTrim(filepath.Join(dir, e.Name(), "cpulist"))
		if mi, err := os.ReadFile(filepath.Join(dir, e.Name(), "meminfo")); err == nil {
			n.MemoryBytes = meminfoKB(string(mi), "MemTotal") << 10
		}
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	if len(nodes) == 0 {
		problems = append(problems, "NUMA layout unknown: no nodes in "+dir)
	}
	return nodes, problems
}

// meminfoKB finds "key: N kB" in a meminfo file (the per-node ones have a
// "Node 0 " prefix).
func meminfoKB(s, key string) uint64 {
	for line := range strings.Lines(s) {
		i := strings.Index(line, key+":")
		if i < 0 {
			continue
		}
		return parseKB([]byte(line[i+len(key)+1:]))
	}
	return 0
}

func readCaches(root string, problems []string) ([]Cache, []string) {
	cpuDir := filepath.Join(root, "devices/system/cpu")
	ents, err := os.ReadDir(cpuDir)
	if err != nil {
		return nil, append(problems, "caches unknown: "+shortErr(err))
	}
	type key struct {
		level int
		typ   string
	}
	type kind struct {
		c      Cache
		shared map[string]bool // distinct shared_cpu_list values
	}
	kinds := map[key]*kind{}
	for _, e := range ents {
		if _, ok := numbered(e.Name(), "cpu"); !ok {
			continue
		}
		idx, err := os.ReadDir(filepath.Join(cpuDir, e.Name(), "cache"))
		if err != nil {
			continue
		}
		for _, ix := range idx {
			if _, ok := numbered(ix.Name(), "index"); !ok {
				continue
			}
			d := filepath.Join(cpuDir, e.Name(), "cache", ix.Name())
			lv, err1 := readTrim(filepath.Join(d, "level"))
			typ, err2 := readTrim(filepath.Join(d, "type"))
			size, err3 := readTrim(filepath.Join(d, "size"))
			if err1 != nil || err2 != nil || err3 != nil {
				continue
			}
			level, _ := strconv.Atoi(lv)
			k := key{level, typ}
			kd := kinds[k]
			if kd == nil {
				kd = &kind{c: Cache{Level: level, Type: typ, SizeBytes: parseSize(size)}, shared: map[string]bool{}}
				if ls, err := readTrim(filepath.Join(d, "coherency_line_size")); err == nil {
					kd.c.LineBytes, _ = strconv.Atoi(ls)
				}
				kinds[k] = kd
			}
			shared, err := readTrim(filepath.Join(d, "shared_cpu_list"))
			if err != nil {
				shared = e.Name() // assume private
			}
			if !kd.shared[shared] {
				kd.shared[shared] = true
				kd.c.CPUsPerInstance = max(kd.c.CPUsPerInstance, cpulistCount(shared))
			}
		}
	}
	var out []Cache
	for _, kd := range kinds {
		kd.c.Instances = len(kd.shared)
		out = append(out, kd.c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Level != out[j].Level {
			return out[i].Level < out[j].Level
		}
		return out[i].Type < out[j].Type
	})
	if len(out) == 0 {
		problems = append(problems, "caches unknown: no cache entries under "+cpuDir)
	}
	return out, problems
}

// lastLevelCache is the size of the largest-level data or unified cache,
// or 0 when unknown.
func lastLevelCache(cs []Cache) uint64 {
	var best Cache
	for _, c := range cs {
		if c.Type != "Instruction" && c.Level >= best.Level {
			best = c
		}
	}
	return best.SizeBytes
}

// parseSize reads "48K", "32768K", "1M", "512" (bytes).
func parseSize(s string) uint64 {
	mult := uint64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n * mult
}

// parseCPUList expands "0-3,8,10-11" into CPU numbers; nil if malformed.
func parseCPUList(s string) []int {
	var out []int
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out
}

func cpulistCount(s string) int { return len(parseCPUList(s)) }

// orderBySiblings puts the first hardware thread of every core before the
// second ones, so that k threads of a probe land on k different cores
// where the machine has that many. Without topology files the order is
// kept.
func orderBySiblings(root string, cpus []int) []int {
	var first, rest []int
	for _, c := range cpus {
		s, err := readTrim(filepath.Join(root, fmt.Sprintf("devices/system/cpu/cpu%d/topology/thread_siblings_list", c)))
		sib := parseCPUList(s)
		if err != nil || len(sib) == 0 || sib[0] == c {
			first = append(first, c)
		} else {
			rest = append(rest, c)
		}
	}
	return append(first, rest...)
}

// readCgroupMemory returns the tightest memory limit on this process's
// cgroup and its ancestors, with that cgroup's usage, for cgroup v2 and
// v1; zeros where there is no limit.
func readCgroupMemory(sysRoot, procCgroup string) (limit, used uint64) {
	b, err := os.ReadFile(procCgroup)
	if err != nil {
		return 0, 0
	}
	cg := filepath.Join(sysRoot, "fs/cgroup")
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, limitFile, usageFile string
		switch {
		case parts[0] == "0" && parts[1] == "": // v2 unified
			dir, limitFile, usageFile = cg, "memory.max", "memory.current"
			if _, err := os.Stat(filepath.Join(cg, "unified")); err == nil {
				dir = filepath.Join(cg, "unified")
			}
		case hasController(parts[1], "memory"): // v1
			dir, limitFile, usageFile = filepath.Join(cg, "memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"
		default:
			continue
		}
		l, u := walkLimits(dir, parts[2], limitFile, usageFile)
		if l > 0 && (limit == 0 || l < limit) {
			limit, used = l, u
		}
	}
	return limit, used
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// walkLimits reads limitFile from the cgroup at path under dir and each
// ancestor, and returns the smallest real limit with the usage beside it.
// Inside a cgroup namespace the path may not exist below dir; the root
// files (the container's own cgroup) are read then.
func walkLimits(dir, path, limitFile, usageFile string) (limit, used uint64) {
	p := filepath.Clean("/" + path)
	for {
		d := filepath.Join(dir, p)
		if s, err := readTrim(filepath.Join(d, limitFile)); err == nil && s != "max" {
			// v1 writes a huge number for "no limit".
			if l, err := strconv.ParseUint(s, 10, 64); err == nil && l < 1<<60 && (limit == 0 || l < limit) {
				limit = l
				if u, err := readTrim(filepath.Join(d, usageFile)); err == nil {
					used, _ = strconv.ParseUint(u, 10, 64)
				}
			}
		}
		if p == "/" {
			return limit, used
		}
		p = filepath.Dir(p)
	}
}

// numbered parses names like "node3" or "cpu12".
func numbered(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || rest == "" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

func readTrim(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}

// shortErr drops the "open /path:" prefix the path already says.
func shortErr(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}
