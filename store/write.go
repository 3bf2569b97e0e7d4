package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/engrambench/engrambench/results"
)

// timeLayout is fixed-width UTC with nanoseconds, so stored times sort as
// strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Outcomes of a sample, by the rules of reports.Aggregate: a request
// error when ErrorKind is "request" or the sample carries an error of
// another or no kind; a scorer error when ErrorKind is "scorer" or it has
// no error and no score; scored otherwise.
const (
	OutcomeScored       = "ok"
	OutcomeRequestError = "request"
	OutcomeScorerError  = "scorer"
)

// Outcome classifies a sample.
func Outcome(s results.Sample) string {
	switch {
	case s.ErrorKind == results.ErrRequest:
		return OutcomeRequestError
	case s.ErrorKind == results.ErrScorer:
		return OutcomeScorerError
	case s.Error != "":
		return OutcomeRequestError
	case s.Score == nil:
		return OutcomeScorerError
	}
	return OutcomeScored
}

// RunnerNames are a plan's runner names, sorted: what "the same runners"
// means when looking for a run to compare with.
func RunnerNames(p results.Plan) []string {
	names := make([]string, 0, len(p.Runners))
	for _, r := range p.Runners {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// PutRun writes a run's record, replacing what the store held for its id.
func (s *Store) PutRun(ctx context.Context, run results.Run) error {
	return s.putRun(ctx, s.db, run)
}

func (s *Store) putRun(ctx context.Context, ex execer, run results.Run) error {
	if run.ID == "" {
		return fmt.Errorf("store: a run without an id")
	}
	runJSON, err := json.Marshal(run)
	if err != nil {
		return err
	}
	plan, err := json.Marshal(run.Plan)
	if err != nil {
		return err
	}
	host, err := json.Marshal(run.Host)
	if err != nil {
		return err
	}
	_, err = ex.ExecContext(ctx, s.rebind(`INSERT INTO runs (id, suite, suite_source, status, start_time, end_time, expected, finished,
	version, commit_id, go_version, runners, message, stop_reason, plan_json, host_json, run_json, stored_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET suite = excluded.suite, suite_source = excluded.suite_source, status = excluded.status,
	start_time = excluded.start_time, end_time = excluded.end_time, expected = excluded.expected, finished = excluded.finished,
	version = excluded.version, commit_id = excluded.commit_id, go_version = excluded.go_version, runners = excluded.runners,
	message = excluded.message, stop_reason = excluded.stop_reason, plan_json = excluded.plan_json, host_json = excluded.host_json,
	run_json = excluded.run_json, stored_at = excluded.stored_at`),
		run.ID, run.Suite, run.SuiteFrom, run.Status, formatTime(run.Start), formatTime(run.End), run.Expected, run.Finished,
		run.Version, run.Commit, run.GoVersion, strings.Join(RunnerNames(run.Plan), ","), run.Message, run.Stopped,
		string(plan), string(host), string(runJSON), formatTime(time.Now()))
	if err != nil {
		return fmt.Errorf("store run %s: %w", run.ID, err)
	}
	return nil
}

// sampleColumns are written per sample, in this order.
var sampleColumns = []string{
	"run_id", "sample_key", "runner", "model", "set_name", "task", "cell", "instance_id", "repeat_index",
	"outcome", "score", "latency_s", "ttft_s", "prompt_tokens", "completion_tokens", "cost_usd", "record",
}

// batchRows is the number of samples per INSERT: 17 × 200 parameters stays
// under both databases' limits, and a statement per 200 rows keeps round
// trips to a PostgreSQL server few.
const batchRows = 200

// PutSamples upserts samples on (run id, sample key): a sample written
// again replaces the stored one and is never counted twice. Their runs must
// be in the store. Of two samples with one key in samples, the first wins,
// as results.Dedupe keeps it. All are written in one transaction.
func (s *Store) PutSamples(ctx context.Context, samples []results.Sample) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.putSamples(ctx, tx, samples); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) putSamples(ctx context.Context, tx *sql.Tx, samples []results.Sample) error {
	w := s.newSampleWriter(tx)
	defer w.close()
	for i := range samples {
		if _, err := w.add(ctx, &samples[i]); err != nil {
			return err
		}
	}
	return w.finish(ctx)
}

// sampleWriter upserts samples in batches within one transaction, keeping
// the first of two with one key, and refreshes the cell statistics of the
// cells it touched once at the end. It holds a batch of rows and the keys
// seen, never all the samples, so a run of a million imports in little
// memory.
type sampleWriter struct {
	s       *Store
	tx      *sql.Tx
	seen    map[sampleKey]struct{}
	touched map[string]map[cellKey]bool
	order   []string // runs in the order first touched
	rows    [][]any
	full    *sql.Stmt // the prepared statement for a full batch
}

type sampleKey struct{ run, sample string }
type cellKey struct{ runner, cell string }

func (s *Store) newSampleWriter(tx *sql.Tx) *sampleWriter {
	return &sampleWriter{s: s, tx: tx, seen: map[sampleKey]struct{}{}, touched: map[string]map[cellKey]bool{}}
}

// add queues one sample, writing a batch when one is full; a sample whose
// key it has met already is left out, and added is false.
func (w *sampleWriter) add(ctx context.Context, sm *results.Sample) (added bool, err error) {
	k := sampleKey{sm.RunID, sm.Key}
	if _, dup := w.seen[k]; dup {
		return false, nil
	}
	w.seen[k] = struct{}{}
	if sm.RunID == "" || sm.Key == "" {
		return false, fmt.Errorf("store: sample %q of run %q lacks a run id or key", sm.Key, sm.RunID)
	}
	rec, err := json.Marshal(sm)
	if err != nil {
		return false, fmt.Errorf("store sample %s: %w", sm.Key, err)
	}
	var score any
	if sm.Score != nil {
		score = *sm.Score
	}
	w.rows = append(w.rows, []any{
		sm.RunID, sm.Key, sm.Runner, sm.Model, sm.Set, sm.Task, sm.Cell, sm.InstanceID, sm.Repeat,
		Outcome(*sm), score, sm.Timing.LatencyS, sm.Timing.TTFTS, sm.Usage.PromptTokens, sm.Usage.CompletionTokens, sm.CostUSD, string(rec),
	})
	m := w.touched[sm.RunID]
	if m == nil {
		m = map[cellKey]bool{}
		w.touched[sm.RunID] = m
		w.order = append(w.order, sm.RunID)
	}
	m[cellKey{sm.Runner, sm.Cell}] = true
	if len(w.rows) == batchRows {
		return true, w.flush(ctx)
	}
	return true, nil
}

// flush writes the queued rows.
func (w *sampleWriter) flush(ctx context.Context) error {
	if len(w.rows) == 0 {
		return nil
	}
	n := len(w.rows)
	st := w.full
	if n < batchRows || st == nil {
		var err error
		if st, err = w.tx.PrepareContext(ctx, w.s.upsertSamples(n)); err != nil {
			return err
		}
		if n == batchRows {
			w.full = st
		} else {
			defer st.Close()
		}
	}
	args := make([]any, 0, n*len(sampleColumns))
	for _, r := range w.rows {
		args = append(args, r...)
	}
	if _, err := st.ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("store samples: %w", err)
	}
	w.rows = w.rows[:0]
	return nil
}

