// Package hardware reads the facts about a machine that make a run's cost
// figures comparable, and measures what those facts do not say: memory
// bandwidth (STREAM), memory latency (a pointer chase), the rate of random
// row gathers an Engram table lookup depends on, GPUs through NVML, and
// time series of GPU memory, power and process memory during runs.
//
// The order of work in a probe run is: host facts (gopsutil plus /sys),
// GPUs (NVML, else nvidia-smi, else "no GPU"), a free-memory check that
// sizes every buffer, then bandwidth, latency and gather, each bounded in
// time. Anything that cannot be read or run is a note in the result, never
// a crash: containers hide parts of /sys, machines lack GPUs and drivers.
// A C reference of the three memory kernels (package cref) is compiled
// with the machine's gcc by Calibrate, to show the Go numbers are the
// machine's and not the language's.
package hardware

import (
	"context"
	"runtime"
	"strings"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"
)

// Host is what a run records about the machine it ran on. Fields that could
// not be read are left empty; Problems says why.
type Host struct {
	Hostname       string `json:"hostname,omitempty"`
	OS             string `json:"os"`
	Arch           string `json:"arch"`
	Platform       string `json:"platform,omitempty"`
	Kernel         string `json:"kernel,omitempty"`
	Virtualization string `json:"virtualization,omitempty"` // e.g. "kvm guest"
	CPUModel       string `json:"cpu_model,omitempty"`
	LogicalCPUs    int    `json:"logical_cpus"`
	PhysicalCores  int    `json:"physical_cores,omitempty"`
	// AllowedCPUs is how many CPUs this process may run on (its affinity
	// mask, a container's cpuset); probes use these.
	AllowedCPUs int    `json:"allowed_cpus,omitempty"`
	GOMAXPROCS  int    `json:"gomaxprocs"`
	MemoryBytes uint64 `json:"memory_bytes,omitempty"`
	// MemoryAvailableBytes is what the kernel says can be had without
	// swapping, when the host was read; probes size their buffers from it.
	MemoryAvailableBytes uint64 `json:"memory_available_bytes,omitempty"`
	// MemoryLimitBytes is the cgroup's memory limit, when there is one.
	MemoryLimitBytes uint64     `json:"memory_limit_bytes,omitempty"`
	MemoryLimitUsed  uint64     `json:"memory_limit_used_bytes,omitempty"`
	NUMANodes        []NUMANode `json:"numa_nodes,omitempty"`
	Caches           []Cache    `json:"caches,omitempty"`
	THP              string     `json:"transparent_hugepages,omitempty"` // the policy in brackets, e.g. "madvise"
	THPDefrag        string     `json:"transparent_hugepages_defrag,omitempty"`
	Problems         []string   `json:"problems,omitempty"`
}

// ReadHost gathers host facts with gopsutil, plus what it lacks from /sys.
func ReadHost(ctx context.Context) Host {
	return readHost(ctx, "/sys", "/proc/self/cgroup")
}

func readHost(ctx context.Context, sysRoot, procCgroup string) Host {
	h := Host{OS: runtime.GOOS, Arch: runtime.GOARCH, LogicalCPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if info, err := host.InfoWithContext(ctx); err == nil {
		h.Hostname = info.Hostname
		h.Platform = strings.TrimSpace(info.Platform + " " + info.PlatformVersion)
		h.Kernel = info.KernelVersion
		if info.VirtualizationSystem != "" {
			h.Virtualization = strings.TrimSpace(info.VirtualizationSystem + " " + info.VirtualizationRole)
		}
	} else {
		h.Problems = append(h.Problems, "host info: "+err.Error())
	}
	if infos, err := cpu.InfoWithContext(ctx); err == nil && len(infos) > 0 {
		h.CPUModel = infos[0].ModelName
	} else if err != nil {
		h.Problems = append(h.Problems, "cpu info: "+err.Error())
	}
	if n, err := cpu.CountsWithContext(ctx, false); err == nil {
		h.PhysicalCores = n
	}
	if cpus, err := allowedCPUs(sysRoot); err == nil {
		h.AllowedCPUs = len(cpus)
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		h.MemoryBytes = vm.Total
		h.MemoryAvailableBytes = vm.Available
	} else {
		h.Problems = append(h.Problems, "memory: "+err.Error())
	}
	if runtime.GOOS != "linux" {
		return h
	}
	f := readSysFacts(sysRoot, procCgroup)
	h.NUMANodes, h.Caches = f.NUMA, f.Caches
	h.THP, h.THPDefrag = f.THP, f.THPDefrag
	h.MemoryLimitBytes, h.MemoryLimitUsed = f.MemoryLimit, f.MemoryUsed
	h.Problems = append(h.Problems, f.Problems...)
	return h
}

// LastLevelCacheBytes is the size of one instance of the largest cache, or
// 0 when /sys did not say.
func (h Host) LastLevelCacheBytes() uint64 { return lastLevelCache(h.Caches) }

// FreeMemoryBytes is what a probe may count on: the kernel's available
// memory, or less when a cgroup limit leaves less.
func (h Host) FreeMemoryBytes() uint64 {
	free := h.MemoryAvailableBytes
	if h.MemoryLimitBytes > 0 {
		left := uint64(0)
		if h.MemoryLimitBytes > h.MemoryLimitUsed {
			left = h.MemoryLimitBytes - h.MemoryLimitUsed
		}
		if free == 0 || left < free {
			free = left
		}
	}
	return free
}

// selected returns the selected policy from text like "always [madvise] never".
func selected(s string) string {
	i := strings.IndexByte(s, '[')
	j := strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return strings.TrimSpace(s)
	}
	return s[i+1 : j]
}
