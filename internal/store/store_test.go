package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

func openSQLite(t *testing.T, clock *storetest.Clock) *store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "embargo.db")
	s, err := store.Open(context.Background(), path, store.Options{Now: clock.Now, MasterKey: testMasterKey})
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

// openPostgres gives each test its own schema, dropped afterwards.
func openPostgres(t *testing.T, clock *storetest.Clock) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), storetest.PostgresURL(t), store.Options{Now: clock.Now, MasterKey: testMasterKey})
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
func TestPostgres(t *testing.T) { storetest.PostgresURL(t); storetest.Run(t, openPostgres) }

// testMasterKey wraps the test stores' project keysets.
var testMasterKey = []byte("0123456789abcdef0123456789abcdef")
