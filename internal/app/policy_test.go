package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/audit"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// TestPolicyRevisionKeepsPromisesUntilReapplied: a new policy revision
// (acknowledgement in 24 hours instead of 48) applies to new reports at
// once; an open report keeps its 48 hours until the re-apply, whose
// preview shows the move and changes nothing, and whose apply moves the
// deadline, records the before and after on the timeline, and is audited.
func TestPolicyRevisionKeepsPromisesUntilReapplied(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := &fakeClock{t0}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "e.db"), store.Options{Now: clock.Now, MasterKey: masterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Now: clock.Now, AuditKey: audit.SigningKey(masterKey)})
	src, err := os.ReadFile("../../examples/policies/virtrigaud.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddProject(ctx, embargo.ActorCLI, "virtrigaud.yaml", src); err != nil {
		t.Fatal(err)
	}
	old, err := a.SubmitReport(ctx, "virtrigaud", app.Submission{Channel: embargo.IntakeAPI, Content: embargo.ReportContent{Title: "old", Description: "d"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.UpdatePolicy(ctx, embargo.ActorCLI, "v.yaml", src); embargo.KindOf(err) != embargo.KindConflict {
		t.Fatalf("the same policy again: %v", err)
	}
	if _, _, err := a.UpdatePolicy(ctx, embargo.ActorCLI, "v.yaml", []byte("version: 1\nproject: {slug: virtrigaud}\n")); embargo.KindOf(err) != embargo.KindInvalid {
		t.Fatalf("a broken policy: %v", err)
	}
	newer := []byte(strings.Replace(string(src), "acknowledge: 48h", "acknowledge: 24h", 1))
	clock.t = t0.Add(time.Hour)
	p, open, err := a.UpdatePolicy(ctx, embargo.ActorCLI, "v.yaml", newer)
	if err != nil || p.PolicyRevision != 2 || open != 1 {
		t.Fatalf("update: %+v %d %v", p, open, err)
	}
	fresh, err := a.SubmitReport(ctx, "virtrigaud", app.Submission{Channel: embargo.IntakeAPI, Content: embargo.ReportContent{Title: "new", Description: "d"}})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Report.PolicyRevision != 2 || !fresh.Report.NextDue.Equal(t0.Add(25*time.Hour)) {
		t.Fatalf("a new report: revision %d, due %v", fresh.Report.PolicyRevision, fresh.Report.NextDue)
	}
	preview, err := a.ReapplyPolicy(ctx, embargo.ActorCLI, "virtrigaud", false)
	if err != nil || len(preview.Reports) != 1 || preview.Reports[0].Report.ID != old.Report.ID {
		t.Fatalf("preview: %+v %v", preview, err)
	}
	ack := preview.Reports[0].Changes[0]
	if ack.Stage != embargo.StageAcknowledge || !ack.Before.Equal(t0.Add(48*time.Hour)) || !ack.After.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("acknowledge change: %+v", ack)
	}
	if r, _ := st.Report(ctx, old.Report.ID); r.PolicyRevision != 1 || !r.NextDue.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("the preview changed the report: revision %d due %v", r.PolicyRevision, r.NextDue)
	}
	if _, err := a.ReapplyPolicy(ctx, embargo.ActorCLI, "virtrigaud", true); err != nil {
		t.Fatal(err)
	}
	r, _ := st.Report(ctx, old.Report.ID)
	if r.PolicyRevision != 2 || !r.NextDue.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("after apply: revision %d due %v", r.PolicyRevision, r.NextDue)
	}
	evs, _ := st.Events(ctx, r.ID, embargo.AudienceInternal)
	last := evs[len(evs)-1]
	if last.Kind != embargo.EventPolicy || last.From != "1" || last.To != "2" ||
		!strings.Contains(last.Body, "the acknowledgement: Wed 25 Nov 2026 09:00 UTC → Tue 24 Nov 2026 09:00 UTC") {
		t.Fatalf("timeline: %+v", last)
	}
	if again, err := a.ReapplyPolicy(ctx, embargo.ActorCLI, "virtrigaud", true); err != nil || len(again.Reports) != 0 {
		t.Fatalf("second apply: %+v %v", again, err)
	}
	entries, err := st.AuditEntries(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if s := strings.Join(actions, " "); !strings.Contains(s, "project.policy") || !strings.Contains(s, "report.policy") {
		t.Fatalf("audit: %s", s)
	}
	if rep, err := a.VerifyAudit(ctx); err != nil {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}
