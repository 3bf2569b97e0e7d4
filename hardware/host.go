// Package hardware reads the facts about a machine that make a run's cost
// figures comparable: what CPU and memory it had, whether it was a virtual
// machine. Probes of memory bandwidth, latency and GPUs grow here.
package hardware

import (
	"context"
	"os"
	"runtime"
	"strings"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"
)

// Host is what a run records about the machine it ran on. Fields that could
// not be read are left empty; Problems says why.
type Host struct {
	Hostname       string   `json:"hostname,omitempty"`
	OS             string   `json:"os"`
	Arch           string   `json:"arch"`
	Platform       string   `json:"platform,omitempty"`
	Kernel         string   `json:"kernel,omitempty"`
	Virtualization string   `json:"virtualization,omitempty"` // e.g. "kvm guest"
	CPUModel       string   `json:"cpu_model,omitempty"`
	LogicalCPUs    int      `json:"logical_cpus"`
	PhysicalCores  int      `json:"physical_cores,omitempty"`
	GOMAXPROCS     int      `json:"gomaxprocs"`
	MemoryBytes    uint64   `json:"memory_bytes,omitempty"`
	THP            string   `json:"transparent_hugepages,omitempty"` // the policy in brackets, e.g. "madvise"
	Problems       []string `json:"problems,omitempty"`
}

// ReadHost gathers host facts with gopsutil, plus what it lacks from /sys.
func ReadHost(ctx context.Context) Host {
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
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		h.MemoryBytes = vm.Total
	} else {
		h.Problems = append(h.Problems, "memory: "+err.Error())
	}
	h.THP = readTHP("/sys/kernel/mm/transparent_hugepage/enabled")
	return h
}

// readTHP returns the selected policy from a file like "always [madvise] never".
func readTHP(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return selected(string(b))
}

func selected(s string) string {
	i := strings.IndexByte(s, '[')
	j := strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return strings.TrimSpace(s)
	}
	return s[i+1 : j]
}
