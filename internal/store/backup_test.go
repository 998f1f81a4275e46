package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/embargo-cvd/embargo/internal/store"
)

// TestBackupCoversEveryTable fails when a migration adds a table that the
// backup does not list: a backup must hold the whole database.
func TestBackupCoversEveryTable(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "e.db"), store.Options{MasterKey: testMasterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := s.WriterForTest().QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		rows.Scan(&name)
		if name != "schema_migrations" && !slices.Contains(store.BackupTables, name) {
			t.Errorf("table %s is not in the backup (store.backupTables)", name)
		}
	}
}
