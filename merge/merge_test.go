package merge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/execute"
	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/suites"
)

var testOpts = execute.Options{Version: "test", Host: func(context.Context) hardware.Host { return hardware.Host{OS: "test", Hostname: "h"} }}

func quickPlan(t testing.TB, suite string, limit int) *suites.Plan {
	t.Helper()
	cat := catalog.Default()
	s, err := suites.LoadArg(suite, cat)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Resolve(cat, limit)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runShards runs the quick suite at limit as n shards under out; runID ""
// gives each shard its own id.
func runShards(t testing.TB, out string, limit, n int, runID string) []string {
	t.Helper()
	var dirs []string
	for i := range n {
		p := quickPlan(t, "quick", limit)
		p.Shard = shard.Shard{I: i, N: n}
		o := testOpts
		o.RunID = runID
		res, err := execute.StartShard(context.Background(), p, out, catalog.Default(), o)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, res.Dir)
	}
	return dirs
}

// outcomes lists key, score, extracted and error of a run's samples,
// sorted: what must not change by sharding.
func outcomes(t testing.TB, dir string) []string {
	t.Helper()
	run, samples, err := results.ReadRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range samples {
		if s.RunID != run.ID {
			t.Fatalf("%s: sample %s has run id %s, the run %s", dir, s.Key, s.RunID, run.ID)
		}
		score := "nil"
		if s.Score != nil {
			score = fmt.Sprint(*s.Score)
		}
		out = append(out, fmt.Sprintf("%s score=%s extracted=%q err=%q", s.Key, score, s.Extracted, s.Error))
	}
	slices.Sort(out)
	return out
}

// untimed drops what depends on the clock from cells.
func untimed(cells []reports.Cell) []reports.Cell {
	out := slices.Clone(cells)
	for i := range out {
		c := &out[i]
		c.Timed, c.LatencyP50, c.LatencyP95, c.LatencyMean = 0, 0, 0, 0
		c.TTFTCount, c.TTFTMean, c.TPOTCount, c.TPOTMean = 0, 0, 0, 0
	}
	return out
}

// opts renders a report from the merged directory's files alone, as the
// command does (with renderRun).
func opts(partial bool) Options {
	return Options{Catalog: catalog.Default(), AllowPartial: partial, Render: func(dir string) error {
		run, samples, err := results.ReadRunDir(dir)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := reports.WriteReport(&b, run, reports.Aggregate(samples)); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "report.md"), b.Bytes(), 0o644)
	}}
}

