package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/engrambench/engrambench/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/store"
)

func checkHistoryGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

// callCmd runs one of the history commands in-process.
func callCmd(f func(context.Context, env, []string) error, args ...string) (error, string, string) {
	var out, errb bytes.Buffer
	err := f(context.Background(), env{stdout: &out, stderr: &errb}, args)
	return err, out.String(), errb.String()
}

var histT0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

var histCells = []string{"bbh-gen/task=word_sorting/shots=3", "ruler/task=niah_single_1/len=4096"}

// writeFixtureRun writes a complete run directory of suite quick with
// runners lookup and random, 30 instances per cell; score(runner, cell,
// i) < 0 is a request error.
func writeFixtureRun(t *testing.T, out, id string, start time.Time, score func(runner string, cell, i int) float64) string {
	t.Helper()
	dir := filepath.Join(out, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run := results.Run{
		ID: id, Suite: "quick", SuiteFrom: "builtin:quick", Status: results.StatusComplete,
		Start: start, End: start.Add(90 * time.Second), Version: "test", GoVersion: "go1.26.8",
		Plan: results.Plan{
			Runners: []results.PlanRunner{{Name: "lookup", Kind: "lookup"}, {Name: "random", Kind: "random"}},
			Tasks:   []results.PlanTask{{Set: "bbh-gen"}, {Set: "ruler"}},
		},
	}
	var samples []results.Sample
	for _, r := range run.Plan.Runners {
		for ci, cell := range histCells {
			set, rest, _ := strings.Cut(cell, "/task=")
			task, _, _ := strings.Cut(rest, "/")
			for i := range 30 {
				iid := fmt.Sprintf("%s/%04d-%08x", cell, i, i*131+ci)
				s := results.Sample{
					Key: results.SampleKey(r.Name, iid, 0), RunID: id, Runner: r.Name, Set: set, Task: task, Cell: cell,
					InstanceID: iid, Response: "x", Extracted: "x",
					Usage:  runners.Usage{PromptTokens: 50, CompletionTokens: 3},
					Timing: results.SampleTiming{LatencyS: 0.001 * float64(1+i%5)},
				}
				if v := score(r.Name, ci, i); v < 0 {
					s.Error, s.ErrorKind = "HTTP 500", results.ErrRequest
				} else {
					s.Score = &v
				}
				samples = append(samples, s)
			}
		}
	}
	run.Expected, run.Finished = len(samples), len(samples)
	if err := results.WriteRun(dir, run); err != nil {
		t.Fatal(err)
	}
	w, err := results.OpenWriter(filepath.Join(dir, results.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Scores of the fixtures: lookup solves 18 of 30 (B: all 30 of RULER),
// random half, with one request error.
func scoresA(runner string, cell, i int) float64 {
	if runner == "lookup" {
		return b2f(i < 18)
	}
	if i == 29 {
		return -1
	}
	return float64(i % 2)
}

func scoresB(runner string, cell, i int) float64 {
	if runner == "lookup" && cell == 1 {
		return 1
	}
	return scoresA(runner, cell, i)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestStoreImportAndRuns(t *testing.T) {
	out := t.TempDir()
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	a := writeFixtureRun(t, out, "quick-a", histT0, scoresA)
	b := writeFixtureRun(t, out, "quick-b", histT0.Add(24*time.Hour), scoresB)
	for range 2 { // a second import changes nothing
		err, stdout, stderr := callCmd(cmdStore, "import", "--store", db, a, b)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if !strings.Contains(stdout, "quick-a, 120 samples (complete, 120 of 120 finished)") || !strings.Contains(stderr, "stored in sqlite:") {
			t.Errorf("import output:\n%s\n%s", stdout, stderr)
		}
	}
	err, stdout, _ := callCmd(cmdStore, "runs", "--store", db, "--suite", "quick")
	if err != nil {
		t.Fatal(err)
	}
	checkHistoryGolden(t, "store-runs.txt", []byte(stdout))

	// $ENGRAMBENCH_STORE is the default store.
	t.Setenv(storeEnv, db)
	if err, stdout, _ := callCmd(cmdStore, "runs", "--limit", "1"); err != nil || !strings.Contains(stdout, "quick-b") || strings.Contains(stdout, "quick-a") {
		t.Errorf("runs --limit 1 from $%s: %v\n%s", storeEnv, err, stdout)
	}
	if err, stdout, _ := callCmd(cmdStore, "runs", "--suite", "none"); err != nil || stdout != "no runs stored\n" {
		t.Errorf("no runs: %v %q", err, stdout)
	}
}

func TestStoreUsage(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	for _, args := range [][]string{
		nil, {"nope"}, {"import", "--store", db}, {"runs", "--store", db, "extra"}, {"runs", "--limit", "-1"},
	} {
		err, _, _ := callCmd(cmdStore, args...)
		var ue usageError
		if !errorsAs(err, &ue) {
			t.Errorf("store %v: %v, want a usage error", args, err)
		}
	}
	err, _, _ := callCmd(cmdStore, "import", "--store", db, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "is not a run directory") {
		t.Errorf("importing a non-run directory: %v", err)
	}
}

func TestExport(t *testing.T) {
	out := t.TempDir()
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	dir := writeFixtureRun(t, out, "quick-a", histT0, scoresA)

	err, stdout, _ := callCmd(cmdExport, dir, "--csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(recs) != 121 || recs[0][0] != "run_id" {
		t.Fatalf("per-sample CSV: %d records, %v", len(recs), err)
	}
	err, stdout, _ = callCmd(cmdExport, "--per-task", "--csv", dir)
	if err != nil {
		t.Fatal(err)
	}
	checkHistoryGolden(t, "export-tasks.csv", []byte(stdout))

	// The same run from the store, by id, as JSON.
	if err, _, _ := callCmd(cmdStore, "import", "--store", db, dir); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "tasks.json")
	if err, _, _ := callCmd(cmdExport, "quick-a", "--json", "--per-task", "--store", db, "--out", file); err != nil {
		t.Fatal(err)
	}
	var rows []store.TaskRow
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 4 || rows[2].Runner != "random" || rows[2].RequestErrors != 1 {
		t.Errorf("per-task JSON from the store: %v %+v", err, rows)
	}
	err, stdout, _ = callCmd(cmdExport, "quick-a", "--json", "--store", db)
	var samples []store.SampleRow
	if err != nil || json.Unmarshal([]byte(stdout), &samples) != nil || len(samples) != 120 {
		t.Errorf("per-sample JSON from the store: %v, %d rows", err, len(samples))
	}
	if err, fromDir, _ := callCmd(cmdExport, dir, "--json"); err != nil || fromDir != stdout {
		t.Errorf("per-sample JSON differs between the directory and the store (%v)", err)
	}

	// A directory holding a sample twice is damaged: said, not exported.
	lines, _ := os.ReadFile(filepath.Join(dir, results.SamplesFile))
	first, _, _ := strings.Cut(string(lines), "\n")
	os.WriteFile(filepath.Join(dir, results.SamplesFile), append(lines, first+"\n"...), 0o644)
	if err, _, _ := callCmd(cmdExport, dir, "--csv"); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("export of a directory with a duplicate sample: %v", err)
	}

	for _, args := range [][]string{{dir}, {dir, "--csv", "--json"}, {"--csv"}, {"no-such-run", "--csv", "--store", db}, {"./no/such/dir", "--csv"}} {
		err, _, _ := callCmd(cmdExport, args...)
		var ue usageError
		if !errorsAs(err, &ue) {
			t.Errorf("export %v: %v, want a usage error", args, err)
		}
	}
}
