// Package store keeps Embargo's data in SQLite (the embedded default) or
// PostgreSQL (for several replicas), with the same SQL where the dialects
// agree and a small switch where they do not. Store methods own their
// transactions and write the audit entry in the same transaction as the
// change it records.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/seal"
)

// Dialect is the SQL dialect of the database behind a Store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the database. It is safe for concurrent use.
type Store struct {
	dialect Dialect
	// w takes every write. On SQLite it is a single connection (one
	// writer); on PostgreSQL it is the same pool as r.
	w *sql.DB
	r *sql.DB
	// now is the injected clock, in UTC.
	now func() time.Time
	// stmts holds prepared statements of the hot paths (SQLite).
	stmts stmts
	// keys seal and open report content (see internal/seal).
	keys *seal.Keys
	// group runs the write transactions, one at a time per process, with
	// group commit (group.go). Every write appends to the audit chain,
	// whose head row serialises them anyway, and SQLite has one writer.
	group *committer
	// plaintext: content is stored unsealed (benchmark builds only).
	plaintext bool
}

// Options tune Open.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MasterKey (32 bytes) wraps the projects' data keysets; required.
	MasterKey []byte
	// PlaintextForBenchmark stores report content unsealed, so that
	// bench/intake can measure sealing's cost in the same run. Open
	// refuses it unless the binary is built with the embargobench tag;
	// no configuration of the server reaches it.
	PlaintextForBenchmark bool
}

// Open connects to a database URL: postgres:// or postgresql:// for
// PostgreSQL, sqlite:PATH or a plain file path for SQLite (the directory is
// created 0700). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	keys, err := seal.NewKeys(o.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	if o.PlaintextForBenchmark && !plaintextAllowed {
		return nil, errors.New("store.Open: unsealed storage exists only in the benchmark build (-tags embargobench)")
	}
	s := &Store{now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }, keys: keys, plaintext: o.PlaintextForBenchmark}
	switch {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		s.dialect = Postgres
		s.w, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store.Open: %w", err)
		}
		s.w.SetMaxOpenConns(20)
		// database/sql keeps 2 idle connections by default: more concurrent
		// requests than that opened a PostgreSQL backend (a process) each.
		s.w.SetMaxIdleConns(20)
		s.w.SetConnMaxIdleTime(5 * time.Minute)
		s.r = s.w
	default:
		s.dialect = SQLite
		if err := s.openSQLite(strings.TrimPrefix(dsn, "sqlite:")); err != nil {
			return nil, err
		}
	}
	var begin func(context.Context, *sql.Tx) error
	if s.dialect == Postgres {
		begin = func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE`)
			return err
		}
	}
	s.group = newCommitter(s.w, begin, func() {
		if s.stmts.hasPending() {
			s.stmts.preparePending(context.Background())
		}
	})
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store.Open: cannot reach the database: %w", err)
	}
	return s, nil
}

func (s *Store) openSQLite(path string) error {
	if path == "" {
		return embargo.Errorf(embargo.KindInvalid, "empty SQLite path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	q := url.Values{}
	// busy_timeout first, so that the pragmas after it wait instead of failing.
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	var err error
	if s.w, err = sql.Open("sqlite", dsn); err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	if s.r, err = sql.Open("sqlite", dsn); err != nil {
		s.w.Close()
		return fmt.Errorf("store.Open: %w", err)
	}
	s.r.SetMaxOpenConns(8)
	s.r.SetMaxIdleConns(8) // opening one runs the pragmas again
	// Create the file with owner-only permissions before the driver does.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	return f.Close()
}

// Dialect reports which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return err
	}
	return s.r.PingContext(ctx)
}

// Close releases the connections.
func (s *Store) Close() error {
	s.group.close()
	s.stmts.close()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Now returns the store's clock reading (UTC, microsecond precision).
func (s *Store) Now() time.Time { return s.now() }

// inTx runs fn in a write transaction, shared with the other writes
// queued at the same time (group commit, group.go), and returns when the
// change is durable or fn failed (then nothing of fn stays).
func (s *Store) inTx(ctx context.Context, op string, fn func(context.Context, *sql.Tx) error) error {
	if err := s.group.run(ctx, fn); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// isUniqueViolation reports whether err is a unique-constraint failure.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505")
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return embargo.Errorf(embargo.KindNotFound, "%s not found", what)
	}
	return err
}

// JobDB is the connection pool that takes writes, for the job engine
// (internal/jobs), whose jobs live in the same database and are inserted
// in the store's transactions. On SQLite it is the one writer connection.
func (s *Store) JobDB() *sql.DB { return s.w }