func TestMergedShardsEqualTheWholeRun(t *testing.T) {
	const limit = 4
	whole, err := execute.Start(context.Background(), quickPlan(t, "quick", limit), t.TempDir(), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, runID := range []string{"shared-1", ""} {
		t.Run("run-id="+runID, func(t *testing.T) {
			tmp := t.TempDir()
			dirs := runShards(t, filepath.Join(tmp, "shards"), limit, 4, runID)
			slices.Reverse(dirs) // the order given does not matter
			out := filepath.Join(tmp, "merged")
			res, err := Dirs(context.Background(), dirs, out, opts(false))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := outcomes(t, out), outcomes(t, whole.Dir); !slices.Equal(got, want) {
				t.Fatalf("merged %d samples, whole run %d:\nfirst merged %v\nfirst whole  %v", len(got), len(want), got[:1], want[:1])
			}
			run, samples, _ := results.ReadRunDir(out)
			if run.Status != results.StatusComplete || run.Expected != whole.Run.Expected || run.Finished != len(samples) || run.Shards != 4 || len(run.ShardRuns) != 4 {
				t.Fatalf("merged run.json: status %s, %d of %d, shards %d/%d", run.Status, run.Finished, run.Expected, run.Shards, len(run.ShardRuns))
			}
			if run.Plan.Shard != (shard.Shard{}) || !bytes.Equal(planKey(run.Plan), planKey(whole.Run.Plan)) {
				t.Fatal("merged plan differs from the whole run's")
			}
			if runID != "" && run.ID != runID {
				t.Fatalf("merged run id %s, the shards shared %s", run.ID, runID)
			}
			// The figures, but for timing, are those of the whole run.
			_, wholeSamples, _ := results.ReadRunDir(whole.Dir)
			if !reflect.DeepEqual(untimed(reports.Aggregate(samples)), untimed(reports.Aggregate(wholeSamples))) {
				t.Fatal("merged cells differ from the whole run's")
			}
			// Merging again gives the same id and samples.
			res2, err := Dirs(context.Background(), dirs, filepath.Join(tmp, "again"), opts(false))
			if err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(filepath.Join(out, results.SamplesFile))
			b, _ := os.ReadFile(filepath.Join(res2.Dir, results.SamplesFile))
			if res2.Run.ID != res.Run.ID || !bytes.Equal(a, b) {
				t.Fatalf("a second merge differs: id %s vs %s", res2.Run.ID, res.Run.ID)
			}
			// A merged run resumes as a whole run: nothing left to do.
			o := testOpts
			again, err := execute.Resume(context.Background(), out, catalog.Default(), execute.ResumeOptions{}, o)
			if err != nil || again.Run.Status != results.StatusComplete || again.Run.Finished != whole.Run.Expected {
				t.Fatalf("resume of the merged run: %v, %+v", err, again.Run.Status)
			}
		})
	}
}

func TestMissingShardIsListedUnlessPartialIsAllowed(t *testing.T) {
	tmp := t.TempDir()
	dirs := runShards(t, tmp, 3, 4, "r")
	shard2, err := results.ReadRun(dirs[2])
	if err != nil {
		t.Fatal(err)
	}
	given := []string{dirs[0], dirs[1], dirs[3]}
	out := filepath.Join(tmp, "merged")
	_, err = Dirs(context.Background(), given, out, opts(false))
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("want a MissingError, got %v", err)
	}
	if len(me.Missing) != shard2.Expected || me.ByShard[2] != shard2.Expected || !slices.Equal(me.ShardsMissing(), []string{"2/4"}) {
		t.Fatalf("missing %d (by shard %v), shard 2 expected %d", len(me.Missing), me.ByShard, shard2.Expected)
	}
	_, samples2, _ := results.ReadRunDir(dirs[2])
	msg := err.Error()
	for _, s := range samples2 {
		idx, _ := shard.IndexOf(s.InstanceID, s.Cell)
		k := Key{s.Runner, s.Cell, idx, s.Repeat}.String()
		if !strings.Contains(msg, k+" (shard 2/4)") {
			t.Fatalf("the error does not list %s:\n%s", k, msg)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a failed merge left its output behind")
	}

	res, err := Dirs(context.Background(), given, out, opts(true))
	if err != nil {
		t.Fatal(err)
	}
	run, samples, _ := results.ReadRunDir(out)
	if run.Status != results.StatusPartial || run.Finished != len(samples) || run.Expected != len(samples)+shard2.Expected ||
		!strings.Contains(run.Message, "shard 2/4: "+fmt.Sprint(shard2.Expected)) || len(res.Missing) != shard2.Expected {
		t.Fatalf("partial merge: %s %d of %d: %s", run.Status, run.Finished, run.Expected, run.Message)
	}
	report, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if !strings.Contains(string(report), "Partial run") || !strings.Contains(string(report), "shard 2/4") {
		t.Fatalf("report of a partial merge:\n%s", report)
	}
}

func TestMergeRefusesShardsThatDoNotBelongTogether(t *testing.T) {
	tmp := t.TempDir()
	four := runShards(t, filepath.Join(tmp, "a"), 2, 4, "a")
	two := runShards(t, filepath.Join(tmp, "b"), 2, 2, "b")
	other := runShards(t, filepath.Join(tmp, "c"), 3, 4, "c") // another limit: another plan
	p := quickPlan(t, "nightly", 2)
	p.Shard = shard.Shard{I: 1, N: 4}
	o := testOpts
	o.RunID = "d"
	nightly, err := execute.StartShard(context.Background(), p, filepath.Join(tmp, "d"), catalog.Default(), o)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		dirs []string
		want string
	}{
		{"another split", []string{four[0], four[1], two[1]}, "shards of different splits"},
		{"another plan", []string{four[0], four[1], other[2], four[3]}, "has another plan than"},
		{"another suite", []string{four[0], nightly.Dir}, "is a run of suite nightly"},
		{"not a run", []string{four[0], tmp}, "not a run directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Dirs(context.Background(), c.dirs, filepath.Join(tmp, "out-"+c.name), opts(true))
			var mm *MismatchError
			if !errors.As(err, &mm) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want a refusal naming %q, got %v", c.want, err)
			}
		})
	}
	if !strings.Contains(planDiff(mustRun(t, four[0]).Plan, mustRun(t, other[0]).Plan), "limit 2 vs 3") {
		t.Error("planDiff does not name the limit")
	}

	// A sample moved into another shard's file is refused too.
	moved := filepath.Join(tmp, "moved")
	copyDir(t, four[0], moved)
	_, s1, _ := results.ReadRunDir(four[1])
	appendSample(t, moved, s1[0], mustRun(t, four[0]).ID)
	_, err = Dirs(context.Background(), []string{moved, four[1], four[2], four[3]}, filepath.Join(tmp, "out-moved"), opts(true))
	if err == nil || !strings.Contains(err.Error(), "belongs to shard 1/4, not 0/4") {
		t.Fatalf("a sample in the wrong shard: %v", err)
	}
	// And an output directory that holds something already.
	if _, err := Dirs(context.Background(), four, four[0], opts(true)); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("merge into a non-empty directory: %v", err)
	}
}

