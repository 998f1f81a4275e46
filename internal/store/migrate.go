package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// migration is one numbered, forward-only .sql file.
type migration struct {
	Version int
	Name    string
	SQL     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := "migrations/" + string(s.dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(migrations, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations are not numbered 1..n: %s", m.Name)
		}
	}
	return out, nil
}

// migrationLockID is the PostgreSQL advisory lock that serialises replicas
// migrating at the same start.
const migrationLockID = 0x656d6261 // "emba"

// Migrate applies every embedded migration not yet applied, each in its own
// transaction, and returns the names of those it applied. It is safe to run
// from several replicas at once.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	applied, err := s.migrate(ctx, 0)
	if err != nil {
		return applied, err
	}
	return applied, s.ensureKeysets(ctx)
}

// migrate applies the migrations up to version upTo (all when 0).
func (s *Store) migrate(ctx context.Context, upTo int) ([]string, error) {
	ms, err := s.migrations()
	if err != nil {
		return nil, fmt.Errorf("store.Migrate: %w", err)
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store.Migrate: %w", err)
	}
	defer conn.Close()
	if s.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
			return nil, fmt.Errorf("store.Migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockID)
	}
	ts := "TIMESTAMP"
	if s.dialect == Postgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at `+ts+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store.Migrate: %w", err)
	}
	var applied []string
	for _, m := range ms {
		if upTo > 0 && m.Version > upTo {
			break
		}
		done, err := s.applyOne(ctx, conn, m)
		if err != nil {
			return applied, fmt.Errorf("store.Migrate(%s): %w", m.Name, err)
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

func (s *Store) applyOne(ctx context.Context, conn *sql.Conn, m migration) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, s.now()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// SchemaVersion returns the number of the last applied migration and the
// number of migrations this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (applied, known int, err error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, 0, err
	}
	err = s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied)
	if err != nil {
		return 0, len(ms), fmt.Errorf("store.SchemaVersion: %w", err)
	}
	return applied, len(ms), nil
}
