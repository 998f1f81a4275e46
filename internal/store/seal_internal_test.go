package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// TestSealedCellsAreBoundToTheirRow moves ciphertexts between rows and
// columns with raw SQL, as someone with write access to the database
// could: none of them opens in its new place.
func TestSealedCellsAreBoundToTheirRow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.db")
	s, err := Open(ctx, path, Options{MasterKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateProject(ctx, NewProject{Slug: "demo", Name: "Demo", Policy: []byte("x"), Actor: embargo.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, title := range []string{"first", "second"} {
		_, hash := embargo.NewToken()
		r, _, err := s.CreateReport(ctx, NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeAPI, ThreadHash: hash,
			Content:     embargo.ReportContent{Title: title, Description: "d"},
			Attachments: []NewAttachment{{Name: title + ".txt", Data: []byte(title)}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ChangeReport(ctx, r.ID, func(*embargo.Report, []embargo.Event) ([]EventInput, error) {
			return []EventInput{{Event: embargo.Event{Actor: embargo.ActorReporter, Kind: embargo.EventMessage, Audience: embargo.AudienceThread, Body: "msg " + title}}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if r, err := s.Report(ctx, ids[1]); err != nil || r.Content.Title != "second" {
		t.Fatalf("before: %+v %v", r.Content, err)
	}
	for _, swap := range []string{
		`UPDATE reports SET content = (SELECT content FROM reports WHERE id = $1) WHERE id = $2`,
		`UPDATE report_events SET body = (SELECT body FROM report_events WHERE report_id = $1 AND body IS NOT NULL) WHERE report_id = $2 AND body IS NOT NULL`,
		`UPDATE attachments SET data = (SELECT data FROM attachments WHERE report_id = $1) WHERE report_id = $2`,
		`UPDATE attachments SET data = (SELECT name FROM attachments WHERE report_id = $1) WHERE report_id = $2`,
	} {
		table := strings.Fields(swap)[1]
		if _, err := s.w.ExecContext(ctx, swap, ids[0], ids[1]); err != nil {
			t.Fatal(err)
		}
		var readErr error
		switch table {
		case "reports":
			_, readErr = s.Report(ctx, ids[1])
		case "report_events":
			_, readErr = s.Events(ctx, ids[1], "")
		case "attachments":
			evs, _ := s.Events(ctx, ids[0], "")
			_, _, readErr = s.Attachment(ctx, ids[1], evs[0].Attachments[0].ID+1, "")
		}
		if readErr == nil || !strings.Contains(readErr.Error(), "does not open") {
			t.Fatalf("%s: a moved ciphertext opened: %v", swap, readErr)
		}
	}
	// The first report, untouched, still reads.
	if r, err := s.Report(ctx, ids[0]); err != nil || r.Content.Title != "first" {
		t.Fatalf("untouched report: %+v %v", r.Content, err)
	}
	// Another master key opens nothing.
	s2, err := Open(ctx, path, Options{MasterKey: []byte("fedcba9876543210fedcba9876543210")})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Report(ctx, ids[0]); err == nil || !strings.Contains(err.Error(), "does not open with this master key") {
		t.Fatalf("another master key: %v", err)
	}
}

// TestProjectsFromBeforeSealingGetAKeyset: a project stored before the
// sealing migration gets its keyset at the next start.
func TestProjectsFromBeforeSealingGetAKeyset(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.db")
	s, err := Open(ctx, path, Options{MasterKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateProject(ctx, NewProject{Slug: "old", Name: "Old", Policy: []byte("x"), Actor: embargo.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM project_keys`); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path, Options{MasterKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, hash := embargo.NewToken()
	if _, _, err := s2.CreateReport(ctx, NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeAPI, ThreadHash: hash,
		Content: embargo.ReportContent{Title: "t", Description: "d"}}); err != nil {
		t.Fatalf("report on a project from before sealing: %v", err)
	}
}
