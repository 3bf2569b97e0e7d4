package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
)

// RunInfo is a run as listed: run.json's header without the plan and host.
type RunInfo struct {
	ID          string
	Suite       string
	SuiteSource string
	Status      string
	Start, End  time.Time
	Expected    int
	Finished    int
	Version     string
	Commit      string
	Runners     []string // sorted
	Message     string
	// Stored is the number of samples the store holds for the run; -1 when
	// not counted (RunFilter.CountSamples).
	Stored int
}

// RunFilter selects runs. Zero fields select everything.
type RunFilter struct {
	Suite  string
	Status string    // e.g. results.StatusComplete
	Since  time.Time // start at or after
	Until  time.Time // start before
	// Limit keeps the latest Limit runs (still returned oldest first).
	Limit int
	// CountSamples fills RunInfo.Stored.
	CountSamples bool
}

const runInfoColumns = `id, suite, suite_source, status, start_time, end_time, expected, finished, version, commit_id, runners, message`

func scanRunInfo(sc interface{ Scan(...any) error }, count bool) (RunInfo, error) {
	var r RunInfo
	var start, end, runners string
	dest := []any{&r.ID, &r.Suite, &r.SuiteSource, &r.Status, &start, &end, &r.Expected, &r.Finished, &r.Version, &r.Commit, &runners, &r.Message}
	if count {
		dest = append(dest, &r.Stored)
	} else {
		r.Stored = -1
	}
	if err := sc.Scan(dest...); err != nil {
		return r, err
	}
	r.Start, r.End = parseTime(start), parseTime(end)
	if runners != "" {
		r.Runners = strings.Split(runners, ",")
	}
	return r, nil
}

// Runs lists runs oldest first.
func (s *Store) Runs(ctx context.Context, f RunFilter) ([]RunInfo, error) {
	q := `SELECT ` + runInfoColumns
	if f.CountSamples {
		q += `, (SELECT COUNT(*) FROM samples WHERE samples.run_id = runs.id)`
	}
	q += ` FROM runs WHERE 1 = 1`
	var args []any
	if f.Suite != "" {
		q += ` AND suite = ?`
		args = append(args, f.Suite)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if !f.Since.IsZero() {
		q += ` AND start_time >= ?`
		args = append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		q += ` AND start_time < ?`
		args = append(args, formatTime(f.Until))
	}
	q += ` ORDER BY start_time DESC, id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RunInfo
	for rows.Next() {
		r, err := scanRunInfo(rows, f.CountSamples)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Reverse(out)
	return out, nil
}

// Run reads a run's full record (run.json as stored).
func (s *Store) Run(ctx context.Context, id string) (results.Run, error) {
	var run results.Run
	var b string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT run_json FROM runs WHERE id = ?`), id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return run, fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return run, err
	}
	if err := json.Unmarshal([]byte(b), &run); err != nil {
		return run, fmt.Errorf("run %s: stored record: %w", id, err)
	}
	return run, nil
}