func TestShardRunTwiceCountsOnce(t *testing.T) {
	tmp := t.TempDir()
	dirs := runShards(t, filepath.Join(tmp, "a"), 3, 2, "")
	// The same shard run again by mistake, elsewhere: another run id,
	// other timings, the same outcomes.
	p := quickPlan(t, "quick", 3)
	p.Shard = shard.Shard{I: 1, N: 2}
	time.Sleep(10 * time.Millisecond) // a later start: the first copy is kept
	again, err := execute.StartShard(context.Background(), p, filepath.Join(tmp, "b"), catalog.Default(), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Dirs(context.Background(), append(dirs, again.Dir), filepath.Join(tmp, "merged"), opts(false))
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicates != again.Run.Finished || len(res.Conflicts) != 0 {
		t.Fatalf("duplicates %d (want %d), conflicts %v", res.Duplicates, again.Run.Finished, res.Conflicts)
	}
	run, samples, _ := results.ReadRunDir(res.Dir)
	if _, dups := results.Dedupe(samples); len(dups) > 0 || run.Finished != run.Expected || len(samples) != run.Expected {
		t.Fatalf("merged %d samples (%d duplicates) of %d", len(samples), len(dups), run.Expected)
	}
	if len(run.ShardRuns) != 3 || run.ShardRuns[2].Samples != 0 {
		t.Fatalf("shard runs: %+v", run.ShardRuns)
	}

	// A copy with another outcome is a conflict: reported, the first kept.
	conflicted := filepath.Join(tmp, "c")
	copyDir(t, again.Dir, conflicted)
	_, ss, _ := results.ReadRunDir(conflicted)
	ss[0].Response, ss[0].Extracted = "something else", "else"
	writeSamples(t, conflicted, ss)
	res, err = Dirs(context.Background(), append(slices.Clone(dirs), conflicted), filepath.Join(tmp, "merged2"), opts(false))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Conflicts, []string{ss[0].Key}) || res.Duplicates != len(ss)-1 {
		t.Fatalf("conflicts %v, duplicates %d", res.Conflicts, res.Duplicates)
	}
	_, merged, _ := results.ReadRunDir(res.Dir)
	for _, s := range merged {
		if s.Key == ss[0].Key && s.Extracted == "else" {
			t.Fatal("the later copy of a conflicting sample was kept")
		}
	}
}

func TestTornLastLineIsNotASample(t *testing.T) {
	tmp := t.TempDir()
	dirs := runShards(t, filepath.Join(tmp, "a"), 2, 2, "t")
	f, err := os.OpenFile(filepath.Join(dirs[0], results.SamplesFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"key":"lookup|half a line`)
	f.Close()
	res, err := Dirs(context.Background(), dirs, filepath.Join(tmp, "m"), opts(false))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(res.Dir, results.SamplesFile))
	if bytes.Contains(b, []byte("half a line")) || !bytes.HasSuffix(b, []byte("\n")) {
		t.Fatal("a torn line was copied")
	}
}

func TestBuiltinInstanceIDsGiveTheirIndex(t *testing.T) {
	for _, name := range []string{"quick", "nightly"} {
		p := quickPlan(t, name, 3)
		for _, pt := range p.Tasks {
			v := pt.Params.Clone()
			v["n"] = 3
			for in, err := range pt.Set.Instances(context.Background(), v) {
				if err != nil {
					t.Fatal(err)
				}
				if i, err := shard.IndexOf(in.ID, in.Cell()); err != nil || i != in.Index {
					t.Fatalf("%s: IndexOf = %d, %v; Index %d", in.ID, i, err, in.Index)
				}
			}
		}
	}
}

func mustRun(t *testing.T, dir string) results.Run {
	t.Helper()
	r, err := results.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func writeSamples(t *testing.T, dir string, ss []results.Sample) {
	t.Helper()
	os.Remove(filepath.Join(dir, results.SamplesFile))
	w, err := results.OpenWriter(filepath.Join(dir, results.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		w.Write(s)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func appendSample(t *testing.T, dir string, s results.Sample, runID string) {
	t.Helper()
	_, ss, _ := results.ReadRunDir(dir)
	s.RunID = runID
	writeSamples(t, dir, append(ss, s))
}
