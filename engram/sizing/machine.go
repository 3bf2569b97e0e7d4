// Package sizing says what a host can feed: for an Engram model, a
// workload and a machine, the table bytes and host RAM, the rows and bytes
// per second demanded, the PCIe traffic if rows go to an accelerator, the
// cores needed at the machine's measured gather rate, and whether a decode
// step's lookup is done before the first Engram layer needs it; then a
// verdict that names the binding constraint, and the deployment side of the
// claim (accelerator memory saved against an iso-parameter MoE).
//
// The model of the gather is FACTS.md §5's: a core's random row gathers
// are bound by the cache misses it keeps in flight, so a core handles a
// fixed number of misses per second whatever the row size, up to the
// DRAM's bandwidth for random lines. A row of b bytes costs Units(b): the
// Lines(b) cache lines it touches, plus RowOverheadLines for what every
// random row costs besides (a TLB miss, the per-row work).
package sizing

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// LineBytes is the cache line size assumed.
const LineBytes = 64

// Lines is the mean number of cache lines a row of rowBytes touches when
// rows start at multiples of rowBytes from a line-aligned base.
func Lines(rowBytes int) float64 {
	if rowBytes <= 0 {
		return 0
	}
	period := LineBytes / gcd(rowBytes, LineBytes)
	var sum int
	for k := range period {
		start := (k * rowBytes) % LineBytes
		sum += (start + rowBytes + LineBytes - 1) / LineBytes
	}
	return float64(sum) / float64(period)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// RowOverheadLines is the per-row cost beyond its lines, in lines. On the
// Zen 5 VM, rows of 160 bytes (3 lines) gather at 0.73-0.75 of the rate of
// rows of 128 bytes (2 lines), not 2/3: one line's worth a row fits.
const RowOverheadLines = 1.0

// Units is the cost of one row of rowBytes: its lines plus the per-row
// overhead.
func Units(rowBytes int) float64 { return Lines(rowBytes) + RowOverheadLines }

// GatherPoint is one measured gather rate.
type GatherPoint struct {
	Threads    int     `json:"threads"`
	RowBytes   int     `json:"row_bytes"`
	RowsPerSec float64 `json:"rows_per_second"`
}

// LinesPerSec is the point's rate in cache lines per second.
func (g GatherPoint) LinesPerSec() float64 { return g.RowsPerSec * Lines(g.RowBytes) }

// UnitsPerSec is the point's rate in cost units (Units) per second.
func (g GatherPoint) UnitsPerSec() float64 { return g.RowsPerSec * Units(g.RowBytes) }

// Machine is what the model knows about a host and its accelerator.
type Machine struct {
	Name   string `json:"name"`
	Source string `json:"source"` // where the figures come from
	Cores  int    `json:"cores"`  // host cores lookups may use
	// HostMemoryBytes is the host's RAM.
	HostMemoryBytes float64 `json:"host_memory_bytes"`
	// DRAMBytesPerSec is peak DRAM bandwidth (0: unknown, no cap);
	// random line traffic gets DRAMEfficiency of it.
	DRAMBytesPerSec float64 `json:"dram_bytes_per_second,omitempty"`
	DRAMEfficiency  float64 `json:"dram_efficiency,omitempty"`
	// Gather are measured gather-probe rates (any row size, any thread
	// counts); a one-thread point is needed. LookupLatency is the fixed
	// cost of one lookup call (a DRAM round trip and dispatch).
	Gather        []GatherPoint `json:"gather"`
	LookupLatency float64       `json:"lookup_latency_seconds"`
	// EngineEfficiency is the share of the probe's rate the engine
	// reaches on large batches (engram bench measures it).
	EngineEfficiency float64 `json:"engine_efficiency"`
	// SplitEfficiency is the share of the cores' combined rate one lookup
	// gets when it is split over several (a decode step), and SplitLatency
	// what splitting adds to each lookup: the cores start and finish
	// together, and wait for the slowest.
	SplitEfficiency float64 `json:"split_efficiency"`
	SplitLatency    float64 `json:"split_latency_seconds"`
	// The accelerator side; zero values mean none.
	Link            string   `json:"link,omitempty"`
	LinkBytesPerSec float64  `json:"link_bytes_per_second,omitempty"` // achievable, host to device
	GPU             string   `json:"gpu,omitempty"`
	GPUMemoryBytes  float64  `json:"gpu_memory_bytes,omitempty"`
	GPUBytesPerSec  float64  `json:"gpu_bytes_per_second,omitempty"`
	GPUFLOPs        float64  `json:"gpu_flops,omitempty"` // dense bf16, peak
	Notes           []string `json:"notes,omitempty"`
}

// Defaults applied where a machine leaves a figure unset.
const (
	// DefaultEngineEfficiency: engram bench's engine against the reference
	// gather at batch >= 256 tokens on the 2-core Zen 5 VM it was written
	// on (0.85-0.95 there).
	DefaultEngineEfficiency = 0.9
	// DefaultDRAMEfficiency is the share of peak DRAM bandwidth random
	// 64-byte lines are assumed to get.
	DefaultDRAMEfficiency = 0.6
	// DefaultLookupLatency: two DRAM round trips and waking the helpers.
	DefaultLookupLatency = 2e-6
	// DefaultSplitEfficiency and DefaultSplitLatency: engram bench's split
	// lookups against its streams on the 2-core VM, shared with other work.
	DefaultSplitEfficiency = 0.85
	DefaultSplitLatency    = 15e-6
)

func (m *Machine) fill() {
	if m.EngineEfficiency <= 0 {
		m.EngineEfficiency = DefaultEngineEfficiency
	}
	if m.DRAMEfficiency <= 0 {
		m.DRAMEfficiency = DefaultDRAMEfficiency
	}
	if m.LookupLatency <= 0 {
		m.LookupLatency = DefaultLookupLatency
	}
	if m.SplitEfficiency <= 0 {
		m.SplitEfficiency = DefaultSplitEfficiency
	}
	if m.SplitLatency <= 0 {
		m.SplitLatency = DefaultSplitLatency
	}
}

// Validate reports what makes m unusable.
func (m Machine) Validate() error {
	var errs []error
	if m.Cores < 1 {
		errs = append(errs, fmt.Errorf("cores %d", m.Cores))
	}
	one := false
	for _, g := range m.Gather {
		if g.Threads < 1 || g.RowBytes < 1 || !(g.RowsPerSec > 0) {
			errs = append(errs, fmt.Errorf("gather point %+v is not a measurement", g))
		}
		one = one || g.Threads == 1
	}
	if !one {
		errs = append(errs, errors.New("no one-thread gather rate"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("machine %s: %w", m.Name, err)
	}
	return nil
}

// ProbeUnits is the gather probe's rate in cost units per second on
// threads cores: the measured point for that count if there is one,
// otherwise the nearest measured count below scaled in proportion (one
// core's rate times cores when nothing above one thread was measured);
// capped by DRAM bandwidth for the lines of rows of rowBytes.
func (m Machine) ProbeUnits(threads, rowBytes int) float64 {
	threads = max(1, threads)
	var best GatherPoint
	for _, g := range m.Gather {
		if g.Threads <= threads && (g.Threads > best.Threads || g.Threads == best.Threads && g.UnitsPerSec() > best.UnitsPerSec()) {
			best = g
		}
	}
	if best.Threads == 0 {
		return 0
	}
	units := best.UnitsPerSec() * float64(threads) / float64(best.Threads)
	if m.DRAMBytesPerSec > 0 {
		eff := m.DRAMEfficiency
		if eff <= 0 {
			eff = DefaultDRAMEfficiency
		}
		// Bandwidth caps the rows whose lines it can move.
		rows := m.DRAMBytesPerSec * eff / LineBytes / Lines(rowBytes)
		units = min(units, rows*Units(rowBytes))
	}
	return units
}

// EngineRows is the engine's predicted rows per second for rows of
// rowBytes on threads cores: the probe's rate in cost units at that core
// count, over the units a row costs, times the engine's efficiency.
func (m Machine) EngineRows(rowBytes, threads int) float64 {
	eff := m.EngineEfficiency
	if eff <= 0 {
		eff = DefaultEngineEfficiency
	}
	return eff * m.ProbeUnits(threads, rowBytes) / Units(rowBytes)
}

// minWorkerRows mirrors engram/store: a lookup of fewer rows than this per
// core does not spread further.
const minWorkerRows = 512

// LookupTime predicts one lookup of rows rows of rowBytes on up to cores
// cores: a fixed latency plus the rows at the engine's rate on the cores
// it spreads over (a core per minWorkerRows rows at most); over several,
// the split latency is added and the rate taken at the split efficiency.
func (m Machine) LookupTime(rows, rowBytes, cores int) float64 {
	if rows <= 0 {
		return 0
	}
	c := max(1, min(cores, rows/minWorkerRows))
	lat := m.LookupLatency
	if lat <= 0 {
		lat = DefaultLookupLatency
	}
	rate := m.EngineRows(rowBytes, c)
	if c > 1 {
		eff, extra := m.SplitEfficiency, m.SplitLatency
		if eff <= 0 {
			eff = DefaultSplitEfficiency
		}
		if extra <= 0 {
			extra = DefaultSplitLatency
		}
		rate *= eff
		lat += extra
	}
	return lat + float64(rows)/rate
}

// Presets.

// Host presets: DDR5 channel counts and speeds (FACTS.md §7: 38.4 GB/s a
// channel at 4800 MT/s, 44.8 at 5600, 51.2 at 6400).
var hostPresets = map[string]struct {
	channels int
	perChan  float64
	cores    int
	memory   float64
}{
	"ddr5-4800x8":  {8, 38.4e9, 32, 512e9},
	"ddr5-5600x8":  {8, 44.8e9, 64, 512e9},
	"ddr5-5600x12": {12, 44.8e9, 96, 1536e9},
	"ddr5-6400x12": {12, 51.2e9, 128, 1536e9},
}

// Link presets: PCIe x16 per direction, achievable (FACTS.md §7: Gen4
// 31.5 GB/s, ~25 achievable; Gen5 63, ~50-55).
var linkPresets = map[string]struct {
	name string
	rate float64
}{
	"gen4": {"PCIe Gen4 x16", 25e9},
	"gen5": {"PCIe Gen5 x16", 50e9},
}

// GPU presets (FACTS.md §7 for memory and bandwidth). Dense bf16 peak is
// not in FACTS.md: 989 TFLOP/s, the public figure for the H100 SXM, is
// assumed for all three; the H800 is an H100 with less NVLink.
var gpuPresets = map[string]struct {
	name       string
	mem, bw, f float64
	link       string
}{
	"h100": {"H100 SXM 80 GB", 80e9, 3.35e12, 989e12, "gen5"},
	"h800": {"H800 80 GB", 80e9, 3.35e12, 989e12, "gen5"},
	"h200": {"H200 141 GB", 141e9, 4.8e12, 989e12, "gen5"},
}

// PresetNames lists the parts a machine spec may name.
func PresetNames() (hosts, links, gpus []string) {
	for k := range hostPresets {
		hosts = append(hosts, k)
	}
	for k := range linkPresets {
		links = append(links, k)
	}
	for k := range gpuPresets {
		gpus = append(gpus, k)
	}
	sort.Strings(hosts)
	sort.Strings(links)
	sort.Strings(gpus)
	return
}

// DefaultPresets are the machines `size` evaluates besides this one.
var DefaultPresets = []string{"ddr5-4800x8,gen4,h100", "ddr5-5600x12,gen5,h100", "ddr5-6400x12,gen5,h200"}

// ParsePreset builds a machine from a spec such as
// "ddr5-5600x12,gen5,h200,cores=64": a host preset, then optionally a
// link, a GPU and cores=N. A preset has no measured gather rate: it takes
// perCore (a one-thread point, usually this machine's) and says so.
func ParsePreset(spec string, perCore GatherPoint) (Machine, error) {
	parts := strings.Split(spec, ",")
	h, ok := hostPresets[parts[0]]
	if !ok {
		hosts, _, _ := PresetNames()
		return Machine{}, fmt.Errorf("unknown host preset %q (known: %s)", parts[0], strings.Join(hosts, ", "))
	}
	m := Machine{
		Name: spec, Source: "preset", Cores: h.cores, HostMemoryBytes: h.memory,
		DRAMBytesPerSec: float64(h.channels) * h.perChan,
	}
	for _, p := range parts[1:] {
		if l, ok := linkPresets[p]; ok {
			m.Link, m.LinkBytesPerSec = l.name, l.rate
			continue
		}
		if g, ok := gpuPresets[p]; ok {
			m.GPU, m.GPUMemoryBytes, m.GPUBytesPerSec, m.GPUFLOPs = g.name, g.mem, g.bw, g.f
			if m.Link == "" {
				l := linkPresets[g.link]
				m.Link, m.LinkBytesPerSec = l.name, l.rate
			}
			continue
		}
		if v, ok := strings.CutPrefix(p, "cores="); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return Machine{}, fmt.Errorf("preset %q: bad core count %q", spec, v)
			}
			m.Cores = n
			continue
		}
		_, links, gpus := PresetNames()
		return Machine{}, fmt.Errorf("preset %q: unknown part %q (links: %s; GPUs: %s; or cores=N)", spec, p, strings.Join(links, ", "), strings.Join(gpus, ", "))
	}
	if perCore.Threads != 1 || !(perCore.RowsPerSec > 0) {
		return Machine{}, fmt.Errorf("preset %q needs a measured one-core gather rate", spec)
	}
	m.Gather = []GatherPoint{perCore}
	m.Notes = append(m.Notes, fmt.Sprintf("per-core gather rate assumed equal to the measured %.3g rows/s of %d B: a preset has no measurement of its own", perCore.RowsPerSec, perCore.RowBytes),
		fmt.Sprintf("cores %d and RAM %.0f GB are the preset's assumptions; set cores=N to change", m.Cores, m.HostMemoryBytes/1e9))
	m.fill()
	return m, nil
}

// probeFile is the part of `engrambench probe --json` the model reads.
type probeFile struct {
	Host struct {
		LogicalCPUs int     `json:"logical_cpus"`
		MemoryBytes float64 `json:"memory_bytes"`
		CPUModel    string  `json:"cpu_model"`
	} `json:"host"`
	Probe struct {
		CPUs []int `json:"cpus"`
		GPU  *struct {
			Devices []struct {
				Name             string   `json:"name"`
				MemoryTotalBytes *float64 `json:"memory_total_bytes"`
				PCIeGen          *int     `json:"pcie_gen"`
				PCIeWidth        *int     `json:"pcie_width"`
			} `json:"devices"`
		} `json:"gpu"`
		Bandwidth *struct {
			Results []struct {
				Kernel         string  `json:"kernel"`
				BytesPerSecond float64 `json:"bytes_per_second"`
			} `json:"results"`
		} `json:"bandwidth"`
		Latency *struct {
			Results []struct {
				Bytes          float64 `json:"bytes"`
				SecondsPerLoad float64 `json:"seconds_per_load"`
			} `json:"results"`
		} `json:"latency"`
		Gather *struct {
			RowBytes int `json:"row_bytes"`
			Results  []struct {
				Mode          string  `json:"mode"`
				Threads       int     `json:"threads"`
				RowsPerSecond float64 `json:"rows_per_second"`
			} `json:"results"`
		} `json:"gather"`
	} `json:"probe"`
}

// ReadMachine loads a machine from a file: either a Machine as JSON (what
// `size --json` prints under "machine"), or the output of
// `engrambench probe --json`, whose batched gather rates, best STREAM
// bandwidth, largest-table load latency, host and GPUs it uses.
func ReadMachine(path string) (Machine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Machine{}, err
	}
	var pf probeFile
	if err := json.Unmarshal(data, &pf); err == nil && pf.Probe.Gather != nil {
		return fromProbe(path, pf)
	}
	var m Machine
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Machine{}, fmt.Errorf("%s: neither a probe result (engrambench probe --json) nor a machine: %w", path, err)
	}
	if m.Source == "" {
		m.Source = path
	}
	m.fill()
	return m, m.Validate()
}

