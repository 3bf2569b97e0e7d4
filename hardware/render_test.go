package hardware

import (
	"bytes"
	"github.com/engrambench/engrambench/internal/golden"
	"path/filepath"
	"testing"
	"time"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

func fixedProbe() *Probe {
	huge := PageInfo{ResidentBytes: 1 << 30, HugeBytes: 1 << 30}.finish()
	return &Probe{
		Mode: "full", Start: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), Seconds: 31.2, Seed: 1, CPUs: []int{0, 1}, MemoryBudgetBytes: 12 << 30,
		GPU: &GPUs{Source: "nvml", Driver: "550.54.15", Devices: []GPU{{
			Index: 0, Name: "NVIDIA H200", MemoryTotalBytes: ptr(uint64(141 << 30)), MemoryUsedBytes: ptr(uint64(100 << 30)),
			UtilizationGPU: ptr(0.93), PowerWatts: ptr(612.4), PowerLimitWatts: ptr(700.0), PCIeGen: ptr(4), PCIeWidth: ptr(16),
			PCIeGenMax: ptr(5), PCIeWidthMax: ptr(16), ClockSMHz: ptr(1980e6), ClockSMMaxHz: ptr(1980e6),
		}}},
		Bandwidth: &Bandwidth{ArrayBytes: 1 << 30, Passes: 10, Pages: huge, Results: []BandwidthResult{
			{Kernel: "copy", Threads: 1, BytesPerSecond: 39.4e9, WriteAllocateBytesPerSecond: 59.1e9},
			{Kernel: "scale", Threads: 1, BytesPerSecond: 38.2e9, WriteAllocateBytesPerSecond: 57.3e9},
			{Kernel: "add", Threads: 1, BytesPerSecond: 37.3e9, WriteAllocateBytesPerSecond: 49.7e9},
			{Kernel: "triad", Threads: 1, BytesPerSecond: 39.0e9, WriteAllocateBytesPerSecond: 52.0e9},
			{Kernel: "triad", Threads: 2, BytesPerSecond: 73.7e9, WriteAllocateBytesPerSecond: 98.3e9},
		}},
		Latency: &Latency{Pages: huge, Results: []LatencyResult{{Bytes: 16 << 10, Loads: 1 << 20, SecondsPerLoad: 0.97e-9}, {Bytes: 1 << 30, Loads: 1 << 19, SecondsPerLoad: 175.3e-9}}},
		Gather: &Gather{TableBytes: 4 << 30, RowBytes: 160, Batch: 32, Pages: huge, Results: []GatherResult{
			{Mode: "plain", Threads: 1, RowsPerSecond: 6.4e6, BytesPerSecond: 1.024e9},
			{Mode: "batched", Threads: 1, RowsPerSecond: 37.5e6, BytesPerSecond: 6e9},
		}, Notes: []string{"an example note"}},
		Requests: []RequestLatency{{Runner: "local", Model: "tiny", Requests: 8, TTFT: Stats{N: 8, Min: 0.02, Median: 0.025, P90: 0.03, Max: 0.031},
			TPOT: Stats{N: 8, Min: 0.004, Median: 0.005, P90: 0.0051, Max: 0.006}}},
		Notes: []string{"free memory checked"},
	}
}

func TestWriteProbeGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteProbe(&b, fixedProbe()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "probe", b.Bytes())
}

func TestWriteCalibrationGolden(t *testing.T) {
	c := &Calibration{Compiler: "gcc 12.2.0", Flags: "-O3 -march=native -fopenmp", Rounds: 3, Seconds: 95,
		Pairs: []CalibrationPair{
			{Name: "triad/threads=1/array=1GiB", Unit: "bytes_per_second", Go: 39.7e9, C: 40.1e9, Ratio: 0.99, PairedRatio: 0.98, Target: "0.90-1.10", Met: true, GoPages: "2 MiB (100% huge)", CPages: "2 MiB (100% huge)"},
			{Name: "chase/bytes=1GiB", Unit: "seconds_per_load", Go: 164e-9, C: 161e-9, Ratio: 1.02, PairedRatio: 1.01, Target: "0.85-1.15", Met: true},
			{Name: "gather/mode=batched/threads=1/row=160/batch=32/table=4GiB", Unit: "rows_per_second", Go: 40e6, C: 60e6, Ratio: 0.667, PairedRatio: 0.7, Target: ">= 0.75"},
		}}
	var b bytes.Buffer
	if err := WriteCalibration(&b, c); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "calibration", b.Bytes())
}
