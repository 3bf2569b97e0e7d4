package hardware

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// GPUs is what could be learnt about the machine's NVIDIA GPUs: through
// NVML when the driver's library loads, else from nvidia-smi, else
// nothing, with notes saying why. No GPU is a result, not an error.
type GPUs struct {
	Source  string   `json:"source,omitempty"` // "nvml", "nvidia-smi", or "" for none
	Driver  string   `json:"driver,omitempty"`
	Devices []GPU    `json:"devices,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

// String is "no GPU" or e.g. "2 x NVIDIA H100 80GB HBM3 (driver 550.54.15, nvml)".
func (g GPUs) String() string {
	if len(g.Devices) == 0 {
		return "no GPU"
	}
	names := map[string]int{}
	var order []string
	for _, d := range g.Devices {
		if names[d.Name] == 0 {
			order = append(order, d.Name)
		}
		names[d.Name]++
	}
	var parts []string
	for _, n := range order {
		parts = append(parts, fmt.Sprintf("%d x %s", names[n], n))
	}
	return fmt.Sprintf("%s (driver %s, %s)", strings.Join(parts, ", "), g.Driver, g.Source)
}

// GPU is one device's facts and its state when read. Values the driver
// did not give are nil; Notes says which calls failed.
type GPU struct {
	Index             int      `json:"index"`
	Name              string   `json:"name"`
	UUID              string   `json:"uuid,omitempty"`
	MemoryTotalBytes  *uint64  `json:"memory_total_bytes,omitempty"`
	MemoryUsedBytes   *uint64  `json:"memory_used_bytes,omitempty"`
	MemoryFreeBytes   *uint64  `json:"memory_free_bytes,omitempty"`
	UtilizationGPU    *float64 `json:"utilization_gpu_ratio,omitempty"`    // time a kernel ran, last sample period
	UtilizationMemory *float64 `json:"utilization_memory_ratio,omitempty"` // time memory was read or written; not bandwidth (FACTS.md §5)
	PowerWatts        *float64 `json:"power_watts,omitempty"`
	PowerLimitWatts   *float64 `json:"power_limit_watts,omitempty"`
	EnergyJoules      *float64 `json:"energy_joules,omitempty"` // since the driver loaded
	PCIeGen           *int     `json:"pcie_gen,omitempty"`
	PCIeGenMax        *int     `json:"pcie_gen_max,omitempty"`
	PCIeWidth         *int     `json:"pcie_width,omitempty"`
	PCIeWidthMax      *int     `json:"pcie_width_max,omitempty"`
	PCIeTxBytesPerSec *float64 `json:"pcie_tx_bytes_per_second,omitempty"`
	PCIeRxBytesPerSec *float64 `json:"pcie_rx_bytes_per_second,omitempty"`
	ClockSMHz         *float64 `json:"clock_sm_hz,omitempty"`
	ClockMemHz        *float64 `json:"clock_memory_hz,omitempty"`
	ClockSMMaxHz      *float64 `json:"clock_sm_max_hz,omitempty"`
	ClockMemMaxHz     *float64 `json:"clock_memory_max_hz,omitempty"`
	Notes             []string `json:"notes,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// ReadGPUs reads the GPUs through NVML, falling back to nvidia-smi.
func ReadGPUs(ctx context.Context) GPUs {
	g, err := readNVMLGPUs()
	if err == nil {
		return g
	}
	notes := []string{"NVML: " + err.Error()}
	g, err = readSMIGPUs(ctx, "nvidia-smi")
	if err == nil {
		g.Notes = append(notes, g.Notes...)
		return g
	}
	return GPUs{Notes: append(notes, "nvidia-smi: "+err.Error(), "no GPU")}
}

// The nvidia-smi fields, in query order, and where each value goes.
// Units with nounits: MiB, %, W, MHz.
var smiFields = []struct {
	name string
	set  func(g *GPU, v float64)
}{
	{"memory.total", func(g *GPU, v float64) { g.MemoryTotalBytes = ptr(uint64(v) << 20) }},
	{"memory.used", func(g *GPU, v float64) { g.MemoryUsedBytes = ptr(uint64(v) << 20) }},
	{"memory.free", func(g *GPU, v float64) { g.MemoryFreeBytes = ptr(uint64(v) << 20) }},
	{"utilization.gpu", func(g *GPU, v float64) { g.UtilizationGPU = ptr(v / 100) }},
	{"utilization.memory", func(g *GPU, v float64) { g.UtilizationMemory = ptr(v / 100) }},
	{"power.draw", func(g *GPU, v float64) { g.PowerWatts = ptr(v) }},
	{"power.limit", func(g *GPU, v float64) { g.PowerLimitWatts = ptr(v) }},
	{"pcie.link.gen.current", func(g *GPU, v float64) { g.PCIeGen = ptr(int(v)) }},
	{"pcie.link.gen.max", func(g *GPU, v float64) { g.PCIeGenMax = ptr(int(v)) }},
	{"pcie.link.width.current", func(g *GPU, v float64) { g.PCIeWidth = ptr(int(v)) }},
	{"pcie.link.width.max", func(g *GPU, v float64) { g.PCIeWidthMax = ptr(int(v)) }},
	{"clocks.sm", func(g *GPU, v float64) { g.ClockSMHz = ptr(v * 1e6) }},
	{"clocks.mem", func(g *GPU, v float64) { g.ClockMemHz = ptr(v * 1e6) }},
	{"clocks.max.sm", func(g *GPU, v float64) { g.ClockSMMaxHz = ptr(v * 1e6) }},
	{"clocks.max.mem", func(g *GPU, v float64) { g.ClockMemMaxHz = ptr(v * 1e6) }},
}

// smiQuery is the --query-gpu list: identity first, then smiFields.
func smiQuery() string {
	q := []string{"index", "name", "uuid", "driver_version"}
	for _, f := range smiFields {
		q = append(q, f.name)
	}
	return strings.Join(q, ",")
}

func readSMIGPUs(ctx context.Context, smi string) (GPUs, error) {
	path, err := exec.LookPath(smi)
	if err != nil {
		return GPUs{}, errors.New("not found")
	}
	out, err := runSMI(ctx, path)
	if err != nil {
		return GPUs{}, err
	}
	return parseSMI(out)
}

func runSMI(ctx context.Context, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--query-gpu="+smiQuery(), "--format=csv,noheader,nounits")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(string(out))
		}
		return nil, fmt.Errorf("%v: %s", err, firstLine(msg))
	}
	return out, nil
}