func fromProbe(path string, pf probeFile) (Machine, error) {
	p := pf.Probe
	m := Machine{Name: pf.Host.CPUModel, Source: "probe " + path, Cores: max(len(p.CPUs), pf.Host.LogicalCPUs), HostMemoryBytes: pf.Host.MemoryBytes}
	if m.Name == "" {
		m.Name = "probed host"
	}
	for _, r := range p.Gather.Results {
		if r.Mode == "batched" && r.RowsPerSecond > 0 {
			m.Gather = append(m.Gather, GatherPoint{Threads: r.Threads, RowBytes: p.Gather.RowBytes, RowsPerSec: r.RowsPerSecond})
		}
	}
	if p.Bandwidth != nil {
		for _, r := range p.Bandwidth.Results {
			m.DRAMBytesPerSec = max(m.DRAMBytesPerSec, r.BytesPerSecond)
		}
		// STREAM already is what the DRAM delivers; random lines get less.
		m.Notes = append(m.Notes, "DRAM bandwidth is the probe's best STREAM figure")
	}
	if p.Latency != nil && len(p.Latency.Results) > 0 {
		last := p.Latency.Results[len(p.Latency.Results)-1]
		m.LookupLatency = 2*last.SecondsPerLoad + 1e-6
	}
	if p.GPU != nil && len(p.GPU.Devices) > 0 {
		d := p.GPU.Devices[0]
		m.GPU = d.Name
		if d.MemoryTotalBytes != nil {
			m.GPUMemoryBytes = *d.MemoryTotalBytes
		}
		if d.PCIeGen != nil {
			switch *d.PCIeGen {
			case 4:
				m.Link, m.LinkBytesPerSec = linkPresets["gen4"].name, linkPresets["gen4"].rate
			case 5:
				m.Link, m.LinkBytesPerSec = linkPresets["gen5"].name, linkPresets["gen5"].rate
			}
		}
	}
	m.fill()
	return m, m.Validate()
}
