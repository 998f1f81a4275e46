package backup_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/embargo-cvd/embargo/internal/audit"
	"github.com/embargo-cvd/embargo/internal/backup"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

var masterKey = []byte("0123456789abcdef0123456789abcdef")

const canary = "CANARY-BACKUP-7f3a"

func open(t *testing.T, dsn string, key []byte) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.Options{MasterKey: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sqliteDSN(t *testing.T) string { return filepath.Join(t.TempDir(), "e.db") }

// snapshot is what a restored database must reproduce of one report:
// the report with its unsealed content, its whole timeline with bodies,
// and every file's bytes.
type snapshot struct {
	Report embargo.Report
	Events []embargo.Event
	Files  map[int64][]byte
}

func take(t *testing.T, s *store.Store, id int64) snapshot {
	t.Helper()
	ctx := context.Background()
	r, err := s.Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	files := map[int64][]byte{}
	for _, ev := range evs {
		for _, a := range ev.Attachments {
			_, data, err := s.Attachment(ctx, id, a.ID, ev.Audience)
			if err != nil {
				t.Fatal(err)
			}
			files[a.ID] = data
		}
	}
	return snapshot{r, evs, files}
}

func newReport(ctx context.Context, s *store.Store, project int64, i int) (embargo.Report, error) {
	_, hash := embargo.NewToken()
	r, _, err := s.CreateReport(ctx, store.NewReport{ProjectID: project, PolicyRevision: 1, Channel: embargo.IntakeAPI, ThreadHash: hash,
		Content: embargo.ReportContent{Title: fmt.Sprintf("%s title %d", canary, i), Description: canary + " description",
			Contact: "reporter@example.net", Credit: embargo.CreditPreference{Mode: embargo.CreditHandle, Name: canary + "-name"}},
		Attachments: []store.NewAttachment{{Name: canary + ".txt", ContentType: "text/plain", Data: []byte(canary + fmt.Sprint(i))}}})
	return r, err
}

// seed fills a store with a project, a user with a role, reports with
// messages, notes and files, a duplicate that points at a later report,
// and a signed audit checkpoint.
func seed(t *testing.T, s *store.Store) embargo.Project {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateProject(ctx, store.NewProject{Slug: "demo", Name: "Demo", Policy: []byte("version: 1\n"), Actor: embargo.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, store.NewUser{Email: "tri@example.org", Name: "Tri", PasswordHash: "x"}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMember(ctx, embargo.ActorCLI, p.ID, u.ID, embargo.RoleTriager); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 3 {
		r, err := newReport(ctx, s, p.ID, i)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
		_, _, err = s.ChangeReport(ctx, r.ID, func(r *embargo.Report, _ []embargo.Event) ([]store.EventInput, error) {
			r.AssigneeID = u.ID
			return []store.EventInput{
				{Event: embargo.Event{Actor: embargo.UserActor(u.ID), Kind: embargo.EventMessage, Audience: embargo.AudienceThread, Body: canary + " message"}},
				{Event: embargo.Event{Actor: embargo.UserActor(u.ID), Kind: embargo.EventNote, Audience: embargo.AudienceInternal, Body: canary + " note"},
					Attachments: []store.NewAttachment{{Name: canary + "-note.bin", Data: []byte{0, 1, 2, 255}}}},
			}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Report 1 is a duplicate of report 3: restored rows may point forward.
	if _, err := s.ChangeReportPair(ctx, ids[0], ids[2], func(r, other *embargo.Report, _ []embargo.Event, _ bool) ([]store.EventInput, []store.EventInput, error) {
		r.DuplicateOf, r.State = other.ID, embargo.StateDuplicate
		return nil, nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	key := audit.SigningKey(bytes.Repeat([]byte{3}, 32))
	seq, hash, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddCheckpoint(ctx, audit.SignCheckpoint(key, seq, hash, time.Now())); err != nil {
		t.Fatal(err)
	}
	return p
}

func identity(t *testing.T) (*age.X25519Identity, []age.Recipient) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id, []age.Recipient{id.Recipient()}
}

// TestBackupUnderLoadRestoresIntoEitherDialect writes reports while a
// backup runs, restores it into a fresh SQLite database and a fresh
// PostgreSQL schema, and finds every report acknowledged before the
// backup began byte-identical after unsealing; then backs up the
// PostgreSQL copy and restores that into SQLite. The audit chain and its
// checkpoint verify in every copy, and the backup file holds no canary,
// encrypted or decrypted.
func TestBackupUnderLoadRestoresIntoEitherDialect(t *testing.T) {
	for _, source := range []string{"sqlite", "postgres"} {
		t.Run("from "+source, func(t *testing.T) {
			dsn := sqliteDSN(t)
			if source == "postgres" {
				dsn = storetest.PostgresURL(t)
			}
			testBackupUnderLoad(t, dsn)
		})
	}
}

func testBackupUnderLoad(t *testing.T, dsn string) {
	ctx := context.Background()
	src := open(t, dsn, masterKey)
	p := seed(t, src)

	// Writers run through the whole backup.
	var acked sync.Map // report id → true, once CreateReport returned
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				r, err := newReport(ctx, src, p.ID, 1000*w+i)
				if err != nil {
					t.Error(err)
					return
				}
				acked.Store(r.ID, true)
			}
		}()
	}
	// Back up once the writers have had a good number acknowledged (by
	// count, not by time: a loaded CI machine is slow).
	var before []int64
	for wait := time.Now().Add(30 * time.Second); len(before) < 10 && time.Now().Before(wait); {
		time.Sleep(20 * time.Millisecond)
		before = before[:0]
		acked.Range(func(k, _ any) bool { before = append(before, k.(int64)); return true })
	}
	id, recipients := identity(t)
	file := filepath.Join(t.TempDir(), "embargo.backup")
	info, err := backup.WriteFile(ctx, src, file, recipients)
	time.Sleep(50 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 5 || info.Rows["reports"] < len(before)+3 {
		t.Fatalf("load too light or snapshot too small: %d acknowledged, %d reports in the backup", len(before), info.Rows["reports"])
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode: %v %v", fi, err)
	}
	raw, _ := os.ReadFile(file)
	if bytes.Contains(raw, []byte(canary)) || bytes.Contains(raw, []byte("reporter@example.net")) {
		t.Fatal("the encrypted backup contains report text")
	}
	plain := decrypt(t, raw, id)
	if bytes.Contains(plain, []byte(canary)) || bytes.Contains(plain, []byte("reporter@example.net")) {
		t.Fatal("the decrypted backup stream contains report text: content must stay sealed")
	}
	if !bytes.Contains(plain, []byte(`"table":"reports"`)) {
		t.Fatal("the decrypted stream does not look like a backup")
	}

	check := func(t *testing.T, dst *store.Store, ids []int64) {
		t.Helper()
		for _, rid := range append(ids, 1, 2, 3) {
			want, got := take(t, src, rid), take(t, dst, rid)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("report %d differs after restore:\n%+v\n%+v", rid, want, got)
			}
		}
		if r, _ := dst.Report(ctx, 1); r.DuplicateOf != 3 {
			t.Fatalf("duplicate_of after restore: %d", r.DuplicateOf)
		}
		entries, err := dst.AuditLog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := audit.Verify(entries); err != nil {
			t.Fatalf("audit chain after restore: %v", err)
		}
		cps, err := dst.Checkpoints(ctx)
		if err != nil || len(cps) != 1 {
			t.Fatalf("checkpoints: %v %v", cps, err)
		}
		if err := audit.VerifyCheckpoints(entries, cps, audit.SigningKey(bytes.Repeat([]byte{3}, 32)).Public().(ed25519.PublicKey)); err != nil {
			t.Fatalf("checkpoint after restore: %v", err)
		}
		// The restored database takes new reports after the restored ids.
		r, err := newReport(ctx, dst, p.ID, 99999)
		if err != nil {
			t.Fatalf("new report after restore: %v", err)
		}
		if r.Number <= int64(info.Rows["reports"]) {
			t.Fatalf("new report numbered %d, restored %d", r.Number, info.Rows["reports"])
		}
	}
	ids := []int64{1}
	ids = append(ids, before...)
	t.Run("into sqlite", func(t *testing.T) {
		dst := open(t, sqliteDSN(t), masterKey)
		if _, err := backup.ReadFile(ctx, dst, file, []age.Identity{id}); err != nil {
			t.Fatal(err)
		}
		check(t, dst, ids)
	})
	t.Run("into postgres, then back into sqlite", func(t *testing.T) {
		dst := open(t, storetest.PostgresURL(t), masterKey)
		if _, err := backup.ReadFile(ctx, dst, file, []age.Identity{id}); err != nil {
			t.Fatal(err)
		}
		check(t, dst, ids)
		var again bytes.Buffer
		if _, err := backup.Write(ctx, dst, &again, recipients); err != nil {
			t.Fatal(err)
		}
		third := open(t, sqliteDSN(t), masterKey)
		if _, err := backup.Read(ctx, third, &again, []age.Identity{id}); err != nil {
			t.Fatal(err)
		}
		for _, rid := range []int64{1, 2, 3} {
			if !reflect.DeepEqual(take(t, src, rid), take(t, third, rid)) {
				t.Fatalf("report %d differs after a second round trip", rid)
			}
		}
	})
}

func decrypt(t *testing.T, raw []byte, id age.Identity) []byte {
	t.Helper()
	r, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRestoreRefusals: each bad restore is a clear error that leaves the
// target database as it was (empty, or with its own data).
func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	src := open(t, sqliteDSN(t), masterKey)
	seed(t, src)
	id, recipients := identity(t)
	var buf bytes.Buffer
	if _, err := backup.Write(ctx, src, &buf, recipients); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	other, _ := identity(t)
	empty := func(t *testing.T, s *store.Store) {
		t.Helper()
		ps, err := s.Projects(ctx)
		if err != nil && !strings.Contains(err.Error(), "no such table") {
			t.Fatal(err)
		}
		if len(ps) != 0 {
			t.Fatalf("a failed restore left %d projects", len(ps))
		}
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		ids   []age.Identity
		key   []byte
		kind  embargo.Kind
		want  string
		setup func(*store.Store)
	}{
		{name: "wrong identity", data: good, ids: []age.Identity{other}, key: masterKey, kind: embargo.KindInvalid, want: "encrypted to other recipients"},
		{name: "not a backup", data: []byte("hello"), ids: []age.Identity{id}, key: masterKey, kind: embargo.KindInvalid, want: "not an age-encrypted Embargo backup"},
		{name: "cut short", data: good[:len(good)*2/3], ids: []age.Identity{id}, key: masterKey, kind: embargo.KindInvalid, want: "damaged"},
		{name: "another master key", data: good, ids: []age.Identity{id}, key: bytes.Repeat([]byte{9}, 32), kind: embargo.KindInvalid, want: "master key does not open"},
		{name: "not empty", data: good, ids: []age.Identity{id}, key: masterKey, kind: embargo.KindConflict, want: "not empty",
			setup: func(s *store.Store) { seed(t, s) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := open(t, sqliteDSN(t), tc.key)
			if tc.setup != nil {
				tc.setup(dst)
			}
			_, err := backup.Read(ctx, dst, bytes.NewReader(tc.data), tc.ids)
			if err == nil || embargo.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (kind %v), want %v %q", err, embargo.KindOf(err), tc.kind, tc.want)
			}
			if tc.setup == nil {
				empty(t, dst)
			}
		})
	}
	if _, err := backup.ParseRecipients(nil, nil); err == nil || !strings.Contains(err.Error(), "never written unencrypted") {
		t.Fatalf("no recipient: %v", err)
	}
	if _, err := backup.ParseRecipients([]string{"age1nope"}, nil); err == nil {
		t.Fatal("a bad recipient was accepted")
	}
	file := filepath.Join(t.TempDir(), "b")
	os.WriteFile(file, []byte("keep me"), 0o600)
	if _, err := backup.WriteFile(ctx, src, file, recipients); embargo.KindOf(err) != embargo.KindConflict {
		t.Fatalf("overwriting a file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep me" {
		t.Fatal("the existing file was replaced")
	}
}
