package sizing

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/engram"
)

func TestLines(t *testing.T) {
	for _, c := range []struct {
		rb   int
		want float64
	}{{64, 1}, {128, 2}, {256, 4}, {160, 3}, {32, 1}, {96, 2}, {1, 1}, {320, 5}, {100, 2.5}} {
		if got := Lines(c.rb); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Lines(%d) = %v, want %v", c.rb, got, c.want)
		}
	}
}

func testMachine() Machine {
	m := Machine{Name: "t", Cores: 8, HostMemoryBytes: 64e9, Gather: []GatherPoint{{1, 128, 50e6}, {2, 128, 90e6}}, LinkBytesPerSec: 25e9}
	m.fill()
	return m
}

func TestEngineRows(t *testing.T) {
	m := testMachine()
	// One core: 50e6 rows of 2 lines (+1 for the row) = 1.5e8 units/s;
	// 160-byte rows touch 3 lines: 4 units.
	if got, want := m.EngineRows(160, 1), 0.9*1.5e8/4; math.Abs(got-want) > 1 {
		t.Errorf("EngineRows(160, 1) = %v, want %v", got, want)
	}
	// Four cores scale the two-thread point.
	if got, want := m.EngineRows(128, 4), 0.9*90e6*2; math.Abs(got-want) > 1 {
		t.Errorf("EngineRows(128, 4) = %v, want %v", got, want)
	}
	m.DRAMBytesPerSec = 64e9 // 1e9 lines/s peak, 0.6e9 usable: 0.3e9 rows of 2 lines
	if got, want := m.EngineRows(128, 1000), 0.9*0.6e9/2; math.Abs(got-want) > 1 {
		t.Errorf("bandwidth cap: %v, want %v", got, want)
	}
	// A lookup of 256 rows runs on one core (below 512 a core).
	if got, want := m.LookupTime(256, 128, 8), DefaultLookupLatency+256/(0.9*50e6); math.Abs(got-want) > 1e-12 {
		t.Errorf("LookupTime = %v, want %v", got, want)
	}
}

