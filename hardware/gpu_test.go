package hardware

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Recorded from `nvidia-smi --query-gpu=<smiQuery()> --format=csv,noheader,nounits`
// on a two-GPU H100 box, one GPU under load; a laptop GPU that reports
// no power; and an old board.
const smiH100 = `0, NVIDIA H100 80GB HBM3, GPU-5f0c3c8e-2b1c-8f4e-0d7e-6a1b2c3d4e5f, 550.54.15, 81559, 74210, 6826, 97, 61, 612.45, 700.00, 5, 5, 16, 16, 1980, 2619, 1980, 2619
1, NVIDIA H100 80GB HBM3, GPU-9a8b7c6d-5e4f-3a2b-1c0d-ffeeddccbbaa, 550.54.15, 81559, 4, 81015, 0, 0, 69.12, 700.00, 1, 5, 16, 16, 345, 2619, 1980, 2619
`

const smiLaptop = `0, NVIDIA GeForce RTX 3050 Laptop GPU, GPU-0000, 535.104.05, 4096, 5, 3932, 0, 0, [N/A], [N/A], 1, 4, 8, 16, 210, 405, 2100, 6001
`

func TestParseSMI(t *testing.T) {
	g, err := parseSMI([]byte(smiH100))
	if err != nil {
		t.Fatal(err)
	}
	if g.Source != "nvidia-smi" || g.Driver != "550.54.15" || len(g.Devices) != 2 {
		t.Fatalf("parsed %+v", g)
	}
	d := g.Devices[0]
	if d.Name != "NVIDIA H100 80GB HBM3" || *d.MemoryTotalBytes != 81559<<20 || *d.MemoryUsedBytes != 74210<<20 ||
		*d.UtilizationGPU != 0.97 || *d.PowerWatts != 612.45 || *d.PowerLimitWatts != 700 ||
		*d.PCIeGen != 5 || *d.PCIeWidth != 16 || *d.ClockSMHz != 1980e6 || *d.ClockMemMaxHz != 2619e6 {
		t.Errorf("device 0: %+v", d)
	}
	if len(d.Notes) != 0 || d.EnergyJoules != nil {
		t.Errorf("device 0 notes %v, energy %v", d.Notes, d.EnergyJoules)
	}
	if g.Devices[1].Index != 1 || *g.Devices[1].PCIeGen != 1 {
		t.Errorf("device 1: %+v", g.Devices[1])
	}
	if got := g.String(); got != "2 x NVIDIA H100 80GB HBM3 (driver 550.54.15, nvidia-smi)" {
		t.Errorf("String = %q", got)
	}

	g, err = parseSMI([]byte(smiLaptop))
	if err != nil {
		t.Fatal(err)
	}
	d = g.Devices[0]
	if d.PowerWatts != nil || d.PowerLimitWatts != nil || len(d.Notes) != 2 || !strings.Contains(d.Notes[0], "power.draw: [N/A]") {
		t.Errorf("missing power: %+v notes %v", d, d.Notes)
	}
	if *d.MemoryTotalBytes != 4<<30 {
		t.Errorf("memory %d", *d.MemoryTotalBytes)
	}
}

func TestParseSMIBad(t *testing.T) {
	for _, in := range []string{"", "\n", "0, only, three\n", "x, a, b, c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n", "\"unterminated\n"} {
		if g, err := parseSMI([]byte(in)); err == nil {
			t.Errorf("parseSMI(%q) = %+v, want an error", in, g)
		}
	}
}

// fakeSMI puts an nvidia-smi that prints out (or fails) first on PATH.
func fakeSMI(t *testing.T, script string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell script")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nvidia-smi"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestReadSMIGPUs(t *testing.T) {
	fakeSMI(t, "case \"$1\" in --query-gpu=index,name,uuid,driver_version,memory.total,*) ;; *) exit 9;; esac\ncat <<'EOF'\n"+smiH100+"EOF\n")
	g, err := readSMIGPUs(context.Background(), "nvidia-smi")
	if err != nil || len(g.Devices) != 2 {
		t.Fatalf("readSMIGPUs = %+v, %v", g, err)
	}
	src := smiSource{path: "nvidia-smi"}
	rs, err := src.Sample(context.Background())
	if err != nil || len(rs) != 6 || rs[0].Name != "gpu_memory_used/gpu=0" || rs[1].Unit != "watts" || rs[1].Value != 612.45 {
		t.Fatalf("smi sample = %+v, %v", rs, err)
	}
}

func TestReadSMIFailure(t *testing.T) {
	fakeSMI(t, "echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.' >&2\nexit 9\n")
	_, err := readSMIGPUs(context.Background(), "nvidia-smi")
	if err == nil || !strings.Contains(err.Error(), "could not communicate") {
		t.Fatalf("err = %v", err)
	}
}

// On a machine without the driver (this one, CI) there is no GPU and
// nothing breaks.
func TestReadGPUsNoDriver(t *testing.T) {
	if _, err := os.Stat("/proc/driver/nvidia"); err == nil {
		t.Skip("this machine has an NVIDIA driver")
	}
	t.Setenv("PATH", t.TempDir())
	g := ReadGPUs(context.Background())
	if len(g.Devices) != 0 || g.String() != "no GPU" || len(g.Notes) < 2 {
		t.Fatalf("ReadGPUs = %+v", g)
	}
	if _, err := GPUSource(); err == nil || !strings.Contains(err.Error(), "no GPU") {
		t.Fatalf("GPUSource err = %v", err)
	}
}
