package sizing

import (
	"bytes"
	"github.com/engrambench/engrambench/internal/golden"
	"path/filepath"
	"testing"

	"github.com/engrambench/engrambench/engram"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestRenderGolden(t *testing.T) {
	one := GatherPoint{Threads: 1, RowBytes: 160, RowsPerSec: 30e6}
	var machines []Machine
	for _, spec := range []string{"ddr5-4800x8,gen4,h100", "ddr5-6400x12,gen5,h200,cores=16"} {
		m, err := ParsePreset(spec, one)
		if err != nil {
			t.Fatal(err)
		}
		machines = append(machines, m)
	}
	small := testMachine()
	small.HostMemoryBytes = 24e9
	machines = append(machines, small)
	w := Workload{DecodeBatch: 64, DecodeTokensPerSec: 3000, PrefillTokensPerSec: 20000, SeqLenMin: 100, SeqLenMax: 1024}
	var rs []Result
	for _, name := range []string{"demo", "engram-27b", "engram-40b"} {
		mdl, _ := engram.BuiltinModel(name)
		for _, mc := range machines {
			r, err := Evaluate(mdl, engram.BF16, mc, w, Prices{GPUPerGBMonth: 5, DRAMPerGBMonth: 0.5})
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, rs); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	if err := WriteDeployment(&b, rs); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	WriteNotes(&b, Notes(rs))
	checkGolden(t, "size.md", b.Bytes())

	off, _ := engram.BuiltinModel("offload-100b")
	h800, _ := ParsePreset("ddr5-5600x12,h800", one)
	rows, err := OffloadClaim(off, h800)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := WriteClaim(&b, rows); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "claim.md", b.Bytes())
}