func TestEvaluate27B(t *testing.T) {
	mdl, _ := engram.BuiltinModel("engram-27b")
	m := testMachine()
	w := Workload{DecodeBatch: 64, DecodeTokensPerSec: 3200, PrefillTokensPerSec: 10000}
	r, err := Evaluate(mdl, engram.BF16, m, w, Prices{GPUPerGBMonth: 10, DRAMPerGBMonth: 1})
	if err != nil {
		t.Fatal(err)
	}
	// FACTS.md §1: 72,404,232 rows x 80 x 2 B; 32 rows and 5 KiB a token.
	if r.TableBytes != 72404232*160 || r.RowsPerToken != 32 || r.BytesPerToken != 5120 {
		t.Fatalf("table %v, rows/token %d, bytes/token %v", r.TableBytes, r.RowsPerToken, r.BytesPerToken)
	}
	if r.RowsPerSec != 13200*32 || r.LinkBytesPerSec != 13200*5120 {
		t.Fatalf("rows/s %v, link %v", r.RowsPerSec, r.LinkBytesPerSec)
	}
	// 160-byte rows: 4 units; one core handles 1.5e8 units/s.
	if want := 13200 * 32 / (0.9 * 1.5e8 / 4); math.Abs(r.CoresNeeded-want) > 1e-9 {
		t.Errorf("cores needed %v, want %v", r.CoresNeeded, want)
	}
	// Step: 64/3200 = 20 ms; the first Engram layer is 2 of 30.
	if math.Abs(r.StepSeconds-0.02) > 1e-12 || math.Abs(r.BudgetSec-0.02*2/30) > 1e-12 {
		t.Errorf("step %v budget %v", r.StepSeconds, r.BudgetSec)
	}
	if r.Verdict != Fits {
		t.Errorf("verdict %s (%s)", r.Verdict, r.Binding)
	}
	// Deployment: MoE-27B holds 26.7B on the accelerator; Engram-27B holds
	// 26.7B minus its tables.
	dp := r.Deployment
	if dp.GPUBytesSaved != r.TableBytes || dp.MoEGPUBytes != 26.7e9*2 || math.Abs(dp.EngramGPUBytes-(26.7e9-72404232*80)*2) > 1 {
		t.Errorf("deployment %+v", dp)
	}
	if want := r.TableBytes / 1e9 * 9; math.Abs(dp.NetUSDMonth-want) > 1e-6 {
		t.Errorf("net savings %v, want %v", dp.NetUSDMonth, want)
	}
	// 40B in 24 GB of RAM: bound by host RAM.
	m.HostMemoryBytes = 24e9
	big, _ := engram.BuiltinModel("engram-40b")
	r, err = Evaluate(big, engram.BF16, m, w, Prices{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != NoFit || r.Binding != "host RAM" {
		t.Errorf("40B on 24 GB: %s, bound by %s", r.Verdict, r.Binding)
	}
}

func TestWorkloadValidate(t *testing.T) {
	for _, w := range []Workload{{}, {DecodeBatch: 4}, {DecodeTokensPerSec: 5}, {PrefillTokensPerSec: -1}, {PrefillTokensPerSec: 1, SeqLenMin: 5, SeqLenMax: 2}} {
		if w.Validate() == nil {
			t.Errorf("%+v validated", w)
		}
	}
}

func TestPresets(t *testing.T) {
	one := GatherPoint{Threads: 1, RowBytes: 160, RowsPerSec: 30e6}
	m, err := ParsePreset("ddr5-5600x12,gen5,h200,cores=48", one)
	if err != nil {
		t.Fatal(err)
	}
	if m.Cores != 48 || m.DRAMBytesPerSec != 12*44.8e9 || m.LinkBytesPerSec != 50e9 || m.GPUMemoryBytes != 141e9 {
		t.Fatalf("%+v", m)
	}
	m, err = ParsePreset("ddr5-4800x8,h100", one)
	if err != nil || m.Link != "PCIe Gen5 x16" {
		t.Fatalf("a GPU brings its link: %+v %v", m, err)
	}
	for _, bad := range []string{"ddr4", "ddr5-4800x8,gen9", "ddr5-4800x8,cores=0"} {
		if _, err := ParsePreset(bad, one); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := ParsePreset("ddr5-4800x8", GatherPoint{}); err == nil {
		t.Error("a preset without a per-core rate parsed")
	}
}

func TestReadMachineFromProbe(t *testing.T) {
	dir := t.TempDir()
	probe := `{"host": {"logical_cpus": 2, "memory_bytes": 25000000000, "cpu_model": "AMD EPYC"},
 "probe": {"cpus": [0, 1],
  "bandwidth": {"results": [{"kernel": "triad", "threads": 2, "bytes_per_second": 6.2e10}]},
  "latency": {"results": [{"bytes": 4096, "seconds_per_load": 1.6e-9}, {"bytes": 1073741824, "seconds_per_load": 2e-7}]},
  "gather": {"row_bytes": 160, "results": [
    {"mode": "plain", "threads": 1, "rows_per_second": 7e6},
    {"mode": "batched", "threads": 1, "rows_per_second": 1.3e7},
    {"mode": "batched", "threads": 2, "rows_per_second": 2.4e7}]}}}`
	path := filepath.Join(dir, "probe.json")
	os.WriteFile(path, []byte(probe), 0o644)
	m, err := ReadMachine(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Cores != 2 || len(m.Gather) != 2 || m.Gather[0].RowsPerSec != 1.3e7 || m.DRAMBytesPerSec != 6.2e10 || math.Abs(m.LookupLatency-1.4e-6) > 1e-12 {
		t.Fatalf("%+v", m)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"nonsense": 1}`), 0o644)
	if _, err := ReadMachine(bad); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Fatalf("err = %v", err)
	}
}

func TestOffloadClaim(t *testing.T) {
	mdl, _ := engram.BuiltinModel("offload-100b")
	m, err := ParsePreset("ddr5-5600x12,gen5,h800", GatherPoint{Threads: 1, RowBytes: 160, RowsPerSec: 30e6})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := OffloadClaim(mdl, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	// 512 sequences at 9031.62 tok/s; 16 rows a token; the first block of 36.
	if math.Abs(r.StepSeconds-512/9031.62) > 1e-12 || r.StepRows != 512*16 || math.Abs(r.BudgetSeconds-r.StepSeconds/36) > 1e-12 {
		t.Fatalf("%+v", r)
	}
	// 1.25 MiB of rows over 50 GB/s.
	if math.Abs(r.TransferSeconds-512*2560/50e9) > 1e-15 {
		t.Errorf("transfer %v", r.TransferSeconds)
	}
	if r.Penalty < r.MemoryPenalty || r.Penalty > 0.05 || r.PaperPenalty != 0.0192 {
		t.Errorf("penalty %v (memory %v)", r.Penalty, r.MemoryPenalty)
	}
}

func TestOffloadModelIs100B(t *testing.T) {
	mdl, _ := engram.BuiltinModel("offload-100b")
	l, err := mdl.Layout()
	if err != nil {
		t.Fatal(err)
	}
	if p := l.Params(); p < 100e9 || p > 100.001e9 {
		t.Fatalf("offload-100b has %d parameters", p)
	}
}
