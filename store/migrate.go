package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Migration is one step of the schema. Steps run in Version order, each in
// its own transaction together with the row that records it in
// schema_migrations, so a step is applied entirely or not at all. Released
// steps are never edited: a change is a new step.
//
// SQL is for both dialects; SQLite or Postgres, when set, replaces it for
// that dialect where the two differ.
type Migration struct {
	Version  int
	Name     string
	SQL      []string
	SQLite   []string
	Postgres []string
}

func (m Migration) statements(d Dialect) []string {
	switch {
	case d == SQLite && m.SQLite != nil:
		return m.SQLite
	case d == Postgres && m.Postgres != nil:
		return m.Postgres
	}
	return m.SQL
}

// The schema keeps to types both databases read the same way: TEXT,
// INTEGER, BIGINT and DOUBLE PRECISION. Times are TEXT in one fixed-width
// UTC layout (timeLayout), so they sort as strings in both. JSON is TEXT so
// that a stored run.json or sample reads back byte for byte.
var migrations = []Migration{
	{
		Version: 1,
		Name:    "runs and samples",
		SQL: []string{
			`CREATE TABLE runs (
	id           TEXT PRIMARY KEY,
	suite        TEXT NOT NULL,
	suite_source TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL,
	start_time   TEXT NOT NULL,
	end_time     TEXT NOT NULL DEFAULT '',
	expected     INTEGER NOT NULL DEFAULT 0,
	finished     INTEGER NOT NULL DEFAULT 0,
	version      TEXT NOT NULL DEFAULT '',
	commit_id    TEXT NOT NULL DEFAULT '',
	go_version   TEXT NOT NULL DEFAULT '',
	runners      TEXT NOT NULL DEFAULT '',
	message      TEXT NOT NULL DEFAULT '',
	stop_reason  TEXT NOT NULL DEFAULT '',
	plan_json    TEXT NOT NULL,
	host_json    TEXT NOT NULL,
	run_json     TEXT NOT NULL,
	stored_at    TEXT NOT NULL
)`,
			`CREATE INDEX runs_by_suite ON runs (suite, start_time)`,
			`CREATE TABLE samples (
	run_id            TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	sample_key        TEXT NOT NULL,
	runner            TEXT NOT NULL,
	model             TEXT NOT NULL DEFAULT '',
	set_name          TEXT NOT NULL,
	task              TEXT NOT NULL,
	cell              TEXT NOT NULL,
	instance_id       TEXT NOT NULL,
	repeat_index      INTEGER NOT NULL,
	outcome           TEXT NOT NULL,
	score             DOUBLE PRECISION,
	latency_s         DOUBLE PRECISION NOT NULL DEFAULT 0,
	ttft_s            DOUBLE PRECISION NOT NULL DEFAULT 0,
	prompt_tokens     INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	cost_usd          DOUBLE PRECISION NOT NULL DEFAULT 0,
	record            TEXT NOT NULL,
	PRIMARY KEY (run_id, sample_key)
)`,
			// One row per run, runner and cell, kept up to date with samples
			// in the transaction that writes them (see refreshCells), so
			// that a series over many runs reads a row per cell, not a row
			// per sample.
			`CREATE TABLE cell_stats (
	run_id            TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	runner            TEXT NOT NULL,
	cell              TEXT NOT NULL,
	set_name          TEXT NOT NULL,
	task              TEXT NOT NULL,
	n                 INTEGER NOT NULL,
	successes         DOUBLE PRECISION NOT NULL,
	request_errors    INTEGER NOT NULL,
	scorer_errors     INTEGER NOT NULL,
	timed             INTEGER NOT NULL,
	latency_sum       DOUBLE PRECISION NOT NULL,
	cost_usd          DOUBLE PRECISION NOT NULL,
	prompt_tokens     BIGINT NOT NULL,
	completion_tokens BIGINT NOT NULL,
	PRIMARY KEY (run_id, runner, cell)
)`,
		},
	},
}

// schemaVersion is the newest version this build knows.
func schemaVersion(ms []Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

// SchemaVersion is the highest migration applied to the store.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// migrate applies the steps the store lacks, in order. Concurrent openers
// are serialised: SQLite by the write lock each transaction takes when it
// begins, PostgreSQL by an advisory lock held for the transaction. Each
// step checks again, under the lock, whether another opener applied it.
func (s *Store) migrate(ctx context.Context, ms []Migration) error {
	for i := 1; i < len(ms); i++ {
		if ms[i].Version <= ms[i-1].Version {
			return fmt.Errorf("migrations out of order: %d after %d", ms[i].Version, ms[i-1].Version)
		}
	}
	if err := s.inLockedTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, migrationsTable)
		return err
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if want := schemaVersion(ms); have > want {
		return fmt.Errorf("its schema is at version %d, newer than this build of engrambench knows (%d): use a newer engrambench", have, want)
	}
	for _, m := range ms {
		if m.Version <= have {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m Migration) error {
	return s.inLockedTx(ctx, func(tx *sql.Tx) error {
		var done int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			return nil
		}
		for _, q := range m.statements(s.dialect) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.Version, m.Name, formatTime(time.Now()))
		return err
	})
}

// inLockedTx runs f in a transaction that holds the schema lock: SQLite's
// write lock (taken at BEGIN, see sqliteDSN), or on PostgreSQL an advisory
// lock held until the transaction ends. f's error rolls it back.
func (s *Store) inLockedTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.dialect == Postgres {
		// Any constant will do, as long as every engrambench uses it.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7242186)`); err != nil {
			return err
		}
	}
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}
