package hardware

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/hardware/cref"
)

func TestCalibrateTiny(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found")
	}
	c, err := Calibrate(context.Background(), CalibrateOptions{
		Rounds:     1,
		ChaseLoads: 1 << 14,
		GatherTime: 20 * time.Millisecond,
		Probe: Options{
			StreamArrayBytes: 2 << 20,
			ChaseMaxBytes:    1 << 20,
			GatherTableBytes: 2 << 20,
			Threads:          []int{1},
		},
	})
	if err != nil {
		if strings.Contains(err.Error(), "fopenmp") || strings.Contains(err.Error(), "omp.h") {
			t.Skip("gcc without OpenMP:", err)
		}
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Compiler, "gcc") || c.Flags != "-O3 -march=native -fopenmp" || len(c.Pairs) != 3 {
		t.Fatalf("calibration = %+v", c)
	}
	names := []string{"triad/threads=1/array=2MiB", "chase/bytes=1MiB", "gather/mode=batched/threads=1/row=160/batch=32/table=2MiB"}
	for i, p := range c.Pairs {
		if p.Name != names[i] || p.Go <= 0 || p.C <= 0 || p.Ratio <= 0 || len(p.GoRuns) != 1 || len(p.CRuns) != 1 {
			t.Errorf("pair %d = %+v", i, p)
		}
	}
	var b bytes.Buffer
	if err := WriteCalibration(&b, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| chase/bytes=1MiB") || !strings.Contains(b.String(), "Go/C") {
		t.Errorf("text:\n%s", b.String())
	}
}

func TestCalibrateNoCompiler(t *testing.T) {
	_, err := Calibrate(context.Background(), CalibrateOptions{CC: "no-such-cc-here"})
	if !errors.Is(err, cref.ErrNoCompiler) {
		t.Fatalf("err = %v", err)
	}
}

func TestCalibrationPair(t *testing.T) {
	p := CalibrationPair{lower: true, lo: 0.85, hi: 1.15}
	for _, v := range []float64{120, 100, 110} {
		p.add(true, v)
	}
	p.add(false, 95)
	p.add(false, 90)
	p.finish()
	if want := (120.0/95 + 100.0/90) / 2; p.Go != 100 || p.C != 90 || !p.Met || len(p.GoRuns) != 3 || p.PairedRatio != want {
		t.Errorf("%+v", p)
	}
	q := CalibrationPair{lo: 0.9, hi: 1.1}
	q.add(true, 60)
	q.add(false, 80)
	q.finish()
	if q.Ratio != 0.75 || q.Met || q.PairedRatio != 0.75 {
		t.Errorf("%+v", q)
	}
}

func TestOmpEnv(t *testing.T) {
	got := strings.Join(ompEnv([]int{2, 0}), " ")
	if got != "OMP_NUM_THREADS=2 OMP_PROC_BIND=close OMP_PLACES={2},{0}" {
		t.Errorf("ompEnv = %q", got)
	}
	if got := strings.Join(ompEnv([]int{-1}), " "); got != "OMP_NUM_THREADS=1" {
		t.Errorf("unpinned ompEnv = %q", got)
	}
}
