package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/engrambench/engrambench/results"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds engrambench once for the subprocess tests.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "engrambench-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "engrambench")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// sampleSet is the (key, score, error) of every sample, sorted.
func sampleSet(t *testing.T, dir string) []string {
	t.Helper()
	run, samples, err := results.ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range samples {
		score := "nil"
		if s.Score != nil {
			score = fmt.Sprint(*s.Score)
		}
		out = append(out, fmt.Sprintf("%s score=%s err=%s extracted=%q", strings.TrimPrefix(s.Key, run.ID), score, s.Error, s.Extracted))
	}
	sort.Strings(out)
	return out
}

const killLimit = "12"

func TestSIGKILLAtRandomMomentsThenResume(t *testing.T) {
	bin := binary(t)
	refOut := t.TempDir()
	start := time.Now()
	if out, err := exec.Command(bin, "run", "--no-probe", "--out", refOut, "--limit", killLimit).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	full := time.Since(start)
	want := sampleSet(t, onlyRunDir(t, refOut))

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	landed := 0
	for try := range 4 {
		out := t.TempDir()
		cmd := exec.Command(bin, "run", "--no-probe", "--out", out, "--limit", killLimit)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the run directory, then kill somewhere inside the run.
		var dir string
		for dir == "" && time.Since(start) < time.Minute {
			dir = runDirIn(out)
			time.Sleep(time.Millisecond)
		}
		delay := time.Duration(rng.Float64() * float64(full) * 0.6)
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if dir == "" {
			t.Fatal("no run directory appeared")
		}
		run, err := results.ReadRun(dir)
		if err != nil {
			t.Fatalf("try %d: after SIGKILL: %v", try, err)
		}
		if run.Status == results.StatusRunning {
			landed++
		}
		if out, err := exec.Command(bin, "run", "--resume", dir).CombinedOutput(); err != nil {
			t.Fatalf("try %d: resume: %v\n%s", try, err, out)
		}
		got := sampleSet(t, dir)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("try %d (killed after %v): resumed run has %d samples, uninterrupted %d\nfirst resumed: %v\nfirst uninterrupted: %v",
				try, delay, len(got), len(want), first(got), first(want))
		}
		run, _ = results.ReadRun(dir)
		if run.Status != results.StatusComplete {
			t.Fatalf("try %d: resumed run status %s", try, run.Status)
		}
	}
	if landed == 0 {
		t.Fatalf("no SIGKILL landed inside a run (reference run took %v)", full)
	}
	t.Logf("%d of 4 kills landed mid-run; reference run %v", landed, full)
}

// runDirIn returns the run directory under out once it exists.
func runDirIn(out string) string {
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			return filepath.Join(out, e.Name())
		}
	}
	return ""
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestSIGINTWritesPartialReport(t *testing.T) {
	bin := binary(t)
	out := t.TempDir()
	cmd := exec.Command(bin, "run", "nightly", "--no-probe", "--out", out)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once some samples are on disk.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if d := runDirIn(out); d != "" {
			if st, err := os.Stat(filepath.Join(d, results.SamplesFile)); err == nil && st.Size() > 0 {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("want exit %d, got %v\n%s", exitInterrupted, err, stderr.String())
	}
	dir := onlyRunDir(t, out)
	run, err := results.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != results.StatusPartial || run.Finished == 0 || run.Finished >= run.Expected {
		t.Fatalf("after SIGINT: status %s, %d of %d", run.Status, run.Finished, run.Expected)
	}
	report, err := os.ReadFile(filepath.Join(dir, reportFile))
	if err != nil || !strings.Contains(string(report), "Partial run") {
		t.Fatalf("report not marked partial: %v\n%s", err, report)
	}
	samples, _ := results.ReadSamples(filepath.Join(dir, results.SamplesFile))
	if len(samples) != run.Finished {
		t.Fatalf("run.json says %d finished, samples.jsonl holds %d", run.Finished, len(samples))
	}
}
