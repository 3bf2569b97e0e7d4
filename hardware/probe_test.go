package hardware

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
)

// tinyOptions keep a whole probe run well under a second.
func tinyOptions() Options {
	return Options{
		Quick:            true,
		StreamArrayBytes: 1 << 20,
		ChaseMaxBytes:    256 << 10,
		GatherTableBytes: 2 << 20,
		Threads:          []int{1, 2},
	}
}

func TestRunProbeTiny(t *testing.T) {
	start := time.Now()
	p, err := RunProbe(context.Background(), tinyOptions())
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("tiny probe took %v", time.Since(start))
	}
	if p.Mode != "quick" || p.Seed != 1 || len(p.CPUs) == 0 || p.GPU == nil {
		t.Errorf("probe = %+v", p)
	}
	teams := len(teamSizes([]int{1, 2}, len(p.CPUs), true))
	if bw := p.Bandwidth; bw == nil || bw.ArrayBytes != 1<<20 || len(bw.Results) != 4*teams || bw.Passes != 10 {
		t.Fatalf("bandwidth = %+v", bw)
	}
	for _, r := range p.Bandwidth.Results {
		if r.BytesPerSecond <= 0 || r.WriteAllocateBytesPerSecond <= r.BytesPerSecond {
			t.Errorf("bandwidth result %+v", r)
		}
	}
	if lat := p.Latency; lat == nil || len(lat.Results) != 3 || lat.Results[0].Bytes != 16<<10 || lat.Results[2].Bytes != 256<<10 {
		t.Fatalf("latency = %+v", lat)
	}
	if g := p.Gather; g == nil || g.RowBytes != 160 || g.Batch != 32 || len(g.Results) != 2*teams {
		t.Fatalf("gather = %+v", g)
	}
	// Arrays under 4x the last-level cache are said to be.
	if len(p.Bandwidth.Notes) == 0 || !strings.Contains(p.Bandwidth.Notes[0], "less than 4x") {
		t.Errorf("bandwidth notes = %v", p.Bandwidth.Notes)
	}

	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Probe
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back.Bandwidth, p.Bandwidth) {
		t.Errorf("JSON round trip: %v", err)
	}
	for _, key := range []string{`"bytes_per_second"`, `"write_allocate_bytes_per_second"`, `"seconds_per_load"`, `"rows_per_second"`, `"page_bytes"`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}

	var out bytes.Buffer
	if err := WriteProbe(&out, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Memory bandwidth: STREAM", "| Threads |", "Triad", "Memory latency", "| 16 KiB", "Random row gather: 160-byte rows", "Batched Mrows/s", "GPU:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunProbeSkipAndBudget(t *testing.T) {
	o := tinyOptions()
	o.Skip = []string{"gpu", "bandwidth", "gather"}
	o.ChaseMaxBytes = 64 << 20
	o.MemoryBytes = 1 << 20 // the chase table must shrink to fit
	var lines []string
	o.Progress = func(f string, a ...any) { lines = append(lines, f) }
	p, err := RunProbe(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if p.GPU != nil || p.Bandwidth != nil || p.Gather != nil || p.Latency == nil {
		t.Fatalf("skips not honoured: %+v", p)
	}
	top := p.Latency.Results[len(p.Latency.Results)-1].Bytes
	if top >= 1<<20 || !strings.Contains(strings.Join(p.Notes, "\n"), "latency table") {
		t.Errorf("top size %d, notes %v", top, p.Notes)
	}
	if len(lines) == 0 {
		t.Error("no progress")
	}
}

func TestRunProbeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := tinyOptions()
	o.Skip = []string{"gpu"}
	if _, err := RunProbe(ctx, o); err == nil {
		t.Error("no error from a cancelled probe")
	}
}

func TestRunProbeNoSys(t *testing.T) {
	// A host with nothing known: defaults with notes, no crash.
	o := tinyOptions()
	o.Skip = []string{"gpu", "gather", "latency"}
	o.Host = &Host{LogicalCPUs: 1}
	o.sysRoot = t.TempDir()
	p, err := RunProbe(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(p.Notes, "\n")
	if !strings.Contains(notes, "last-level cache size unknown") || !strings.Contains(notes, "free memory unknown") {
		t.Errorf("notes = %v", p.Notes)
	}
}

func TestTeamSizes(t *testing.T) {
	for _, c := range []struct {
		asked []int
		n     int
		quick bool
		want  []int
	}{
		{nil, 1, false, []int{1}},
		{nil, 4, false, []int{1, 2, 3, 4}},
		{nil, 4, true, []int{1, 4}},
		{nil, 1, true, []int{1}},
		{nil, 48, false, []int{1, 2, 4, 8, 16, 32, 48}},
		{[]int{2, 1, 8, 3}, 4, false, []int{2, 3}},
	} {
		if got := teamSizes(c.asked, c.n, c.quick); !reflect.DeepEqual(got, c.want) {
			t.Errorf("teamSizes(%v, %d, %v) = %v, want %v", c.asked, c.n, c.quick, got, c.want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]uint64{"4096": 4096, "512MiB": 512 << 20, "2GiB": 2 << 30, "1G": 1 << 30, "1.5 GB": 3 << 29, "64k": 64 << 10} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1G", "3PB", "1e30"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[uint64]string{16 << 10: "16 KiB", 1 << 30: "1 GiB", 160: "160 B", 1536 << 20: "1536 MiB", 1536<<20 + 1: "1.5 GiB", 3 << 20: "3 MiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestWriteHost(t *testing.T) {
	var b bytes.Buffer
	WriteHost(&b, Host{CPUModel: "AMD EPYC", LogicalCPUs: 2, AllowedCPUs: 1, MemoryBytes: 24 << 30, THP: "madvise",
		Caches: []Cache{{Level: 3, Type: "Unified", SizeBytes: 32 << 20, Instances: 1}}, Problems: []string{"NUMA layout unknown"}})
	for _, want := range []string{"AMD EPYC, 2 logical CPUs, 1 allowed", "24.0 GiB", "L3 32 MiB x1", "THP:     madvise", "note: NUMA layout unknown"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q:\n%s", want, b.String())
		}
	}
}

func TestWriteBenchfmt(t *testing.T) {
	p := &Probe{Mode: "quick",
		Bandwidth: &Bandwidth{ArrayBytes: 128 << 20, Results: []BandwidthResult{{Kernel: "triad", Threads: 2, BestSeconds: 0.01, BytesPerSecond: 4e10, WriteAllocateBytesPerSecond: 5.3e10}}},
		Latency:   &Latency{Results: []LatencyResult{{Bytes: 1 << 30, SecondsPerLoad: 1.6e-7}}},
		Gather:    &Gather{TableBytes: 4 << 30, RowBytes: 160, Batch: 32, Results: []GatherResult{{Mode: "batched", Threads: 1, RowsPerSecond: 5e7, BytesPerSecond: 8e9}}},
	}
	var b bytes.Buffer
	if err := WriteBenchfmt(&b, Host{OS: "linux", Arch: "amd64", CPUModel: "AMD EPYC"}, p); err != nil {
		t.Fatal(err)
	}
	want := `goos: linux
goarch: amd64
cpu: AMD EPYC
probe-mode: quick
BenchmarkProbe/stream/kernel=triad/threads=2/array=128MiB 1 0.01 sec/op 4e+10 B/s 5.3e+10 write-allocate-B/s
BenchmarkProbe/chase/bytes=1GiB 1 1.6e-07 sec/load
BenchmarkProbe/gather/mode=batched/threads=1/row=160/batch=32/table=4GiB 1 5e+07 rows/s 8e+09 B/s
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// benchstat's reader takes it without complaint.
	r := benchfmt.NewReader(strings.NewReader(b.String()), "probe.txt")
	n := 0
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			n++
		case *benchfmt.SyntaxError:
			t.Errorf("benchfmt: %v", rec)
		}
	}
	if n != 3 {
		t.Errorf("benchfmt read %d results", n)
	}
}

func TestRunProbeBadThreads(t *testing.T) {
	o := tinyOptions()
	o.Skip = []string{"gpu", "latency", "bandwidth"}
	o.Threads = []int{1 << 20}
	p, err := RunProbe(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Gather.Results) != 2 || p.Gather.Results[0].Threads != 1 || !strings.Contains(strings.Join(p.Notes, " "), "thread counts") {
		t.Errorf("gather %+v notes %v", p.Gather.Results, p.Notes)
	}
}
