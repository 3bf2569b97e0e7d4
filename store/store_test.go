package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// backends runs f against a fresh SQLite file and a fresh PostgreSQL
// database (skipped, with the reason, where PostgreSQL is not installed).
func backends(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, "sqlite:"+filepath.Join(t.TempDir(), "history.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, storetest.Postgres(t))
	})
}

func openT(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

func mkRun(id, suite string, start time.Time, status string, runnerNames ...string) results.Run {
	r := results.Run{
		ID: id, Suite: suite, SuiteFrom: "builtin:" + suite, Status: status,
		Start: start, End: start.Add(time.Hour), Version: "test", GoVersion: "go1.26.8",
		Host: hardware.Host{OS: "linux", Arch: "amd64", LogicalCPUs: 2},
	}
	for _, n := range runnerNames {
		r.Plan.Runners = append(r.Plan.Runners, results.PlanRunner{Name: n, Kind: "lookup", Params: map[string]any{"x": 1.5}})
	}
	r.Plan.Tasks = []results.PlanTask{{Set: "bbh-gen", Params: map[string]any{"n": 3.0}}}
	return r
}

// mkSamples makes n instances per cell per runner; score(i) < 0 makes a
// request error, a score of 2 a scorer error.
func mkSamples(run results.Run, cells []string, n int, score func(runner string, i int) float64) []results.Sample {
	var out []results.Sample
	for _, pr := range run.Plan.Runners {
		for _, cell := range cells {
			set, rest, _ := strings.Cut(cell, "/task=")
			task, _, _ := strings.Cut(rest, "/")
			for i := range n {
				id := fmt.Sprintf("%s/%04d-abcd", cell, i)
				s := results.Sample{
					Key: results.SampleKey(pr.Name, id, 0), RunID: run.ID, Runner: pr.Name, Model: "m",
					Set: set, Task: task, Cell: cell, InstanceID: id, Seed: 1, RequestHash: "h",
					Response: "ans", Extracted: "ans", CostUSD: 0.001,
					Usage: runners.Usage{PromptTokens: 100 + i, CompletionTokens: 5},
					Timing: results.SampleTiming{
						Send: run.Start.Add(time.Duration(i) * time.Second), End: run.Start.Add(time.Duration(i)*time.Second + 500*time.Millisecond),
						LatencyS: 0.5 + 0.01*float64(i), TTFTS: 0.1,
					},
				}
				switch v := score(pr.Name, i); {
				case v < 0:
					s.Error, s.ErrorKind, s.ErrorClass = "HTTP 500", results.ErrRequest, "server"
					s.Timing, s.Usage, s.CostUSD, s.Response, s.Extracted = results.SampleTiming{}, runners.Usage{}, 0, "", ""
				case v == 2:
					s.Error, s.ErrorKind = "scorer broke", results.ErrScorer
				default:
					s.Score = &v
				}
				out = append(out, s)
			}
		}
	}
	return out
}

// writeRunDir writes run.json and samples.jsonl as the executor does.
func writeRunDir(t *testing.T, dir string, run results.Run, samples []results.Sample) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := results.WriteRun(dir, run); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, results.SamplesFile))
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
}

var cells = []string{"bbh-gen/task=word_sorting/shots=3", "ruler/task=niah_single_1/len=4096"}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data/x")
	if p, _ := DefaultPath(); p != "/data/x/engrambench/history.db" {
		t.Errorf("with XDG_DATA_HOME: %s", p)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/u")
	if p, _ := DefaultPath(); p != "/home/u/.local/share/engrambench/history.db" {
		t.Errorf("without XDG_DATA_HOME: %s", p)
	}
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	s := openT(t, "")
	if s.Dialect() != SQLite || !strings.HasSuffix(s.String(), filepath.Join(dir, "engrambench", "history.db")) {
		t.Errorf("default store is %s", s)
	}
	if _, err := os.Stat(filepath.Join(dir, "engrambench", "history.db")); err != nil {
		t.Error(err)
	}
}

