package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/store"
)

// fakeNightlyRun replaces the run with one that writes a fixture run
// directory (and a report.md) and returns runErr.
func fakeNightlyRun(t *testing.T, dir *string, runErr error, write func() string) {
	t.Helper()
	old := nightlyRun
	t.Cleanup(func() { nightlyRun = old })
	nightlyRun = func(ctx context.Context, e env, args []string) (string, error) {
		d := write()
		if err := os.WriteFile(filepath.Join(d, reportFile), []byte("# report\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		*dir = d
		return d, runErr
	}
}

func TestNightlyGate(t *testing.T) {
	out := t.TempDir()
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	var dir string
	day := 24 * time.Hour

	// First night: nothing to compare with.
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-1", histT0, scoresA) })
	err, stdout, _ := callCmd(cmdNightly, "quick", "--store", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "No earlier complete run of suite quick with runners lookup, random") {
		t.Errorf("first night:\n%s", stdout)
	}

	// Second night: RULER improved for lookup; no regression.
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-2", histT0.Add(day), scoresB) })
	err, stdout, _ = callCmd(cmdNightly, "--store="+db, "quick")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "No significant accuracy regression of more than 0 percentage points since run quick-1") {
		t.Errorf("second night:\n%s", stdout)
	}

	// Third night: lookup lost RULER again (−40 pp, 12 discordant pairs).
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-3", histT0.Add(2*day), scoresA) })
	err, stdout, _ = callCmd(cmdNightly, "quick", "--store", db, "--max-regression", "5", "--trend", "3")
	if !errors.Is(err, errRegression) || !strings.Contains(err.Error(), "lookup ruler/task=niah_single_1/len=4096 -40.0 pp") {
		t.Fatalf("third night: %v", err)
	}
	report, _ := os.ReadFile(filepath.Join(dir, reportFile))
	nightly, _ := os.ReadFile(filepath.Join(dir, nightlyFile))
	if !strings.HasPrefix(string(report), "# report\n\n## Changes since last run") || !strings.HasSuffix(string(report), string(nightly)) {
		t.Errorf("report.md does not end with nightly.md:\n%s", report)
	}
	if stdout != "\n"+string(nightly) {
		t.Error("standard output is not the appended section")
	}
	checkHistoryGolden(t, "nightly.md", nightly)

	// quick-3 is the baseline now: the same scores again pass.
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-4", histT0.Add(3*day), scoresA) })
	if err, _, _ := callCmd(cmdNightly, "quick", "--store", db); err != nil {
		t.Errorf("fourth night, same as the third: %v", err)
	}
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-5", histT0.Add(4*day), scoresB) })
	if err, _, _ := callCmd(cmdNightly, "quick", "--store", db); err != nil {
		t.Errorf("fifth night, better: %v", err)
	}
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-6", histT0.Add(5*day), scoresA) })
	if err, _, _ := callCmd(cmdNightly, "quick", "--store", db, "--max-regression", "45"); err != nil {
		t.Errorf("a 40 pp drop with --max-regression 45: %v", err)
	}

	// The suite's threshold applies when the flag is not given.
	old := suiteNightlySettings
	t.Cleanup(func() { suiteNightlySettings = old })
	pp := 45.0
	suiteNightlySettings = func(results.Run) (nightlySettings, error) { return nightlySettings{MaxRegressionPP: &pp}, nil }
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-7", histT0.Add(6*day), scoresB) })
	callCmd(cmdNightly, "quick", "--store", db)
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-8", histT0.Add(7*day), scoresA) })
	if err, _, _ := callCmd(cmdNightly, "quick", "--store", db); err != nil {
		t.Errorf("within the suite's 45 pp: %v", err)
	}
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-9", histT0.Add(8*day), scoresB) })
	callCmd(cmdNightly, "quick", "--store", db)
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-10", histT0.Add(9*day), scoresA) })
	if err, _, _ := callCmd(cmdNightly, "quick", "--store", db, "--max-regression", "1"); !errors.Is(err, errRegression) {
		t.Errorf("the flag overrides the suite: %v", err)
	}

	// Every night is stored once.
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(context.Background(), store.RunFilter{Suite: "quick", CountSamples: true})
	if err != nil || len(runs) != 10 || runs[9].Stored != 120 {
		t.Errorf("stored: %d runs, %v", len(runs), err)
	}
}

// A run that stopped (interrupted, budget) is still stored and compared,
// and its own error wins over a regression.
func TestNightlyKeepsRunError(t *testing.T) {
	out := t.TempDir()
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	var dir string
	fakeNightlyRun(t, &dir, nil, func() string { return writeFixtureRun(t, out, "quick-1", histT0, scoresB) })
	if err, _, _ := callCmd(cmdNightly, "quick", "--store", db); err != nil {
		t.Fatal(err)
	}
	fakeNightlyRun(t, &dir, errBudget, func() string { return writeFixtureRun(t, out, "quick-2", histT0.Add(time.Hour), scoresA) })
	err, stdout, _ := callCmd(cmdNightly, "quick", "--store", db)
	if !errors.Is(err, errBudget) || !strings.Contains(stdout, "Compared with run quick-1") {
		t.Errorf("budget: %v\n%s", err, stdout)
	}
	// No run directory at all: run's error alone.
	old := nightlyRun
	defer func() { nightlyRun = old }()
	nightlyRun = func(context.Context, env, []string) (string, error) { return "", errors.New("no suite") }
	if err, _, _ := callCmd(cmdNightly, "quick", "--store", db); err == nil || err.Error() != "no suite" {
		t.Errorf("no run: %v", err)
	}
}

func TestNightlyUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--resume", "results/x"}, {"--trend", "0"}, {"--max-regression", "-1"}, {"--alpha", "2"},
	} {
		err, _, _ := callCmd(cmdNightly, args...)
		var ue usageError
		if !errorsAs(err, &ue) {
			t.Errorf("nightly %v: %v, want a usage error", args, err)
		}
	}
	if err, _, stderr := callCmd(cmdNightly, "-h"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "Usage: engrambench nightly") {
		t.Errorf("-h: %v\n%s", err, stderr)
	}
}

