package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/merge"
	"github.com/engrambench/engrambench/merge/mergetest"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/store"
	"github.com/engrambench/engrambench/store/storetest"
)

// TestMain stops the PostgreSQL server the store tests start.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// shardLimit keeps the quick suite small: 3 BBH tasks and one RULER cell
// of 8 instances, 2 runners: 64 samples.
const shardLimit = "8"

// callSub runs one subcommand function in-process as run does, mapping
// its error to run's exit codes (merge and plan are dispatched from
// main.go, which this file does not own).
func callSub(t testing.TB, f func(context.Context, env, []string) error, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := f(context.Background(), env{stdout: &out, stderr: &errb}, args)
	var ue usageError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ue):
		fmt.Fprintln(&errb, "engrambench:", err)
		return exitUsage, out.String(), errb.String()
	}
	fmt.Fprintln(&errb, "engrambench:", err)
	return exitFailure, out.String(), errb.String()
}

// runParallel starts one process per argument list and waits for all.
func runParallel(t *testing.T, bin string, argss [][]string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(argss))
	outs := make([][]byte, len(argss))
	for i, args := range argss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = exec.Command(bin, args...).CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range argss {
		if errs[i] != nil {
			t.Fatalf("%v: %v\n%s", argss[i], errs[i], outs[i])
		}
		if bytes.Contains(outs[i], []byte("warning")) {
			t.Logf("%v:\n%s", argss[i], outs[i])
		}
	}
}

func shardArgs(out, runID string, i, n int, extra ...string) []string {
	return append([]string{"run", "--out", out, "--limit", shardLimit, "--shard", fmt.Sprintf("%d/%d", i, n), "--run-id", runID, "--progress-every", "1h", "--no-probe"}, extra...)
}

var durationCell = regexp.MustCompile(`\d+(\.\d+)? ?(ns|µs|us|ms|s|m|h)\b`)

// reportTables returns the rows of every table of a report.md before its
// machine section, with what depends on the clock masked: columns whose
// header names a time (latency, TTFT, TPOT, duration), and any cell
// holding a duration. Headers (run id, start, host) are left out.
func reportTables(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text, _, _ := strings.Cut(string(b), "\n## Machine")
	var rows []string
	var timed []bool
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "|") {
			timed = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if timed == nil {
			timed = make([]bool, len(cells))
			for i, c := range cells {
				l := strings.ToLower(c)
				timed[i] = strings.Contains(l, "latency") || strings.Contains(l, "ttft") || strings.Contains(l, "tpot") || strings.Contains(l, "duration")
			}
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
			if i < len(timed) && timed[i] || durationCell.MatchString(cells[i]) {
				cells[i] = "~"
			}
		}
		rows = append(rows, strings.Join(cells, "|"))
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no tables", path)
	}
	return rows
}

// summaryLines returns summary.txt's benchmark lines without sec/op.
func summaryLines(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, summaryFile))
	if err != nil {
		t.Fatal(err)
	}
	secs := regexp.MustCompile(`\s+\S+ sec/op`)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			out = append(out, secs.ReplaceAllString(l, ""))
		}
	}
	return out
}