func TestSQLitePathForms(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{filepath.Join(dir, "plain.db"), "sqlite:" + filepath.Join(dir, "pre?fix#%.db")} {
		s := openT(t, dsn)
		if err := s.PutRun(context.Background(), mkRun("r", "quick", t0, results.StatusComplete, "a")); err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
	}
	for _, f := range []string{"plain.db", "pre?fix#%.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db": "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db":             "postgres://u@h/db",
		"/tmp/x@y.db":                   "/tmp/x@y.db",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMigrations(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		if v, err := s.SchemaVersion(ctx); err != nil || v != schemaVersion(migrations) {
			t.Fatalf("version %d, %v", v, err)
		}
		// Reopening applies nothing and keeps the data.
		if err := s.PutRun(ctx, mkRun("r1", "quick", t0, results.StatusComplete, "a")); err != nil {
			t.Fatal(err)
		}
		s2 := openT(t, dsn)
		if runs, err := s2.Runs(ctx, RunFilter{}); err != nil || len(runs) != 1 {
			t.Fatalf("after reopen: %v, %v", runs, err)
		}

		// A failing step is rolled back whole: its first statement's table
		// is not left behind and the version stays.
		bad := append(migrations[:len(migrations):len(migrations)], Migration{
			Version: 1000, Name: "broken",
			SQL: []string{`CREATE TABLE half_done (x INTEGER)`, `THIS IS NOT SQL`},
		})
		if _, err := open(ctx, dsn, bad); err == nil || !strings.Contains(err.Error(), "migration 1000 (broken)") {
			t.Fatalf("broken migration: %v", err)
		}
		if _, err := s.DB().ExecContext(ctx, `SELECT * FROM half_done`); err == nil {
			t.Error("a failed migration left its table behind")
		}

		// A new step, with per-dialect SQL, is applied once, in order.
		next := append(migrations[:len(migrations):len(migrations)], Migration{
			Version: 1001, Name: "notes",
			SQLite:   []string{`ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT 'sqlite'`},
			Postgres: []string{`ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT 'postgres'`},
		})
		s3, err := open(ctx, dsn, next)
		if err != nil {
			t.Fatal(err)
		}
		defer s3.Close()
		var note string
		if err := s3.DB().QueryRowContext(ctx, s3.rebind(`SELECT note FROM runs WHERE id = ?`), "r1").Scan(&note); err != nil || note != string(s3.Dialect()) {
			t.Errorf("per-dialect migration: note %q, %v", note, err)
		}
		if v, _ := s3.SchemaVersion(ctx); v != 1001 {
			t.Errorf("version %d, want 1001", v)
		}
		// This build no longer knows the newest version: it refuses.
		if _, err := Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "newer than this build") {
			t.Errorf("opening a newer schema: %v", err)
		}
	})
}

func TestConcurrentOpen(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(context.Background(), dsn)
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	})
}

// A duplicate line past the first batch of an import still loses to the
// first copy, and the cell statistics count each sample once.
func TestImportDuplicateAcrossBatches(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		run := mkRun("big-1", "quick", t0, results.StatusComplete, "lookup", "random")
		all := mkSamples(run, cells, 3*batchRows/len(cells)+7, func(r string, i int) float64 { return 1 })
		if len(all) <= 2*batchRows {
			t.Fatalf("only %d samples: the test needs several batches", len(all))
		}
		again := all[0]
		zero := 0.0
		again.Score = &zero
		dir := filepath.Join(t.TempDir(), run.ID)
		writeRunDir(t, dir, run, append(slices.Clone(all), again))
		imp, err := s.Import(ctx, dir)
		if err != nil || imp.Samples != len(all) || len(imp.Duplicates) != 1 {
			t.Fatalf("import: %d samples, dups %v, %v", imp.Samples, imp.Duplicates, err)
		}
		got, err := s.Samples(ctx, run.ID)
		if err != nil || len(got) != len(all) {
			t.Fatalf("%d samples back, %v", len(got), err)
		}
		var ones int
		for _, g := range got {
			if g.Score != nil && *g.Score == 1 {
				ones++
			}
		}
		if ones != len(all) {
			t.Errorf("%d of %d samples kept their first score: the later duplicate replaced one", ones, len(all))
		}
	})
}

