package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/results"
)

// runCLI calls run in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// onlyRunDir returns the single run directory under out.
func onlyRunDir(t *testing.T, out string) string {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != 1 {
		t.Fatalf("want one run directory in %s, got %v", out, dirs)
	}
	return filepath.Join(out, dirs[0])
}

func TestRunQuickWritesTheFourFiles(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--out", out, "--limit", "3")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	dir := onlyRunDir(t, out)
	for _, f := range []string{results.RunFile, results.SamplesFile, reportFile, summaryFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	run, samples, err := results.ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != results.StatusComplete || run.Finished != run.Expected || len(samples) != run.Expected {
		t.Fatalf("run %s: status %s, %d of %d, %d in file", run.ID, run.Status, run.Finished, run.Expected, len(samples))
	}
	// 3 BBH tasks + 1 RULER cell, 3 instances each, 2 runners.
	if run.Expected != 4*3*2 {
		t.Errorf("expected %d samples, want 24", run.Expected)
	}
	if !strings.Contains(stdout, "| lookup") || !strings.Contains(stdout, "| random") {
		t.Errorf("report on stdout lacks runners:\n%s", stdout)
	}
	for _, s := range samples {
		if s.Error != "" {
			t.Errorf("offline sample failed: %s: %s", s.Key, s.Error)
		}
	}

	// report re-renders the same files from run.json and samples.jsonl alone.
	before, _ := os.ReadFile(filepath.Join(dir, reportFile))
	sumBefore, _ := os.ReadFile(filepath.Join(dir, summaryFile))
	os.Remove(filepath.Join(dir, reportFile))
	os.Remove(filepath.Join(dir, summaryFile))
	if code, _, stderr := runCLI(t, "report", dir); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(dir, reportFile))
	sumAfter, _ := os.ReadFile(filepath.Join(dir, summaryFile))
	if !bytes.Equal(before, after) || !bytes.Equal(sumBefore, sumAfter) {
		t.Error("report re-rendered from files differs from the run's own")
	}
}

func TestBadInputGetsOneClearMessage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nrunners:\n  a: {kind: nope}\ntasks:\n  - set: bbh-gen\n    n: lots\n"), 0o644)
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, []byte("x"), 0o644)

	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"broken suite", []string{"run", bad, "--out", dir}, 2, []string{"2 problem(s)", "bad.yaml:3:", `unknown runner kind "nope"`, "bad.yaml:6:", "n wants an integer"}},
		{"unknown flag", []string{"run", "--bogus"}, 2, []string{"flag provided but not defined: -bogus"}},
		{"unknown suite", []string{"run", "no-such-suite"}, 2, []string{"not a built-in suite"}},
		{"bad runner flag", []string{"run", "--runner", "x=nope", "--out", dir}, 2, []string{`unknown runner kind "nope"`}},
		{"unwritable out", []string{"run", "--out", filepath.Join(blocker, "sub"), "--limit", "1"}, 1, []string{"output directory"}},
		{"resume of nothing", []string{"run", "--resume", dir}, 1, []string{"not a run directory"}},
		{"resume with suite", []string{"run", "quick", "--resume", dir}, 2, []string{"--resume continues the plan"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{"no command", nil, 2, []string{"Usage:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
	// Nothing half-written: only the suite file and the blocker remain.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("failed commands left files behind: %v", names)
	}
}

func TestListAndTasks(t *testing.T) {
	code, stdout, stderr := runCLI(t, "list")
	if code != 0 {
		t.Fatalf("list: %d %s", code, stderr)
	}
	for _, w := range []string{"quick", "nightly", "lookup", "random", "bbh-gen", "ruler"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("list lacks %q", w)
		}
	}
	code, stdout, stderr = runCLI(t, "tasks", "check", "--limit", "3")
	if code != 0 {
		t.Fatalf("tasks check: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "FAIL") || !strings.Contains(stdout, "reference answers score 1") {
		t.Errorf("tasks check output:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, "tasks", "show", "bbh-gen/word_sorting", "--index", "2")
	if code != 0 || !strings.Contains(stdout, "task=word_sorting") || !strings.Contains(stdout, "reference answers") {
		t.Fatalf("tasks show: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "tasks", "show", "nope/x")
	if code != 2 || !strings.Contains(stderr, "unknown task set") {
		t.Errorf("tasks show of an unknown set: %d %s", code, stderr)
	}
}
