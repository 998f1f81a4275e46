package app_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/mail"
	"github.com/embargo-cvd/embargo/internal/mail/mailtest"
	"github.com/embargo-cvd/embargo/internal/store"
)

// TestNotificationMail: a missed deadline reaches the owner by mail
// through the relay (a real SMTP server on loopback), without a word of
// the report; a relay that refuses gets the mail again at the next
// delivery, and a delivered mail is never sent twice.
func TestNotificationMail(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "e.db"), store.Options{Now: clock.Now, MasterKey: masterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	relay := mailtest.Start(t, mailtest.Options{})
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Now: clock.Now, BaseURL: "https://embargo.example.org",
		Mailer: mail.Relay{Addr: relay.Addr, From: "Embargo <security@demo.org>", Security: mail.None}})
	p, err := a.AddProject(ctx, embargo.ActorCLI, "demo.yaml",
		[]byte("version: 1\nproject: {name: Demo, slug: demo}\ncontacts: {email: security@demo.org}\nsla: {acknowledge: 48h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	owner, err := st.CreateUser(ctx, store.NewUser{Email: "owner@demo.org", Name: "Olga", PasswordHash: "x"}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMember(ctx, embargo.ActorCLI, p.ID, owner.ID, embargo.RoleOwner); err != nil {
		t.Fatal(err)
	}
	const secret = "SECRET-TITLE-9d1c"
	if _, err := a.SubmitReport(ctx, "demo", app.Submission{Channel: embargo.IntakeAPI,
		Content: embargo.ReportContent{Title: secret, Description: secret}}); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(49 * time.Hour)
	if _, err := a.SweepSLA(ctx); err != nil {
		t.Fatal(err)
	}
	relay.SetFailing(true)
	if sent, err := a.DeliverNotificationEmails(ctx); err == nil || sent != 0 {
		t.Fatalf("refused delivery: sent %d, err %v", sent, err)
	}
	relay.SetFailing(false)
	if sent, err := a.DeliverNotificationEmails(ctx); err != nil || sent != 1 {
		t.Fatalf("second delivery: sent %d, err %v", sent, err)
	}
	if sent, err := a.DeliverNotificationEmails(ctx); err != nil || sent != 0 {
		t.Fatalf("third delivery: sent %d, err %v", sent, err)
	}
	got := relay.Received()
	if len(got) != 1 || got[0].To[0] != "owner@demo.org" {
		t.Fatalf("received: %+v", got)
	}
	data := string(got[0].Data)
	for _, want := range []string{"Subject: [Embargo] Deadline missed: demo#1 acknowledgement", "Hello Olga,",
		"demo#1 missed its deadline for the acknowledgement.", "https://embargo.example.org/m/demo/reports/1", "holds no report content"} {
		if !strings.Contains(data, want) {
			t.Errorf("mail lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(data, secret) {
		t.Error("the mail contains report text")
	}
}