// parseSMI reads nvidia-smi's CSV for smiQuery. Values it could not give
// ("[N/A]", "[Not Supported]") stay nil and are noted on the device.
func parseSMI(out []byte) (GPUs, error) {
	r := csv.NewReader(strings.NewReader(string(out)))
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return GPUs{}, fmt.Errorf("parse output: %w", err)
	}
	g := GPUs{Source: "nvidia-smi"}
	want := 4 + len(smiFields)
	for i, rec := range recs {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != want {
			return GPUs{}, fmt.Errorf("line %d: %d fields, want %d: %q", i+1, len(rec), want, strings.Join(rec, ","))
		}
		for j := range rec {
			rec[j] = strings.TrimSpace(rec[j])
		}
		idx, err := strconv.Atoi(rec[0])
		if err != nil {
			return GPUs{}, fmt.Errorf("line %d: index %q", i+1, rec[0])
		}
		d := GPU{Index: idx, Name: rec[1], UUID: rec[2]}
		if g.Driver == "" {
			g.Driver = rec[3]
		}
		for j, f := range smiFields {
			s := rec[4+j]
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				d.Notes = append(d.Notes, f.name+": "+s)
				continue
			}
			f.set(&d, v)
		}
		g.Devices = append(g.Devices, d)
	}
	if len(g.Devices) == 0 {
		return GPUs{}, errors.New("listed no GPUs")
	}
	return g, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// GPUSource samples every GPU's memory in use and power draw, through
// NVML or else nvidia-smi. It fails when neither answers ("no GPU").
func GPUSource() (Source, error) {
	src, err := newNVMLSource()
	if err == nil {
		return src, nil
	}
	if _, serr := exec.LookPath("nvidia-smi"); serr != nil {
		return nil, fmt.Errorf("no GPU: NVML: %v; nvidia-smi: not found", err)
	}
	return smiSource{path: "nvidia-smi"}, nil
}

type smiSource struct{ path string }

func (s smiSource) Sample(ctx context.Context) ([]Reading, error) {
	out, err := runSMI(ctx, s.path)
	if err != nil {
		return nil, err
	}
	g, err := parseSMI(out)
	if err != nil {
		return nil, err
	}
	return gpuReadings(g.Devices), nil
}

// gpuReadings turns devices' state into sampler readings.
func gpuReadings(ds []GPU) []Reading {
	var rs []Reading
	for _, d := range ds {
		if d.MemoryUsedBytes != nil {
			rs = append(rs, Reading{Name: fmt.Sprintf("gpu_memory_used/gpu=%d", d.Index), Unit: "bytes", Value: float64(*d.MemoryUsedBytes)})
		}
		if d.PowerWatts != nil {
			rs = append(rs, Reading{Name: fmt.Sprintf("gpu_power/gpu=%d", d.Index), Unit: "watts", Value: *d.PowerWatts})
		}
		if d.UtilizationGPU != nil {
			rs = append(rs, Reading{Name: fmt.Sprintf("gpu_utilization/gpu=%d", d.Index), Unit: "ratio", Value: *d.UtilizationGPU})
		}
	}
	return rs
}
