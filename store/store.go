// Package store keeps the history of runs in a SQL database: an embedded
// SQLite file by default (modernc.org/sqlite, pure Go, no cgo), or
// PostgreSQL (pgx) for a team sharing one history. Both hold the same
// schema, created and upgraded by the numbered migrations in migrate.go.
//
// The run directory stays the source of truth: a run's samples are written
// to samples.jsonl first, and the store holds a copy keyed by (run id,
// sample key), so importing a run twice, or a resumed run's samples again,
// never counts a sample twice (every write is an upsert).
//
// What the store answers, in the order a nightly job asks:
//
//  1. Runs: the runs of a suite by date;
//  2. LastGood: the last complete run of a suite with the same runners;
//  3. Samples: every sample of a run, for reports and paired comparisons;
//  4. Series: per runner and cell, the score, n, errors, latency and cost of
//     each of the last runs, aggregated in SQL.
//
// DSNs: "postgres://..." or "postgresql://..." opens PostgreSQL; "sqlite:PATH"
// or any other string is a SQLite file path; "" is DefaultPath.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect is the SQL flavour of a store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is an open history database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	where   string // for messages: the file, or the server without password
}

// DefaultPath is the SQLite file used when no DSN is given:
// $XDG_DATA_HOME/engrambench/history.db, or
// ~/.local/share/engrambench/history.db when XDG_DATA_HOME is unset or not
// absolute (the XDG base-directory rule; Go's os package has no user data
// directory, only config and cache ones, and a history is neither).
func DefaultPath() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "engrambench", "history.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no default store: %w; give one with --store", err)
	}
	return filepath.Join(home, ".local", "share", "engrambench", "history.db"), nil
}

// Open opens (creating it if needed) the store named by dsn and brings its
// schema up to date. See the package comment for the DSN forms.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, migrations)
}

func open(ctx context.Context, dsn string, ms []Migration) (*Store, error) {
	var s *Store
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		s = &Store{db: db, dialect: Postgres, where: redact(dsn)}
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			var err error
			if path, err = DefaultPath(); err != nil {
				return nil, err
			}
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db, err := sql.Open("sqlite", sqliteDSN(path))
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
		s = &Store{db: db, dialect: SQLite, where: path}
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store %s: %w", s.where, err)
	}
	if err := s.migrate(ctx, ms); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store %s: %w", s.where, err)
	}
	return s, nil
}

// sqliteDSN is a file: URI with the connection settings every connection
// of the pool needs: wait for locks rather than fail, write-ahead logging
// (readers do not block the writer), foreign keys on, and write
// transactions that take the write lock when they begin, so two writers
// queue instead of deadlocking on a lock upgrade.
func sqliteDSN(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1&_txlock=immediate&_pragma=cache_size(-32768)"
}

// redact drops a password from a URL-form DSN.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	user := dsn[scheme+3 : at]
	if name, _, ok := strings.Cut(user, ":"); ok {
		return dsn[:scheme+3] + name + ":xxxxx" + dsn[at:]
	}
	return dsn
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Dialect says which database the store is.
func (s *Store) Dialect() Dialect { return s.dialect }

// String names the store for messages: its file, or its server with the
// password hidden.
func (s *Store) String() string { return string(s.dialect) + ":" + s.where }

// DB is the underlying database, for queries this package does not offer.
func (s *Store) DB() *sql.DB { return s.db }

// rebind turns the "?" placeholders the queries are written with into
// PostgreSQL's "$1, $2, ...". The queries hold no "?" in literals.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ErrNotFound is returned for a run id the store does not hold.
var ErrNotFound = errors.New("not in the store")