// sameRun fails unless dir holds the samples and report tables of ref.
func sameRun(t *testing.T, ref, dir string) {
	t.Helper()
	if got, want := sampleSet(t, dir), sampleSet(t, ref); !slices.Equal(got, want) {
		t.Fatalf("%s holds %d samples, the unsharded run %d\nfirst: %v\nwant:  %v", dir, len(got), len(want), first(got), first(want))
	}
	got, want := reportTables(t, filepath.Join(dir, reportFile)), reportTables(t, filepath.Join(ref, reportFile))
	if !slices.Equal(got, want) {
		t.Fatalf("report tables differ:\n%s\n--- unsharded:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, want := summaryLines(t, dir), summaryLines(t, ref); !slices.Equal(got, want) {
		t.Fatalf("summary.txt differs:\n%s\n--- unsharded:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func unsharded(t *testing.T, bin string) string {
	t.Helper()
	out := t.TempDir()
	if b, err := exec.Command(bin, "run", "--out", out, "--limit", shardLimit, "--no-probe").CombinedOutput(); err != nil {
		t.Fatalf("unsharded run: %v\n%s", err, b)
	}
	return onlyRunDir(t, out)
}

func TestFourShardProcessesMergeToTheUnshardedRun(t *testing.T) {
	bin := binary(t)
	ref := unsharded(t, bin)
	tmp := t.TempDir()
	shards := filepath.Join(tmp, "shards")
	var argss [][]string
	for i := range 4 {
		argss = append(argss, shardArgs(shards, "quick-r1", i, 4))
	}
	runParallel(t, bin, argss)
	dirs, _ := filepath.Glob(filepath.Join(shards, "quick-r1.shard-*"))
	if len(dirs) != 4 {
		t.Fatalf("shard directories: %v", dirs)
	}
	merged := filepath.Join(tmp, "quick-r1")
	code, stdout, stderr := callSub(t, cmdMerge, append(dirs, "--out", merged)...)
	if code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "| lookup") || !strings.Contains(stderr, "into run quick-r1: complete") {
		t.Fatalf("merge output:\n%s\n%s", stdout, stderr)
	}
	sameRun(t, ref, merged)
	run, _ := results.ReadRun(merged)
	if run.ID != "quick-r1" || run.Shards != 4 || len(run.ShardRuns) != 4 {
		t.Fatalf("merged run.json: id %s, shards %d, %d shard runs", run.ID, run.Shards, len(run.ShardRuns))
	}
	// `engrambench report` re-renders the merged run byte for byte.
	before, _ := os.ReadFile(filepath.Join(merged, reportFile))
	if code, _, stderr := runCLI(t, "report", merged); code != 0 {
		t.Fatalf("report: %d %s", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(merged, reportFile))
	if !bytes.Equal(before, after) {
		t.Fatal("report of the merged directory differs from merge's own")
	}
}

func TestMergeCommandErrors(t *testing.T) {
	bin := binary(t)
	tmp := t.TempDir()
	var argss [][]string
	for i := range 4 {
		argss = append(argss, shardArgs(filepath.Join(tmp, "a"), "a", i, 4))
	}
	argss = append(argss, shardArgs(filepath.Join(tmp, "b"), "b", 1, 2))
	runParallel(t, bin, argss)
	a, _ := filepath.Glob(filepath.Join(tmp, "a", "a.shard-*"))
	b, _ := filepath.Glob(filepath.Join(tmp, "b", "b.shard-*"))

	// Shards of another split are refused: exit 2.
	code, _, stderr := callSub(t, cmdMerge, a[0], a[1], b[0], "--out", filepath.Join(tmp, "x"))
	if code != exitUsage || !strings.Contains(stderr, "refusing to merge") || !strings.Contains(stderr, "different splits") {
		t.Fatalf("merge of two splits: exit %d\n%s", code, stderr)
	}
	// A missing shard: exit 1 with every missing key.
	_, missing, _ := results.ReadRunDir(a[3])
	code, _, stderr = callSub(t, cmdMerge, a[0], a[1], a[2], "--out", filepath.Join(tmp, "y"))
	if code != exitFailure || !strings.Contains(stderr, fmt.Sprintf("%d of 64 samples missing, from shard 3/4", len(missing))) || !strings.Contains(stderr, "--allow-partial") {
		t.Fatalf("merge without shard 3: exit %d\n%s", code, stderr)
	}
	if n := strings.Count(stderr, "(shard 3/4)"); n != len(missing) {
		t.Fatalf("%d keys listed, %d missing:\n%s", n, len(missing), stderr)
	}
	// With --allow-partial the run, and its report, say partial.
	code, stdout, stderr := callSub(t, cmdMerge, a[0], a[1], a[2], "--out", filepath.Join(tmp, "y"), "--allow-partial")
	if code != 0 || !strings.Contains(stdout, "Partial run") || !strings.Contains(stdout, "shard 3/4") || !strings.Contains(stderr, "partial:") {
		t.Fatalf("partial merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	run, _ := results.ReadRun(filepath.Join(tmp, "y"))
	if run.Status != results.StatusPartial || run.Finished != 64-len(missing) {
		t.Fatalf("partial run.json: %s, %d of %d", run.Status, run.Finished, run.Expected)
	}
	for _, c := range [][]string{{}, {a[0]}, {"--out", filepath.Join(tmp, "z")}} {
		if code, _, _ := callSub(t, cmdMerge, c...); code != exitUsage {
			t.Errorf("merge %v: exit %d, want %d", c, code, exitUsage)
		}
	}
}

func TestShardFlagErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--shard", "4/4"}, "0 ≤ I < N"},
		{[]string{"run", "--shard", "x"}, "want I/N"},
		{[]string{"run", "--shard", "0/2", "--resume", dir}, "takes no --shard"},
		{[]string{"run", "--run-id", "x", "--out", dir}, "goes with --shard"},
		{[]string{"run", "--shard", "0/2", "--run-id", "../x", "--out", dir}, "run id"},
		{[]string{"run", "serving", "--shard", "0/2", "--out", dir}, "load test"},
		{[]string{"run", "--shard", "0/2", "--store", "sqlite:" + filepath.Join(dir, "h.db"), "--out", dir}, "--run-id"},
		{[]string{"report", "--run", "x", dir}, "without --run"},
	}
	t.Setenv(runIDEnv, "")
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", c.args, code, c.want, stderr)
		}
	}
}

// lines counts the samples in dir/samples.jsonl.
func lines(dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, results.SamplesFile))
	return bytes.Count(b, []byte("\n"))
}

