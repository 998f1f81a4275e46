package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

func openSQLite(t *testing.T, clock *storetest.Clock) *store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "embargo.db")
	s, err := store.Open(context.Background(), path, store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("database file mode %v, %v; want 0600", fi.Mode(), err)
	}
	return s
}

// PostgresURL returns the test database URL or skips the test, saying how
// to run it.
func postgresURL(t *testing.T) string {
	u := os.Getenv("EMBARGO_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("PostgreSQL tests skipped: set EMBARGO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable (bash .ci/run does)")
	}
	return u
}

// openPostgres gives each test its own schema, dropped afterwards.
func openPostgres(t *testing.T, clock *storetest.Clock) *store.Store {
	t.Helper()
	base := postgresURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := store.Open(context.Background(), u.String(), store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLite(t *testing.T)   { storetest.Run(t, openSQLite) }
func TestPostgres(t *testing.T) { postgresURL(t); storetest.Run(t, openPostgres) }
