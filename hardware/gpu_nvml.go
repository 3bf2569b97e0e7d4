//go:build cgo

package hardware

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// go-nvml dlopens libnvidia-ml.so.1 at Init and leaves its symbols
// unresolved at link time, so the binary starts on machines without the
// driver as long as it is not linked with immediate binding (-z now);
// TestBinaryStartsWithoutDriver checks that the default build is lazy.

func readNVMLGPUs() (GPUs, error) { return readNVML(nvml.New()) }

// readNVML reads every device through lib (the real library or a mock).
func readNVML(lib nvml.Interface) (GPUs, error) {
	if ret := lib.Init(); ret != nvml.SUCCESS {
		return GPUs{}, initError(ret)
	}
	defer lib.Shutdown()
	g := GPUs{Source: "nvml"}
	if v, ok := call(&g.Notes, "driver version", lib.SystemGetDriverVersion); ok {
		g.Driver = v
	}
	n, ret := guarded(lib.DeviceGetCount)
	if ret != nvml.SUCCESS {
		return GPUs{}, fmt.Errorf("device count: %v", ret)
	}
	for i := range n {
		dev, ret := guarded(func() (nvml.Device, nvml.Return) { return lib.DeviceGetHandleByIndex(i) })
		if ret != nvml.SUCCESS {
			g.Notes = append(g.Notes, fmt.Sprintf("device %d: %v", i, ret))
			continue
		}
		g.Devices = append(g.Devices, readDevice(i, dev))
	}
	return g, nil
}

func initError(ret nvml.Return) error {
	switch ret {
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return errors.New("libnvidia-ml.so.1 not found (no NVIDIA driver)")
	case nvml.ERROR_DRIVER_NOT_LOADED:
		return errors.New("the NVIDIA driver is not loaded")
	case nvml.ERROR_NO_PERMISSION:
		return errors.New("no permission to talk to the driver")
	}
	return fmt.Errorf("init: %v", ret)
}

// guarded calls f and turns a panic into ERROR_FUNCTION_NOT_FOUND: a mock
// without the method, or a binding missing from an old driver's library.
func guarded[T any](f func() (T, nvml.Return)) (v T, ret nvml.Return) {
	defer func() {
		if recover() != nil {
			var zero T
			v, ret = zero, nvml.ERROR_FUNCTION_NOT_FOUND
		}
	}()
	return f()
}

// call runs one device query; a failure becomes a note and ok=false.
// "Not supported" is common (power on some boards, energy before Volta)
// and is noted the same way.
func call[T any](notes *[]string, what string, f func() (T, nvml.Return)) (T, bool) {
	v, ret := guarded(f)
	if ret != nvml.SUCCESS {
		*notes = append(*notes, what+": "+ret.Error())
		return v, false
	}
	return v, true
}

func readDevice(i int, d nvml.Device) GPU {
	g := GPU{Index: i}
	n := &g.Notes
	if v, ok := call(n, "name", d.GetName); ok {
		g.Name = v
	}
	if v, ok := call(n, "uuid", d.GetUUID); ok {
		g.UUID = v
	}
	readState(&g, d)
	if v, ok := call(n, "power limit", d.GetEnforcedPowerLimit); ok {
		g.PowerLimitWatts = ptr(float64(v) / 1e3) // mW
	}
	if v, ok := call(n, "energy", d.GetTotalEnergyConsumption); ok {
		g.EnergyJoules = ptr(float64(v) / 1e3) // mJ
	}
	if v, ok := call(n, "pcie generation", d.GetCurrPcieLinkGeneration); ok {
		g.PCIeGen = ptr(v)
	}
	if v, ok := call(n, "pcie max generation", d.GetMaxPcieLinkGeneration); ok {
		g.PCIeGenMax = ptr(v)
	}
	if v, ok := call(n, "pcie width", d.GetCurrPcieLinkWidth); ok {
		g.PCIeWidth = ptr(v)
	}
	if v, ok := call(n, "pcie max width", d.GetMaxPcieLinkWidth); ok {
		g.PCIeWidthMax = ptr(v)
	}
	// KB/s over the driver's last 20 ms.
	if v, ok := call(n, "pcie tx", func() (uint32, nvml.Return) { return d.GetPcieThroughput(nvml.PCIE_UTIL_TX_BYTES) }); ok {
		g.PCIeTxBytesPerSec = ptr(float64(v) * 1e3)
	}
	if v, ok := call(n, "pcie rx", func() (uint32, nvml.Return) { return d.GetPcieThroughput(nvml.PCIE_UTIL_RX_BYTES) }); ok {
		g.PCIeRxBytesPerSec = ptr(float64(v) * 1e3)
	}
	clock := func(what string, f func(nvml.ClockType) (uint32, nvml.Return), t nvml.ClockType) *float64 {
		if v, ok := call(n, what, func() (uint32, nvml.Return) { return f(t) }); ok {
			return ptr(float64(v) * 1e6) // MHz
		}
		return nil
	}
	g.ClockSMHz = clock("sm clock", d.GetClockInfo, nvml.CLOCK_SM)
	g.ClockMemHz = clock("memory clock", d.GetClockInfo, nvml.CLOCK_MEM)
	g.ClockSMMaxHz = clock("max sm clock", d.GetMaxClockInfo, nvml.CLOCK_SM)
	g.ClockMemMaxHz = clock("max memory clock", d.GetMaxClockInfo, nvml.CLOCK_MEM)
	return g
}

// readState reads what changes while a model runs: memory, utilisation
// and power. Samplers call it at every tick.
func readState(g *GPU, d nvml.Device) {
	n := &g.Notes
	if m, ok := call(n, "memory", d.GetMemoryInfo); ok {
		g.MemoryTotalBytes, g.MemoryUsedBytes, g.MemoryFreeBytes = ptr(m.Total), ptr(m.Used), ptr(m.Free)
	}
	if u, ok := call(n, "utilization", d.GetUtilizationRates); ok {
		g.UtilizationGPU, g.UtilizationMemory = ptr(float64(u.Gpu)/100), ptr(float64(u.Memory)/100)
	}
	if v, ok := call(n, "power", d.GetPowerUsage); ok {
		g.PowerWatts = ptr(float64(v) / 1e3) // mW
	}
}

// nvmlSource samples through one NVML session, held until Close.
type nvmlSource struct {
	lib     nvml.Interface
	devices []nvml.Device
	once    sync.Once
}

func newNVMLSource() (Source, error) { return openNVMLSource(nvml.New()) }

func openNVMLSource(lib nvml.Interface) (*nvmlSource, error) {
	if ret := lib.Init(); ret != nvml.SUCCESS {
		return nil, initError(ret)
	}
	n, ret := guarded(lib.DeviceGetCount)
	if ret != nvml.SUCCESS || n == 0 {
		lib.Shutdown()
		if ret == nvml.SUCCESS {
			return nil, errors.New("no devices")
		}
		return nil, fmt.Errorf("device count: %v", ret)
	}
	s := &nvmlSource{lib: lib}
	for i := range n {
		d, ret := guarded(func() (nvml.Device, nvml.Return) { return lib.DeviceGetHandleByIndex(i) })
		if ret == nvml.SUCCESS {
			s.devices = append(s.devices, d)
		}
	}
	return s, nil
}

func (s *nvmlSource) Sample(context.Context) ([]Reading, error) {
	ds := make([]GPU, len(s.devices))
	for i, d := range s.devices {
		ds[i].Index = i
		readState(&ds[i], d)
	}
	return gpuReadings(ds), nil
}

func (s *nvmlSource) Close() error {
	s.once.Do(func() { s.lib.Shutdown() })
	return nil
}