// finish writes what is queued and refreshes the touched cells.
func (w *sampleWriter) finish(ctx context.Context) error {
	if err := w.flush(ctx); err != nil {
		return err
	}
	return w.s.refreshCells(ctx, w.tx, w.order, w.touched)
}

func (w *sampleWriter) close() {
	if w.full != nil {
		w.full.Close()
	}
}

// cellStatsSelect aggregates samples into cell_stats rows, by the rules of
// reports.Aggregate (see Outcome).
const cellStatsSelect = `SELECT run_id, runner, cell, MIN(set_name), MIN(task),
	SUM(CASE WHEN outcome = 'ok' THEN 1 ELSE 0 END),
	SUM(CASE WHEN outcome = 'ok' THEN score ELSE 0 END),
	SUM(CASE WHEN outcome = 'request' THEN 1 ELSE 0 END),
	SUM(CASE WHEN outcome = 'scorer' THEN 1 ELSE 0 END),
	SUM(CASE WHEN outcome <> 'request' AND latency_s > 0 THEN 1 ELSE 0 END),
	SUM(CASE WHEN outcome <> 'request' AND latency_s > 0 THEN latency_s ELSE 0 END),
	SUM(cost_usd),
	SUM(CASE WHEN outcome <> 'request' THEN prompt_tokens ELSE 0 END),
	SUM(CASE WHEN outcome <> 'request' THEN completion_tokens ELSE 0 END)
FROM samples`