func TestImportIdempotent(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		run := mkRun("quick-1", "quick", t0, results.StatusPartial, "lookup", "random")
		all := mkSamples(run, cells, 10, func(r string, i int) float64 { return float64(i % 2) })
		dir := filepath.Join(t.TempDir(), run.ID)

		// A partial run: the first 25 samples.
		writeRunDir(t, dir, run, all[:25])
		for range 2 { // importing twice changes nothing
			imp, err := s.Import(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if imp.Samples != 25 || imp.Run.ID != run.ID {
				t.Fatalf("import: %+v", imp)
			}
		}
		if got := count(t, s, run.ID); got != 25 {
			t.Fatalf("%d samples stored, want 25", got)
		}
		// Resumed to completion; the same first 25, then the rest, plus a
		// duplicate line a broken resume would leave.
		run.Status, run.Finished = results.StatusComplete, len(all)
		writeRunDir(t, dir, run, append(all, all[3]))
		imp, err := s.Import(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Samples != len(all) || len(imp.Duplicates) != 1 {
			t.Errorf("resumed import: %d samples, dups %v", imp.Samples, imp.Duplicates)
		}
		if got := count(t, s, run.ID); got != len(all) {
			t.Fatalf("%d samples stored, want %d", got, len(all))
		}
		runs, err := s.Runs(ctx, RunFilter{CountSamples: true})
		if err != nil || len(runs) != 1 || runs[0].Status != results.StatusComplete || runs[0].Stored != len(all) {
			t.Fatalf("runs: %+v, %v", runs, err)
		}

		// What comes back is what samples.jsonl holds, field for field.
		want, err := results.ReadSamples(filepath.Join(dir, results.SamplesFile))
		if err != nil {
			t.Fatal(err)
		}
		want, _ = results.Dedupe(want)
		got, err := s.Samples(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameSamples(got, want) {
			t.Errorf("samples differ after the round trip")
		}
		gotRun, err := s.Run(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantRun, _ := results.ReadRun(dir)
		if !sameJSON(gotRun, wantRun) {
			t.Errorf("run differs after the round trip:\n%+v\n%+v", gotRun, wantRun)
		}
		if _, err := s.Run(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown run: %v", err)
		}

		// A sample of another run in the file is refused.
		bad := all[0]
		bad.RunID = "other"
		writeRunDir(t, dir, run, []results.Sample{bad})
		if _, err := s.Import(ctx, dir); err == nil || !strings.Contains(err.Error(), "belongs to run other") {
			t.Errorf("foreign sample: %v", err)
		}
		if err := s.DeleteRun(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		if got := count(t, s, run.ID); got != 0 {
			t.Errorf("%d samples left after delete", got)
		}
	})
}

func count(t *testing.T, s *Store, id string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(s.rebind(`SELECT COUNT(*) FROM samples WHERE run_id = ?`), id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func sameSamples(got, want []results.Sample) bool {
	if len(got) != len(want) {
		return false
	}
	byKey := map[string]results.Sample{}
	for _, s := range want {
		byKey[s.Key] = s
	}
	for _, s := range got {
		w, ok := byKey[s.Key]
		if !ok || !sameJSON(s, w) || !reflect.DeepEqual(s.Score, w.Score) {
			return false
		}
	}
	return true
}

func TestQueries(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		put := func(run results.Run, score func(string, int) float64) {
			t.Helper()
			if err := s.ImportRun(ctx, run, mkSamples(run, cells, 6, score)); err != nil {
				t.Fatal(err)
			}
		}
		day := 24 * time.Hour
		good := func(string, int) float64 { return 1 }
		put(mkRun("n1", "nightly", t0, results.StatusComplete, "a", "b"), good)
		put(mkRun("n2", "nightly", t0.Add(day), results.StatusComplete, "b", "a"), func(r string, i int) float64 {
			switch {
			case i == 0:
				return -1 // request error
			case i == 1:
				return 2 // scorer error
			case r == "a" && i < 4:
				return 0
			}
			return 1
		})
		put(mkRun("n3", "nightly", t0.Add(2*day), results.StatusPartial, "a", "b"), good)
		put(mkRun("n4", "nightly", t0.Add(3*day), results.StatusComplete, "a", "b", "c"), good)
		put(mkRun("q1", "quick", t0.Add(day/2), results.StatusComplete, "a", "b"), good)

		runs, err := s.Runs(ctx, RunFilter{Suite: "nightly"})
		if err != nil {
			t.Fatal(err)
		}
		if ids := runIDs(runs); ids != "n1 n2 n3 n4" {
			t.Errorf("runs of nightly by date: %s", ids)
		}
		if runs[1].Runners[0] != "a" || runs[1].Start != t0.Add(day) || runs[1].End != t0.Add(day+time.Hour) || runs[1].Stored != -1 {
			t.Errorf("run info: %+v", runs[1])
		}
		for _, c := range []struct {
			f    RunFilter
			want string
		}{
			{RunFilter{Suite: "nightly", Limit: 2}, "n3 n4"},
			{RunFilter{Suite: "nightly", Status: results.StatusComplete}, "n1 n2 n4"},
			{RunFilter{Since: t0.Add(day / 2), Until: t0.Add(2 * day)}, "q1 n2"},
			{RunFilter{}, "n1 q1 n2 n3 n4"},
		} {
			runs, err := s.Runs(ctx, c.f)
			if err != nil || runIDs(runs) != c.want {
				t.Errorf("Runs(%+v) = %s, %v; want %s", c.f, runIDs(runs), err, c.want)
			}
		}

		// The last good run: complete, same suite, same runner names in any
		// order, before the given time. n3 is partial, n4 has runner c.
		for _, c := range []struct {
			before time.Time
			names  []string
			want   string
		}{
			{t0.Add(10 * day), []string{"b", "a"}, "n2"},
			{t0.Add(day), []string{"a", "b"}, "n1"},
			{t0.Add(10 * day), []string{"a", "b", "c"}, "n4"},
			{t0, []string{"a", "b"}, ""},
			{t0.Add(10 * day), []string{"a"}, ""},
		} {
			got, err := s.LastGood(ctx, "nightly", c.names, c.before)
			switch {
			case c.want == "" && !errors.Is(err, ErrNotFound):
				t.Errorf("LastGood(%v, %v): %v, %v; want not found", c.names, c.before, got.ID, err)
			case c.want != "" && (err != nil || got.ID != c.want):
				t.Errorf("LastGood(%v, %v) = %s, %v; want %s", c.names, c.before, got.ID, err, c.want)
			}
		}

		// Series agree with reports.Aggregate over the same samples.
		pts, err := s.Series(ctx, SeriesFilter{Suite: "nightly", Last: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 2*2*3+2 { // runners a, b × 2 cells × n2..n4, plus c in n4
			t.Fatalf("%d points", len(pts))
		}
		n2, err := s.Samples(ctx, "n2")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]reports.Cell{}
		for _, c := range reports.Aggregate(n2) {
			want[c.Runner+" "+c.Cell] = c
		}
		seen := 0
		for _, p := range pts {
			if p.RunID != "n2" {
				continue
			}
			seen++
			c := want[p.Runner+" "+p.Cell]
			if p.N != c.N || p.Successes != c.Successes || p.RequestErrors != c.RequestErrors || p.ScorerErrors != c.ScorerErrors ||
				p.Timed != c.Timed || !approx(p.LatencyMean(), c.LatencyMean) || p.PromptTokens != int64(c.PromptTokens) ||
				p.CompletionTokens != int64(c.CompletionTokens) || p.Set != c.Set || p.Task != c.Task || p.Start != t0.Add(day) {
				t.Errorf("point %+v\ndisagrees with cell %+v", p, c)
			}
			if lo, hi := p.Interval(); lo != c.Lo || hi != c.Hi || p.Score() != c.Score {
				t.Errorf("interval [%g, %g] vs [%g, %g]", lo, hi, c.Lo, c.Hi)
			}
			if p.Runner == "a" && (p.N != 4 || p.Successes != 2 || p.Errors() != 2 || !approx(p.CostUSD, 0.005)) {
				t.Errorf("a in n2: %+v", p)
			}
		}
		if seen != 4 {
			t.Errorf("%d points of n2", seen)
		}
		one, err := s.Series(ctx, SeriesFilter{RunIDs: []string{"n1", "n2", "q1"}, Runner: "a", Cell: cells[0]})
		if err != nil || len(one) != 3 || one[0].RunID != "n1" || one[1].RunID != "q1" || one[2].RunID != "n2" {
			t.Errorf("one series: %+v, %v", one, err)
		}
		if _, err := s.Series(ctx, SeriesFilter{}); err == nil {
			t.Error("a series of nothing")
		}
	})
}

func approx(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func runIDs(runs []RunInfo) string {
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return strings.Join(ids, " ")
}

func TestRecorder(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openT(t, dsn)
		run := mkRun("rec-1", "quick", t0, results.StatusRunning, "a", "b")
		all := mkSamples(run, cells, 50, func(string, int) float64 { return 1 })
		rec := s.NewRecorder(RecorderOptions{FlushEvery: 5 * time.Millisecond, FlushSamples: 17})
		if err := rec.Begin(ctx, run); err != nil {
			t.Fatal(err)
		}
		// Samples arrive from concurrent workers.
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(all); i += 4 {
					rec.Add(all[i])
					if i%40 == 0 {
						time.Sleep(2 * time.Millisecond)
					}
				}
			}()
		}
		wg.Wait()
		run.Status, run.Finished = results.StatusComplete, len(all)
		if err := rec.End(ctx, run); err != nil {
			t.Fatal(err)
		}
		if got := count(t, s, run.ID); got != len(all) {
			t.Errorf("%d samples stored, want %d", got, len(all))
		}
		if r, _ := s.Run(ctx, run.ID); r.Status != results.StatusComplete {
			t.Errorf("status %s", r.Status)
		}
		// Importing the run directory afterwards counts nothing twice.
		dir := filepath.Join(t.TempDir(), run.ID)
		writeRunDir(t, dir, run, all)
		if _, err := s.Import(ctx, dir); err != nil {
			t.Fatal(err)
		}
		if got := count(t, s, run.ID); got != len(all) {
			t.Errorf("%d samples after import, want %d", got, len(all))
		}
	})
}

func TestRecorderFailureIsReportedNotBlocking(t *testing.T) {
	ctx := context.Background()
	s := openT(t, "sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	run := mkRun("rec-2", "quick", t0, results.StatusRunning, "a")
	rec := s.NewRecorder(RecorderOptions{FlushEvery: time.Millisecond})
	if err := rec.Begin(ctx, run); err != nil {
		t.Fatal(err)
	}
	s.Close() // the database goes away mid-run
	start := time.Now()
	for _, sm := range mkSamples(run, cells, 100, func(string, int) float64 { return 1 }) {
		rec.Add(sm)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Add blocked for %v", d)
	}
	err := rec.End(ctx, run)
	if err == nil || !strings.Contains(err.Error(), "200 samples not stored") || !strings.Contains(err.Error(), "store import") {
		t.Errorf("End: %v", err)
	}
}
