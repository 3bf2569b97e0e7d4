package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }

func TestCompareRunDirs(t *testing.T) {
	out := t.TempDir()
	a := writeFixtureRun(t, out, "quick-a", histT0, scoresA)
	b := writeFixtureRun(t, out, "quick-b", histT0.Add(24*time.Hour), scoresB)
	file := filepath.Join(t.TempDir(), "cmp.md")
	err, stdout, stderr := callCmd(cmdCompare, a, b, "--out", file)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	checkHistoryGolden(t, "compare-runs.md", []byte(stdout))
	if b, _ := os.ReadFile(file); string(b) != stdout {
		t.Error("--out differs from standard output")
	}
	// From the store, by run id: the same comparison.
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	if err, _, _ := callCmd(cmdStore, "import", "--store", db, a, b); err != nil {
		t.Fatal(err)
	}
	err, fromStore, _ := callCmd(cmdCompare, "--store", db, "quick-a", "quick-b")
	if err != nil || fromStore != stdout {
		t.Errorf("from the store: %v\n%s", err, fromStore)
	}
}

func TestCompareRunners(t *testing.T) {
	dir := writeFixtureRun(t, t.TempDir(), "quick-a", histT0, scoresA)
	err, stdout, _ := callCmd(cmdCompare, dir, "--runners", "random,lookup")
	if err != nil {
		t.Fatal(err)
	}
	checkHistoryGolden(t, "compare-runners.md", []byte(stdout))

	err, _, _ = callCmd(cmdCompare, dir, "--runners", "random,engram")
	var ue usageError
	if !errorsAs(err, &ue) || !strings.Contains(err.Error(), `no runner "engram" (it has: lookup, random)`) {
		t.Errorf("unknown runner: %v", err)
	}
	for _, args := range [][]string{
		{dir}, {dir, dir, dir}, {dir, "--runners", "a"}, {dir, "--runners", "a,a"}, {dir, dir, "--runners", "a,b"},
		{dir, dir, "--alpha", "1.5"}, {dir, dir, "--resamples", "10"},
	} {
		err, _, _ := callCmd(cmdCompare, args...)
		if !errorsAs(err, &ue) {
			t.Errorf("compare %v: %v, want a usage error", args, err)
		}
	}
}
