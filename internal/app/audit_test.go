package app_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/audit"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

var masterKey = []byte("0123456789abcdef0123456789abcdef")

// TestAuditMutationsDetected tampers with the audit log the way someone
// with write access to the database could, on both databases, and checks
// that VerifyAudit names the first bad entry each time.
func TestAuditMutationsDetected(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "e.db")
		testAuditMutations(t, path, "sqlite", "file:"+path)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresURL(t)
		testAuditMutations(t, dsn, "pgx", dsn)
	})
}

func testAuditMutations(t *testing.T, dsn, driver, rawDSN string) {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{MasterKey: masterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{AuditKey: audit.SigningKey(masterKey)})
	for _, slug := range []string{"one", "two", "three", "four"} {
		pol := "version: 1\nproject: {name: " + slug + ", slug: " + slug + "}\ncontacts: {email: security@" + slug + ".org}\nsla: {acknowledge: 48h}\n"
		if _, err := st.CreateProject(ctx, store.NewProject{Slug: slug, Name: slug, Policy: []byte(pol), Actor: embargo.ActorCLI}); err != nil {
			t.Fatal(err)
		}
		if slug == "two" {
			if _, err := a.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rep, err := a.VerifyAudit(ctx); err != nil || rep.Entries != 4 || rep.Checkpoints != 1 {
		t.Fatalf("intact log: %+v %v", rep, err)
	}
	raw, err := sql.Open(driver, rawDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, tt := range []struct {
		name, tamper, undo, want string
		seq                      int64
	}{
		{"edit a field", `UPDATE audit_log SET actor = 'user:9' WHERE seq = 3`, `UPDATE audit_log SET actor = 'cli' WHERE seq = 3`, "content does not match its hash", 3},
		{"reorder two", `UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -2`,
			`UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -2`, "does not follow the previous entry's hash", 2},
		{"forge a checkpoint", `UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_log WHERE seq = 1)`,
			`UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_log WHERE seq = 2)`, "checkpoint signature is not valid", 2},
		{"delete an entry", `DELETE FROM audit_log WHERE seq = 3`, "", "expected entry 3 here", 4},
		{"truncate the tail, head fixed", `DELETE FROM audit_log WHERE seq >= 2; UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_log WHERE seq = 1)`, "", "vouches for entry 2, but the log has 1 entries", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, part := range strings.Split(tt.tamper, "; ") {
				exec(part)
			}
			_, err := a.VerifyAudit(ctx)
			var broken *audit.BrokenError
			if !errors.As(err, &broken) || broken.Seq != tt.seq || !strings.Contains(broken.Reason, tt.want) {
				t.Fatalf("got %v, want entry %d: %s", err, tt.seq, tt.want)
			}
			if tt.undo != "" {
				for _, part := range strings.Split(tt.undo, "; ") {
					exec(part)
				}
			}
		})
	}
}
