package store_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/engrambench/engrambench/compare"
	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/store"
)

// The scale: RULER's 13 tasks at 6 lengths and BBH's 27 tasks.
var (
	rulerTasks = []string{"niah_single_1", "niah_single_2", "niah_single_3", "niah_multikey_1", "niah_multikey_2",
		"niah_multikey_3", "niah_multivalue", "niah_multiquery", "vt", "cwe", "fwe", "qa_1", "qa_2"}
	rulerLengths = []int{4096, 8192, 16384, 32768, 65536, 131072}
	bbhTasks     = []string{"boolean_expressions", "causal_judgement", "date_understanding", "disambiguation_qa",
		"dyck_languages", "formal_fallacies", "geometric_shapes", "hyperbaton", "logical_deduction_five_objects",
		"logical_deduction_seven_objects", "logical_deduction_three_objects", "movie_recommendation",
		"multistep_arithmetic_two", "navigate", "object_counting", "penguins_in_a_table",
		"reasoning_about_colored_objects", "ruin_names", "salient_translation_error_detection", "snarks",
		"sports_understanding", "temporal_sequences", "tracking_shuffled_objects_five_objects",
		"tracking_shuffled_objects_seven_objects", "tracking_shuffled_objects_three_objects", "web_of_lies", "word_sorting"}
)

type scale struct {
	runs, perCell int
	runners       []string
}

func (sc scale) cells() (out [][3]string) { // set, task, cell
	for _, t := range rulerTasks {
		for _, l := range rulerLengths {
			out = append(out, [3]string{"ruler", t, fmt.Sprintf("ruler/task=%s/len=%d", t, l)})
		}
	}
	for _, t := range bbhTasks {
		out = append(out, [3]string{"bbh", t, "bbh/task=" + t + "/shots=3"})
	}
	return out
}

// history fills a store with sc.runs nightly runs. Scores drift with the
// run index so that comparisons find something; one sample in 50 is a
// request error.
func history(tb testing.TB, s *store.Store, sc scale) {
	tb.Helper()
	ctx := context.Background()
	cells := sc.cells()
	start := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	for r := range sc.runs {
		run := results.Run{
			ID: fmt.Sprintf("nightly-%03d", r), Suite: "nightly", SuiteFrom: "builtin:nightly",
			Status: results.StatusComplete, Start: start.Add(time.Duration(r) * 24 * time.Hour),
			Version: "bench", GoVersion: "go1.26.8",
		}
		run.End = run.Start.Add(time.Hour)
		for _, name := range sc.runners {
			run.Plan.Runners = append(run.Plan.Runners, results.PlanRunner{Name: name, Kind: "openai"})
		}
		samples := make([]results.Sample, 0, len(cells)*sc.perCell*len(sc.runners))
		for ri, name := range sc.runners {
			for ci, c := range cells {
				for i := range sc.perCell {
					id := fmt.Sprintf("%s/%04d-%08x", c[2], i, ci*7919+i)
					s := results.Sample{
						Key: results.SampleKey(name, id, 0), RunID: run.ID, Runner: name, Model: "model-" + name,
						Set: c[0], Task: c[1], Cell: c[2], InstanceID: id, Seed: int64(i), RequestHash: "0123456789abcdef",
						Response: "The answer is 42.", Extracted: "42", CostUSD: 0.0004,
						Usage:  runners.Usage{PromptTokens: 1000 + 10*i, CompletionTokens: 20},
						Timing: results.SampleTiming{LatencyS: 0.8 + 0.01*float64(i+ri), TTFTS: 0.2, TPOTS: 0.03},
					}
					if (i+ci+r)%50 == 0 {
						s.Error, s.ErrorKind, s.ErrorClass = "HTTP 503", results.ErrRequest, "server"
					} else {
						v := 0.0
						if (i*31+ci*17+r*ri)%10 < 6+ri {
							v = 1
						}
						s.Score = &v
					}
					samples = append(samples, s)
				}
			}
		}
		if err := s.ImportRun(ctx, run, samples); err != nil {
			tb.Fatal(err)
		}
	}
}

// historyReport renders what a nightly report needs from the store: the
// latest run's report, its comparison with the run before, and the trend
// of every runner's cell over the last trendRuns runs.
func historyReport(ctx context.Context, s *store.Store, trendRuns int, w io.Writer) error {
	runs, err := s.Runs(ctx, store.RunFilter{Suite: "nightly", Limit: trendRuns})
	if err != nil {
		return err
	}
	latest := runs[len(runs)-1]
	prev, err := s.LastGood(ctx, latest.Suite, latest.Runners, latest.Start)
	if err != nil {
		return err
	}
	run, err := s.Run(ctx, latest.ID)
	if err != nil {
		return err
	}
	cur, err := s.Briefs(ctx, latest.ID)
	if err != nil {
		return err
	}
	old, err := s.Briefs(ctx, prev.ID)
	if err != nil {
		return err
	}
	if err := reports.WriteReport(w, run, reports.AggregateBriefs(cur)); err != nil {
		return err
	}
	c := compare.Runs(old, cur, prev.ID, latest.ID, compare.Options{})
	if err := compare.WriteMarkdown(w, c, "Changes since last run", 2); err != nil {
		return err
	}
	pts, err := s.Series(ctx, store.SeriesFilter{RunIDs: ids(runs)})
	if err != nil {
		return err
	}
	return compare.WriteTrend(w, compare.NewTrend(runs, pts), "Trend", 2)
}

func ids(runs []store.RunInfo) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

// BenchmarkHistoryReport: 100 runs × (13 RULER tasks × 6 lengths + 27 BBH
// tasks) × 2 runners × 20 samples (420,000 samples) in SQLite; each
// iteration renders the latest run's report, its paired comparison with
// the previous run and the trend over all 100 runs. The import is timed
// apart and reported as import-s.
//
//	go test ./store -run '^$' -bench HistoryReport -benchtime 5x
func BenchmarkHistoryReport(b *testing.B) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sc := scale{runs: 100, perCell: 20, runners: []string{"baseline", "engram"}}
	t := time.Now()
	history(b, s, sc)
	imported := time.Since(t)
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if err := historyReport(ctx, s, 100, &out); err != nil {
			b.Fatal(err)
		}
	}
	// Reported after the loop: b.Loop resets metrics reported before it.
	b.ReportMetric(imported.Seconds(), "import-s")
	b.ReportMetric(float64(out.Len()), "report-bytes")
}

// The benchmark's code path at a small scale, so go test exercises it.
func TestHistoryReportSmall(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	history(t, s, scale{runs: 3, perCell: 4, runners: []string{"baseline", "engram"}})
	var out bytes.Buffer
	if err := historyReport(ctx, s, 3, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# nightly: run nightly-002", "## Changes since last run", "## Trend", "`ruler/task=qa_2/len=131072`"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
}