func TestSplitNightlyArgs(t *testing.T) {
	own, rest := splitNightlyArgs([]string{"nightly", "--store", "x.db", "--runner", "m=openai,model=y", "--max-regression=2",
		"-trend", "5", "--limit", "3", "--no-cache", "--", "--store"})
	if want := []string{"--store", "x.db", "--max-regression=2", "-trend", "5"}; !reflect.DeepEqual(own, want) {
		t.Errorf("own = %q, want %q", own, want)
	}
	if want := []string{"nightly", "--runner", "m=openai,model=y", "--limit", "3", "--no-cache", "--", "--store"}; !reflect.DeepEqual(rest, want) {
		t.Errorf("rest = %q, want %q", rest, want)
	}
}

// The real thing: nightly runs the quick suite offline through run, twice.
func TestNightlyRunsTheSuite(t *testing.T) {
	out := t.TempDir()
	db := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	for night := range 2 {
		err, stdout, stderr := callCmd(cmdNightly, "quick", "--out", out, "--limit", "2", "--store", db, "--resamples", "1000")
		if err != nil {
			t.Fatalf("night %d: %v\n%s", night, err, stderr)
		}
		if !strings.Contains(stdout, "## Changes since last run") || !strings.Contains(stdout, "## Trend over the last") {
			t.Errorf("night %d:\n%s", night, stdout)
		}
		if night == 1 && !strings.Contains(stdout, "#### Accuracy") {
			t.Errorf("the second night compares nothing:\n%s", stdout)
		}
	}
	entries, _ := os.ReadDir(out)
	var dirs []string
	for _, en := range entries {
		if en.IsDir() && !strings.HasPrefix(en.Name(), ".") {
			dirs = append(dirs, en.Name())
		}
	}
	if len(dirs) != 2 {
		t.Fatalf("%d run directories", len(dirs))
	}
	for _, name := range dirs {
		b, _ := os.ReadFile(filepath.Join(out, name, reportFile))
		if !strings.Contains(string(b), "## Results") || !strings.Contains(string(b), "## Changes since last run") {
			t.Errorf("%s/report.md lacks the report or the nightly section", name)
		}
	}
}
