//go:build cgo

package hardware

import (
	"context"
	"debug/elf"
	"os"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh200"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

// h200 is go-nvml's mock DGX H200 with the state calls a driver would
// answer set on device 0; device 1 answers only what the mock sets up
// (name, UUID, memory), like a driver that lacks the rest.
func h200() *server.Server {
	s := dgxh200.New()
	d := s.Devices[0].(*server.Device)
	d.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) {
		return nvml.Memory{Total: 141 << 30, Used: 100 << 30, Free: 41 << 30}, nvml.SUCCESS
	}
	d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{Gpu: 93, Memory: 40}, nvml.SUCCESS }
	d.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 612_450, nvml.SUCCESS }
	d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 700_000, nvml.SUCCESS }
	d.GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) { return 3_600_000, nvml.SUCCESS }
	d.GetCurrPcieLinkGenerationFunc = func() (int, nvml.Return) { return 5, nvml.SUCCESS }
	d.GetMaxPcieLinkGenerationFunc = func() (int, nvml.Return) { return 5, nvml.SUCCESS }
	d.GetCurrPcieLinkWidthFunc = func() (int, nvml.Return) { return 16, nvml.SUCCESS }
	d.GetMaxPcieLinkWidthFunc = func() (int, nvml.Return) { return 16, nvml.SUCCESS }
	d.GetPcieThroughputFunc = func(c nvml.PcieUtilCounter) (uint32, nvml.Return) {
		if c == nvml.PCIE_UTIL_TX_BYTES {
			return 1_000_000, nvml.SUCCESS // KB/s
		}
		return 0, nvml.ERROR_NOT_SUPPORTED
	}
	d.GetClockInfoFunc = func(c nvml.ClockType) (uint32, nvml.Return) {
		return map[nvml.ClockType]uint32{nvml.CLOCK_SM: 1980, nvml.CLOCK_MEM: 3201}[c], nvml.SUCCESS
	}
	d.GetMaxClockInfoFunc = func(c nvml.ClockType) (uint32, nvml.Return) { return 1980, nvml.SUCCESS }
	return s
}

func TestReadNVMLMock(t *testing.T) {
	g, err := readNVML(h200())
	if err != nil {
		t.Fatal(err)
	}
	if g.Source != "nvml" || g.Driver != "550.54.15" || len(g.Devices) != 8 {
		t.Fatalf("GPUs = %+v", g)
	}
	d := g.Devices[0]
	if d.Name != "NVIDIA H200 141GB HBM3e" || !strings.HasPrefix(d.UUID, "GPU-") {
		t.Errorf("identity: %q %q", d.Name, d.UUID)
	}
	if *d.MemoryUsedBytes != 100<<30 || *d.UtilizationGPU != 0.93 || *d.PowerWatts != 612.45 || *d.PowerLimitWatts != 700 ||
		*d.EnergyJoules != 3600 || *d.PCIeGen != 5 || *d.PCIeWidthMax != 16 || *d.PCIeTxBytesPerSec != 1e9 ||
		*d.ClockSMHz != 1980e6 || *d.ClockMemHz != 3201e6 {
		t.Errorf("device 0: %+v", d)
	}
	if d.PCIeRxBytesPerSec != nil || len(d.Notes) != 1 || d.Notes[0] != "pcie rx: ERROR_NOT_SUPPORTED" {
		t.Errorf("device 0 notes: %v", d.Notes)
	}
	// Device 1: the mock lacks most calls (a panic in the mock, a missing
	// symbol in an old driver): each is a note, nothing crashes.
	d = g.Devices[1]
	if d.Name == "" || d.MemoryTotalBytes == nil || d.PowerWatts != nil || len(d.Notes) < 5 {
		t.Errorf("device 1: %+v", d)
	}
	if !strings.Contains(strings.Join(d.Notes, "\n"), "power: ERROR_FUNCTION_NOT_FOUND") {
		t.Errorf("device 1 notes: %v", d.Notes)
	}
}

func TestReadNVMLInitFailure(t *testing.T) {
	for ret, want := range map[nvml.Return]string{
		nvml.ERROR_LIBRARY_NOT_FOUND: "no NVIDIA driver",
		nvml.ERROR_DRIVER_NOT_LOADED: "not loaded",
		nvml.ERROR_UNKNOWN:           "init: ERROR_UNKNOWN",
	} {
		lib := &mock.Interface{InitFunc: func() nvml.Return { return ret }}
		if _, err := readNVML(lib); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Init %v: err = %v, want %q", ret, err, want)
		}
		if _, err := openNVMLSource(lib); err == nil {
			t.Errorf("source opened after Init %v", ret)
		}
	}
}

func TestNVMLSource(t *testing.T) {
	s := h200()
	shut := 0
	s.ShutdownFunc = func() nvml.Return { shut++; return nvml.SUCCESS }
	src, err := openNVMLSource(s)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := src.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range rs {
		got[r.Name] = r.Value
	}
	if got["gpu_memory_used/gpu=0"] != float64(100<<30) || got["gpu_power/gpu=0"] != 612.45 || got["gpu_utilization/gpu=0"] != 0.93 {
		t.Errorf("readings: %v", got)
	}
	if _, ok := got["gpu_power/gpu=1"]; ok {
		t.Error("a power reading from a device that gave none")
	}
	src.Close()
	src.Close()
	if shut != 1 {
		t.Errorf("shutdown %d times", shut)
	}
}

// The real library on this machine: without a driver, Init fails with a
// clear message and no crash.
func TestReadNVMLReal(t *testing.T) {
	g, err := readNVMLGPUs()
	if err != nil {
		t.Logf("NVML: %v", err)
		return
	}
	t.Logf("NVML: %s", g)
}

// The binary must start where libnvidia-ml.so.1 is missing: go-nvml binds
// its symbols at dlopen time, which works only if the executable is not
// linked with immediate binding (-z now, BIND_NOW). Test binaries are
// linked like `go build` output, so check this one.
func TestLazyBinding(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Skip("not ELF:", err)
	}
	defer f.Close()
	ds := f.Section(".dynamic")
	if ds == nil {
		return // static: nothing is bound at start
	}
	flags, _ := f.DynValue(elf.DT_FLAGS)
	flags1, _ := f.DynValue(elf.DT_FLAGS_1)
	for _, v := range flags {
		if v&uint64(elf.DF_BIND_NOW) != 0 {
			t.Error("DT_FLAGS has BIND_NOW: build with -ldflags '-extldflags=-Wl,-z,lazy' (FACTS.md §5)")
		}
	}
	for _, v := range flags1 {
		if v&uint64(elf.DF_1_NOW) != 0 {
			t.Error("DT_FLAGS_1 has NOW: build with -ldflags '-extldflags=-Wl,-z,lazy' (FACTS.md §5)")
		}
	}
	libs, _ := f.ImportedLibraries()
	for _, l := range libs {
		if strings.Contains(l, "nvidia-ml") {
			t.Errorf("linked against %s; it must be loaded at run time", l)
		}
	}
}