const cellStatsInsert = `INSERT INTO cell_stats (run_id, runner, cell, set_name, task, n, successes, request_errors, scorer_errors,
	timed, latency_sum, cost_usd, prompt_tokens, completion_tokens) `

// refreshCells recomputes the cell_stats rows of the cells samples touched:
// per cell when a run has few touched cells (a recorder's flush), else the
// whole run at once (an import).
func (s *Store) refreshCells(ctx context.Context, tx *sql.Tx, order []string, touched map[string]map[cellKey]bool) error {
	for _, run := range order {
		cells := touched[run]
		if len(cells) > 16 {
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM cell_stats WHERE run_id = ?`), run); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(cellStatsInsert+cellStatsSelect+` WHERE run_id = ? GROUP BY run_id, runner, cell`), run); err != nil {
				return fmt.Errorf("store: cell statistics: %w", err)
			}
			continue
		}
		for c := range cells {
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM cell_stats WHERE run_id = ? AND runner = ? AND cell = ?`), run, c.runner, c.cell); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(cellStatsInsert+cellStatsSelect+` WHERE run_id = ? AND runner = ? AND cell = ? GROUP BY run_id, runner, cell`),
				run, c.runner, c.cell); err != nil {
				return fmt.Errorf("store: cell statistics: %w", err)
			}
		}
	}
	return nil
}

func (s *Store) upsertSamples(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO samples (" + strings.Join(sampleColumns, ", ") + ") VALUES ")
	one := "(" + strings.Repeat("?, ", len(sampleColumns)-1) + "?)"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	b.WriteString(" ON CONFLICT (run_id, sample_key) DO UPDATE SET ")
	for i, c := range sampleColumns[2:] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return s.rebind(b.String())
}

// Imported says what an import wrote.
type Imported struct {
	Run        results.Run
	Samples    int      // distinct samples written
	Duplicates []string // keys seen twice in samples.jsonl (the first was kept)
}

// Import loads a run directory (run.json and samples.jsonl) into the
// store in one transaction, reading the samples one at a time. Importing
// it again, or after a resume added samples, updates the run and adds the
// new samples only.
func (s *Store) Import(ctx context.Context, dir string) (Imported, error) {
	run, err := results.ReadRun(dir)
	if err != nil {
		return Imported{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Imported{}, err
	}
	defer tx.Rollback()
	if err := s.putRun(ctx, tx, run); err != nil {
		return Imported{}, err
	}
	w := s.newSampleWriter(tx)
	defer w.close()
	imp := Imported{Run: run}
	err = results.ScanRunSamples(dir, func(sm results.Sample) error {
		if sm.RunID != run.ID {
			return fmt.Errorf("%s: sample %s belongs to run %s, not %s", filepath.Join(dir, results.SamplesFile), sm.Key, sm.RunID, run.ID)
		}
		added, err := w.add(ctx, &sm)
		if added {
			imp.Samples++
		} else if err == nil {
			imp.Duplicates = append(imp.Duplicates, sm.Key)
		}
		return err
	})
	if err == nil {
		err = w.finish(ctx)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return Imported{}, err
	}
	return imp, nil
}

// ImportRun writes a run and its samples in one transaction.
func (s *Store) ImportRun(ctx context.Context, run results.Run, samples []results.Sample) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.putRun(ctx, tx, run); err != nil {
		return err
	}
	if err := s.putSamples(ctx, tx, samples); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteRun removes a run and its samples.
func (s *Store) DeleteRun(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, table := range []string{"cell_stats", "samples"} {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM `+table+` WHERE run_id = ?`), id); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM runs WHERE id = ?`), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	return tx.Commit()
}