// Samples reads every stored sample of a run, ordered by sample key.
func (s *Store) Samples(ctx context.Context, runID string) ([]results.Sample, error) {
	var out []results.Sample
	err := s.ScanSamples(ctx, runID, func(sm results.Sample) error {
		out = append(out, sm)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Briefs reads the Brief of every stored sample of a run, ordered by
// sample key: what reports and comparisons need, in a fraction of the
// memory of the samples.
func (s *Store) Briefs(ctx context.Context, runID string) ([]results.Brief, error) {
	var out []results.Brief
	br := results.NewBriefer()
	err := s.ScanSamples(ctx, runID, func(sm results.Sample) error {
		out = append(out, br.Brief(&sm))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ScanSamples calls fn with every stored sample of a run, ordered by
// sample key, holding one at a time; an error from fn stops the scan and
// is returned.
func (s *Store) ScanSamples(ctx context.Context, runID string, fn func(results.Sample) error) error {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT record FROM samples WHERE run_id = ? ORDER BY sample_key`), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var b []byte
	for rows.Next() {
		if err := rows.Scan(&b); err != nil {
			return err
		}
		var sm results.Sample
		if err := json.Unmarshal(b, &sm); err != nil {
			return fmt.Errorf("run %s: stored sample: %w", runID, err)
		}
		if err := fn(sm); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SampleRef is where a stored sample belongs in its run's plan, read from
// the samples table's columns without decoding the record.
type SampleRef struct {
	Key        string
	Runner     string
	Cell       string
	InstanceID string
	Repeat     int
}

// ScanSampleRefs calls fn with the SampleRef of every stored sample of a
// run, ordered by sample key.
func (s *Store) ScanSampleRefs(ctx context.Context, runID string, fn func(SampleRef) error) error {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT sample_key, runner, cell, instance_id, repeat_index FROM samples WHERE run_id = ? ORDER BY sample_key`), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r SampleRef
		if err := rows.Scan(&r.Key, &r.Runner, &r.Cell, &r.InstanceID, &r.Repeat); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LastGood returns the latest complete run of suite, with exactly the given
// runner names, that started before before: what a new run of the suite is
// compared with. It returns ErrNotFound when there is none.
func (s *Store) LastGood(ctx context.Context, suite string, runners []string, before time.Time) (RunInfo, error) {
	names := slices.Clone(runners)
	slices.Sort(names)
	names = slices.Compact(names)
	q := `SELECT ` + runInfoColumns + ` FROM runs WHERE suite = ? AND runners = ? AND status = ?`
	args := []any{suite, strings.Join(names, ","), results.StatusComplete}
	if !before.IsZero() {
		q += ` AND start_time < ?`
		args = append(args, formatTime(before))
	}
	q += ` ORDER BY start_time DESC, id DESC LIMIT 1`
	r, err := scanRunInfo(s.db.QueryRowContext(ctx, s.rebind(q), args...), false)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("no complete run of suite %s with runners %s before %s: %w",
			suite, strings.Join(names, ", "), before.UTC().Format(time.RFC3339), ErrNotFound)
	}
	return r, err
}

// Point is one runner's cell in one run, aggregated in the database. Its
// figures follow reports.Aggregate: errors are counted apart from n and
// never as wrong answers; latency covers samples that got a response and
// have a known latency.
type Point struct {
	RunID  string
	Start  time.Time
	Status string
	Runner string
	Cell   string
	Set    string
	Task   string

	N             int     // scored samples
	Successes     float64 // sum of scores
	RequestErrors int
	ScorerErrors  int
	Timed         int     // samples with a latency
	LatencySum    float64 // seconds, over Timed samples
	CostUSD       float64 // total over all samples
	// Token totals over samples that got a response.
	PromptTokens     int64
	CompletionTokens int64
}

// Score is the mean score, 0 when N is 0.
func (p Point) Score() float64 {
	if p.N == 0 {
		return 0
	}
	return p.Successes / float64(p.N)
}

// Interval is the 95% Wilson interval on Score; [0, 1] when N is 0.
func (p Point) Interval() (lo, hi float64) { return reports.Wilson(p.Successes, p.N, reports.Z95) }

// LatencyMean is the mean latency in seconds, 0 when none is known.
func (p Point) LatencyMean() float64 {
	if p.Timed == 0 {
		return 0
	}
	return p.LatencySum / float64(p.Timed)
}

// Errors is the number of samples that ended in an error.
func (p Point) Errors() int { return p.RequestErrors + p.ScorerErrors }

// SeriesFilter selects the points of a series.
type SeriesFilter struct {
	// RunIDs are the runs to cover; when empty, the last Last runs of
	// Suite (all of them when Last is 0).
	RunIDs []string
	Suite  string
	Last   int
	Runner string // "" for every runner
	Cell   string // "" for every cell
}

// Series returns, per runner and cell, one point per run: the history of
// each task of each runner, ordered by runner, cell and run start. It reads
// the per-cell rows kept beside the samples, never the samples.
func (s *Store) Series(ctx context.Context, f SeriesFilter) ([]Point, error) {
	ids := f.RunIDs
	if len(ids) == 0 {
		if f.Suite == "" {
			return nil, fmt.Errorf("series: give a suite or run ids")
		}
		runs, err := s.Runs(ctx, RunFilter{Suite: f.Suite, Limit: f.Last})
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	q := `SELECT c.run_id, r.start_time, r.status, c.runner, c.cell, c.set_name, c.task, c.n, c.successes,
	c.request_errors, c.scorer_errors, c.timed, c.latency_sum, c.cost_usd, c.prompt_tokens, c.completion_tokens
FROM cell_stats c JOIN runs r ON r.id = c.run_id
WHERE c.run_id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + `)`
	args := make([]any, 0, len(ids)+2)
	for _, id := range ids {
		args = append(args, id)
	}
	if f.Runner != "" {
		q += ` AND c.runner = ?`
		args = append(args, f.Runner)
	}
	if f.Cell != "" {
		q += ` AND c.cell = ?`
		args = append(args, f.Cell)
	}
	q += ` ORDER BY c.runner, c.cell, r.start_time, c.run_id`
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var p Point
		var start string
		if err := rows.Scan(&p.RunID, &start, &p.Status, &p.Runner, &p.Cell, &p.Set, &p.Task,
			&p.N, &p.Successes, &p.RequestErrors, &p.ScorerErrors, &p.Timed, &p.LatencySum, &p.CostUSD,
			&p.PromptTokens, &p.CompletionTokens); err != nil {
			return nil, err
		}
		p.Start = parseTime(start)
		out = append(out, p)
	}
	return out, rows.Err()
}