// waitForSamples waits until dir/samples.jsonl holds at least n lines, or
// the process ends.
func waitForSamples(dir string, n int, exited <-chan struct{}) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && lines(dir) < n {
		select {
		case <-exited:
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// startAndKill starts a command and SIGKILLs it once dir holds n samples.
func startAndKill(t *testing.T, cmd *exec.Cmd, dir string, n int) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	waitForSamples(dir, n, exited)
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

func TestKilledShardResumesAndASecondCopyIsRefused(t *testing.T) {
	bin := binary(t)
	ref := unsharded(t, bin)
	tmp := t.TempDir()
	shards := filepath.Join(tmp, "shards")
	runParallel(t, bin, [][]string{shardArgs(shards, "k", 0, 3), shardArgs(shards, "k", 2, 3)})

	// Shard 1 is killed at a random moment, then restarted with the same
	// command, as a Kubernetes pod or a requeued Slurm task would be.
	dir := filepath.Join(shards, "k.shard-1-of-3")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	for try := range 3 {
		before := lines(dir)
		startAndKill(t, exec.Command(bin, shardArgs(shards, "k", 1, 3)...), dir, before+1+rng.IntN(5))
		t.Logf("try %d: killed with %d samples on disk (%d before)", try, lines(dir), before)
	}
	// A second process for the shard while one holds it is refused.
	lock, err := os.OpenFile(filepath.Join(shards, ".k.shard-1-of-3.lock"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, shardArgs(shards, "k", 1, 3)...).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure || !strings.Contains(string(out), "already running") {
		t.Fatalf("a second copy of a running shard: %v\n%s", err, out)
	}
	lock.Close()
	// The restart resumes: no sample twice.
	if out, err := exec.Command(bin, shardArgs(shards, "k", 1, 3)...).CombinedOutput(); err != nil {
		t.Fatalf("restart: %v\n%s", err, out)
	}
	run, samples, err := results.ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, dups := results.Dedupe(samples); len(dups) > 0 || run.Status != results.StatusComplete || len(samples) != run.Expected || len(run.Resumed) == 0 {
		t.Fatalf("restarted shard: %s, %d samples of %d, %d duplicates, resumed %d times", run.Status, len(samples), run.Expected, len(dups), len(run.Resumed))
	}
	dirs, _ := filepath.Glob(filepath.Join(shards, "k.shard-*"))
	merged := filepath.Join(tmp, "merged")
	if code, _, stderr := callSub(t, cmdMerge, append(dirs, "--out", merged)...); code != 0 {
		t.Fatalf("merge: %s", stderr)
	}
	sameRun(t, ref, merged)
}

func TestShardsIntoSharedPostgreSQL(t *testing.T) {
	bin := binary(t)
	dsn := storetest.Postgres(t)
	ref := unsharded(t, bin)
	tmp := t.TempDir()
	const id = "quick-pg-1"
	// Each shard has a disk of its own: nothing is shared but the store.
	disk := func(i int) string { return filepath.Join(tmp, fmt.Sprintf("machine-%d", i)) }
	var argss [][]string
	for _, i := range []int{0, 1, 3} {
		argss = append(argss, shardArgs(disk(i), id, i, 4, "--store", dsn))
	}
	runParallel(t, bin, argss)

	// Three of four shards: report names the missing one.
	out, err := exec.Command(bin, "report", "--run", id, "--store", dsn).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "from shard 2/4") || !strings.Contains(string(out), "(shard 2/4)") {
		t.Fatalf("report with a shard missing: %v\n%s", err, out)
	}
	// report --wait waits for the last shard, which is killed once and
	// restarted on a fresh disk (a new pod): the store counts each sample
	// once.
	wait := exec.Command(bin, "report", "--run", id, "--store", dsn, "--wait", "90s", "--out", filepath.Join(tmp, "from-store"))
	var waitOut, waitErr bytes.Buffer
	wait.Stdout, wait.Stderr = &waitOut, &waitErr
	if err := wait.Start(); err != nil {
		t.Fatal(err)
	}
	startAndKill(t, exec.Command(bin, shardArgs(disk(2), id, 2, 4, "--store", dsn)...), filepath.Join(disk(2), id+".shard-2-of-4"), 3)
	// The same shard twice, at once, on two machines: upserts.
	runParallel(t, bin, [][]string{
		shardArgs(filepath.Join(tmp, "new-pod"), id, 2, 4, "--store", dsn),
		shardArgs(filepath.Join(tmp, "by-mistake"), id, 2, 4, "--store", dsn),
	})
	if err := wait.Wait(); err != nil {
		t.Fatalf("report --wait: %v\n%s", err, waitErr.String())
	}
	sameRun(t, ref, filepath.Join(tmp, "from-store"))

	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, err := st.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	n, err := merge.CountSamples(ctx, st, id)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != results.StatusComplete || run.Shards != 4 || n != run.Expected || run.Finished != n {
		t.Fatalf("store run: %s, %d shards, %d stored, %d finished, %d expected", run.Status, run.Shards, n, run.Finished, run.Expected)
	}
	// report --run now renders at once.
	code, stdout, stderr := runCLI(t, "report", "--run", id, "--store", dsn)
	if code != 0 || !strings.Contains(stdout, "Status: complete") {
		t.Fatalf("report --run: %d\n%s\n%s", code, stdout, stderr)
	}
}

// peakRSSSince runs f and returns the growth of this process's peak
// resident set (VmHWM, reset first through /proc/self/clear_refs): what f
// needed at most. Linux only; 0 elsewhere.
func peakRSSSince(f func()) uint64 {
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	f()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkMergeCommand16Shards1M is `engrambench merge` end to end on 16
// shards totalling 1,000,000 samples: the join (merge.Dirs) and the report
// rendered from the merged directory as `engrambench report` renders it,
// which holds every sample's results.Brief in memory. Compare BenchmarkMerge16Shards1M
// in package merge, the join alone. Run it with
//
//	go test ./cmd/engrambench -run '^$' -bench MergeCommand16Shards1M -benchtime 1x
func BenchmarkMergeCommand16Shards1M(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	dirs, total, err := mergetest.WriteShards(ctx, dir, 16, 100000, 50000, "bench", catalog.Default())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		out := filepath.Join(dir, fmt.Sprintf("merged-%d", i))
		var code int
		var stderr string
		var join, render time.Duration
		peak := peakRSSSince(func() {
			start := time.Now()
			code, _, stderr = callSub(b, cmdMerge, append(slices.Clone(dirs), "--out", out, "--no-report")...)
			join = time.Since(start)
			if code == 0 {
				start = time.Now()
				err = renderRun(out, io.Discard)
				render = time.Since(start)
			}
		})
		if code != 0 || err != nil {
			b.Fatalf("merge: exit %d %v\n%s", code, err, stderr)
		}
		b.ReportMetric(join.Seconds(), "join-s")
		b.ReportMetric(render.Seconds(), "render-s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(float64(total), "samples")
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
}
