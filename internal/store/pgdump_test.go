package store_test

import (
	"bytes"
	"context"
	"net/url"
	"os/exec"
	"testing"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

// TestPgDumpRevealsNoReportText stores canaries in every sealed column on
// PostgreSQL and searches a pg_dump of the schema for them: no hit.
func TestPgDumpRevealsNoReportText(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		// With a PostgreSQL to test against, a missing pg_dump is a broken
		// setup, not a reason to skip.
		t.Fatal("pg_dump not found: apt-get install -y postgresql-client")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{MasterKey: testMasterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateProject(ctx, store.NewProject{Slug: "demo", Name: "Demo", Policy: []byte("x"), Actor: embargo.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	const canary = "PGCANARY-51d0e2"
	_, hash := embargo.NewToken()
	r, _, err := s.CreateReport(ctx, store.NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeAPI, ThreadHash: hash,
		Content: embargo.ReportContent{Title: canary + " title", Description: canary + " description", Contact: "pgcanary-51d0e2@example.net",
			Credit: embargo.CreditPreference{Mode: embargo.CreditName, Name: canary + " name"}},
		Attachments: []store.NewAttachment{{Name: canary + ".txt", Data: []byte(canary + " data")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ChangeReport(ctx, r.ID, func(*embargo.Report, []embargo.Event) ([]store.EventInput, error) {
		return []store.EventInput{{Event: embargo.Event{Actor: embargo.UserActor(1), Kind: embargo.EventNote, Audience: embargo.AudienceInternal, Body: canary + " note"},
			Attachments: []store.NewAttachment{{Name: canary + "-note.bin", Data: []byte(canary + " note data")}}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dsn)
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	out, err := exec.Command(pgDump, "--schema="+schema, "--no-owner", u.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if !bytes.Contains(out, []byte("CREATE TABLE "+schema+".reports")) || len(out) < 10000 {
		t.Fatalf("the dump does not hold the schema (%d bytes)", len(out))
	}
	if i := bytes.Index(bytes.ToLower(out), []byte("51d0e2")); i >= 0 {
		t.Fatalf("report text in the dump: …%q…", out[max(0, i-40):min(len(out), i+20)])
	}
	got, err := s.Report(ctx, r.ID)
	if err != nil || got.Content.Title != canary+" title" {
		t.Fatalf("read back: %+v %v", got.Content, err)
	}
}
