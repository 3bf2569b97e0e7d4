package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/engram/store"
)

func smallStore(t testing.TB) *store.Store {
	t.Helper()
	m, _ := engram.BuiltinModel("demo")
	m = m.Scaled(0.002) // about 5 MB
	l, err := m.Layout()
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(l, engram.IdentityCompression(m.Vocab), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRun(t *testing.T) {
	s := smallStore(t)
	pts, err := Run(context.Background(), s, Options{Batches: []int{1, 256}, Threads: []int{1, 2}, Slice: 2 * time.Millisecond, Rounds: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 6 {
		t.Fatalf("%d points", len(pts))
	}
	for _, p := range pts {
		if !(p.RowsPerSec > 0 && p.ProbeRowsPerSec > 0 && p.Ratio > 0 && p.SecPerLookup > 0) || p.BytesPerSec != p.RowsPerSec*128 {
			t.Fatalf("%+v", p)
		}
		if d := p.SecPerTokLayer*float64(p.Batch*2) - p.SecPerLookup; d > 1e-12 || d < -1e-12 {
			t.Fatalf("per token per layer %v vs per lookup %v", p.SecPerTokLayer, p.SecPerLookup)
		}
	}
	vs := Verdicts(pts)
	if len(vs) != 3 || vs[0].AtBatch != 256 || vs[2].Mode != Streams {
		t.Fatalf("%+v", vs)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, pts); err != nil {
		t.Fatal(err)
	}
	WriteVerdicts(&b, vs)
	WriteBenchFormat(&b, pts)
	out := b.String()
	for _, want := range []string{"| model", "BenchmarkEngramGather/model=demo/scale=0.002/dtype=bf16/threads=2/mode=streams/batch=256 3 ", "probe-ratio", "target"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestProbeFunc(t *testing.T) {
	s := smallStore(t)
	called := 0
	p := ProbeFunc{Label: "fake", Func: func(ctx context.Context, table []byte, rowBytes, threads int, d time.Duration) (float64, error) {
		called++
		if rowBytes != 128 || len(table) != len(s.Table().Bytes()) {
			t.Errorf("probe got %d-byte rows of a %d-byte table", rowBytes, len(table))
		}
		return 1e6, nil
	}}
	pts, err := Run(context.Background(), s, Options{Batches: []int{4}, Threads: []int{1}, Slice: time.Millisecond, Rounds: 2, Probe: p})
	if err != nil {
		t.Fatal(err)
	}
	if called != 2 || pts[0].ProbeRowsPerSec != 1e6 {
		t.Fatalf("called %d, %+v", called, pts[0])
	}
}

func TestOverlap(t *testing.T) {
	s := smallStore(t)
	o, err := MeasureOverlap(context.Background(), s, OverlapOptions{Batch: 64, Threads: 1, Steps: 20, Compute: 200 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	if o.Lookup <= 0 || o.Compute < 200e-6 || o.Serial <= 0 || o.Pipelined <= 0 || o.Hidden < 0 || o.Hidden > 1 {
		t.Fatalf("%+v", o)
	}
	var b bytes.Buffer
	if err := WriteOverlap(&b, []Overlap{o}); err != nil || !strings.Contains(b.String(), "hidden") {
		t.Fatalf("%v %s", err, b.String())
	}
}

func TestGateCost(t *testing.T) {
	m, _ := engram.BuiltinModel("demo")
	m.Hidden = 64
	g, err := MeasureGate(m, 4, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if g.FLOPsPerToken != 4*64*1024+10*64 || g.SecondsPerToken <= 0 {
		t.Fatalf("%+v", g)
	}
	m.Hidden = 0
	if _, err := MeasureGate(m, 4, 1, 1); err == nil {
		t.Fatal("no hidden size: want an error")
	}
}

func TestMedian(t *testing.T) {
	if Median([]float64{3, 1, 2}) != 2 || Median([]float64{4, 1, 3, 2}) != 2.5 || Median(nil) != 0 {
		t.Fatal("median")
	}
	if s := Spread([]float64{1, 2, 3, 4, 5}); s != 2.0/3 {
		t.Fatalf("spread %v", s)
	}
	vs := Verdicts([]Point{
		{Threads: 1, Mode: Split, Batch: 16, Ratio: 0.1},
		{Threads: 1, Mode: Split, Batch: 256, Ratio: 0.7, ProbeSpread: 0.3},
		{Threads: 1, Mode: Split, Batch: 1024, Ratio: 0.9, ProbeSpread: 0.3},
		{Threads: 1, Mode: Split, Batch: 4096, Ratio: 0.85, ProbeSpread: 0.1},
	})
	if len(vs) != 1 || vs[0].Points != 3 || vs[0].MedianRatio != 0.85 || vs[0].MinRatio != 0.7 || vs[0].AtBatch != 256 || !vs[0].Pass || !vs[0].Noisy {
		t.Fatalf("%+v", vs)
	}
}
