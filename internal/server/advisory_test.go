package server

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

var threadToken = regexp.MustCompile(`/t/([A-Za-z0-9_-]{43})`)

// TestAdvisoryDisclosureFlow: a mailed report is fixed; an advisory is
// drafted from it with the reporter's chosen credit; publishing needs the
// reporter's agreement; the maintainers propose a date, the reporter
// accepts it in the thread, and at that instant the advisory publishes
// itself, the report is disclosed and the reporter is told. A later change
// is a new revision, never a silent rewrite; a withdrawal stays public.
func TestAdvisoryDisclosureFlow(t *testing.T) {
	m := newMailHarness(t)
	ctx := context.Background()
	msg := "From: Bob <bob@example.com>\r\nTo: security@virtrigaud.io\r\nSubject: Agent accepts unsigned jobs\r\nMessage-ID: <adv1@example.com>\r\n\r\nThe agent runs any job.\r\n"
	if err := smtpSend(t, m.listen, "bob@example.com", []string{"security@virtrigaud.io"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	receipt := m.deliverOutbox()
	token := threadToken.FindSubmatch(receipt[0].Data)
	if token == nil {
		t.Fatal("no thread link in the receipt")
	}
	if err := m.app.SetCredit(ctx, string(token[1]), embargo.CreditPreference{Mode: embargo.CreditName, Name: "Bob Builder"}); err != nil {
		t.Fatal(err)
	}
	m.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	owner := mustUser(m.harness, "owner@demo.org")
	for _, s := range []embargo.State{embargo.StateAcknowledged, embargo.StateTriaged, embargo.StateFixing, embargo.StateFixed} {
		if _, err := m.app.Transition(ctx, owner, "virtrigaud", 1, s, ""); err != nil {
			t.Fatal(err)
		}
	}
	m.deliverOutbox()
	adv, err := m.app.CreateAdvisory(ctx, owner, "virtrigaud", []int64{1})
	if err != nil {
		t.Fatal(err)
	}
	year := m.clock.Now().Year()
	if adv.Ref != "VIRT-"+itoa(year)+"-0001" || adv.State != embargo.AdvisoryDraft || len(adv.Credits) != 0 {
		t.Fatalf("draft: %+v", adv)
	}
	in := app.AdvisoryInput{Summary: "Agent accepts unsigned jobs", Details: "The agent's job endpoint does not check signatures.",
		CVSS3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CWEs: []string{"CWE-347"},
		Affected: []embargo.AffectedProduct{{Ecosystem: "Go", Package: "github.com/virtrigaud/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}}}},
		Credits:  []embargo.AdvisoryCredit{{Name: "Ada Analyst", Type: "ANALYST"}}}
	if adv, err = m.app.EditAdvisory(ctx, owner, "virtrigaud", adv.Ref, in, ""); err != nil || adv.CVSS3Score != 9.8 || adv.Severity != "critical" {
		t.Fatalf("edit: %+v %v", adv, err)
	}
	if _, err := m.app.PublishAdvisory(ctx, owner, "virtrigaud", adv.Ref, ""); !errors.Is(err, embargo.ErrConflict) || !strings.Contains(err.Error(), "agreement") {
		t.Fatalf("publish without agreement: %v", err)
	}

	// The maintainers propose; the reporter is told by mail and accepts.
	when := m.clock.Now().Add(10 * 24 * time.Hour)
	if err := m.app.ProposeDisclosure(ctx, owner, "virtrigaud", 1, m.clock.Now().Add(-time.Hour), ""); err == nil || !strings.Contains(err.Error(), "future") {
		t.Fatalf("a date in the past: %v", err)
	}
	if err := m.app.ProposeDisclosure(ctx, owner, "virtrigaud", 1, when, ""); err != nil {
		t.Fatal(err)
	}
	if sent := m.deliverOutbox(); len(sent) != 1 || !bytes.Contains(sent[0].Data, []byte("We propose to disclose on")) {
		t.Fatalf("proposal mail: %d", len(sent))
	}
	if err := m.app.AcceptDisclosure(ctx, owner, "virtrigaud", 1, time.Time{}); err == nil {
		t.Fatal("the proposing side accepted its own proposal")
	}
	if err := m.app.ReporterAcceptDisclosure(ctx, string(token[1]), when.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "changed meanwhile") {
		t.Fatalf("accepting a date not proposed: %v", err)
	}
	if err := m.app.ReporterAcceptDisclosure(ctx, string(token[1]), when.Truncate(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := m.app.SetCredit(ctx, string(token[1]), embargo.CreditPreference{Mode: embargo.CreditHandle, Name: "bobthebuilder"}); err != nil {
		t.Fatal(err)
	}
	v, err := m.app.Advisory(ctx, owner, "virtrigaud", adv.Ref)
	if err != nil || v.Advisory.State != embargo.AdvisoryScheduled || !v.Advisory.DisclosesAt.Equal(when.Truncate(time.Minute)) {
		t.Fatalf("scheduled: %+v %v", v.Advisory, err)
	}
	// Had the scheduling step after the agreement failed, the sweep
	// catches up: a draft whose reports all agreed is scheduled.
	if _, err := m.store.ChangeAdvisory(ctx, v.Advisory.ID, embargo.ActorCLI, func(a *embargo.Advisory, _ []*embargo.Report) (store.AdvisoryChange, error) {
		a.State, a.DisclosesAt = embargo.AdvisoryDraft, time.Time{}
		return store.AdvisoryChange{Action: "advisory.test"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	before, _ := m.store.AuditLog(ctx)
	if n, err := m.app.PublishDue(ctx); err != nil || n != 0 {
		t.Fatalf("catch-up sweep: %d %v", n, err)
	}
	if v, _ := m.app.Advisory(ctx, owner, "virtrigaud", adv.Ref); v.Advisory.State != embargo.AdvisoryScheduled {
		t.Fatalf("not rescheduled: %s", v.Advisory.State)
	}
	m.app.PublishDue(ctx)
	if after, _ := m.store.AuditLog(ctx); len(after) != len(before)+1 {
		t.Fatalf("a sweep with nothing to do wrote %d audit entries", len(after)-len(before)-1)
	}
	if _, err := m.app.PublishAdvisory(ctx, owner, "virtrigaud", adv.Ref, ""); !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("early publication without a reason: %v", err)
	}
	if err := m.app.ReporterProposeDisclosure(ctx, string(token[1]), when.Add(24*time.Hour), ""); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("an extension without a reason: %v", err)
	}
	if thread := body(m.get(m.client(), "/t/"+string(token[1]))); !strings.Contains(thread, "agreed to disclose on") {
		t.Error("the thread does not show the agreement")
	}

	// Nothing published before the instant; at it, without anyone acting.
	if n, err := m.app.PublishDue(ctx); err != nil || n != 0 {
		t.Fatalf("early sweep: %d %v", n, err)
	}
	m.clock.Advance(10*24*time.Hour + time.Minute)
	if n, err := m.app.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("sweep at the instant: %d %v", n, err)
	}
	if r := m.report(1); r.State != embargo.StateDisclosed {
		t.Fatalf("report state %s", r.State)
	}
	if sent := m.deliverOutbox(); len(sent) != 2 || !bytes.Contains(sent[0].Data, []byte("/advisories/"+adv.Ref+".html")) ||
		!bytes.Contains(sent[1].Data, []byte("is now: disclosed")) {
		t.Fatalf("publication and disclosure mails: %d", len(sent))
	}
	pub, err := m.store.PublicAdvisories(ctx, 0)
	if err != nil || len(pub) != 1 || pub[0].Version != 1 || pub[0].Published.IsZero() || pub[0].ReportIDs != nil {
		t.Fatalf("public: %+v %v", pub, err)
	}
	// Bob changed his mind before publication: credited by handle.
	if got := pub[0].Credits; len(got) != 2 || got[0].Name != "bobthebuilder" || got[1].Name != "Ada Analyst" {
		t.Fatalf("credits: %+v", got)
	}

	// Changes after publication.
	if _, err := m.app.EditAdvisory(ctx, owner, "virtrigaud", adv.Ref, in, ""); err == nil {
		t.Fatal("a published advisory changed without a summary of the change")
	}
	in.References = []embargo.Reference{{Type: "FIX", URL: "https://github.com/virtrigaud/virtrigaud/commit/abc123"}}
	m.clock.Advance(time.Hour)
	up, err := m.app.EditAdvisory(ctx, owner, "virtrigaud", adv.Ref, in, "Link the fix")
	if err != nil || up.Version != 2 || len(up.Revisions) != 2 || !up.Modified.After(up.Published) {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err := m.app.WithdrawAdvisory(ctx, owner, "virtrigaud", adv.Ref, ""); err == nil {
		t.Fatal("withdrawn without a reason")
	}
	w, err := m.app.WithdrawAdvisory(ctx, owner, "virtrigaud", adv.Ref, "Not a vulnerability after all")
	if err != nil || w.State != embargo.AdvisoryWithdrawn || w.Version != 3 || w.Withdrawn.IsZero() {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	if _, err := m.app.EditAdvisory(ctx, owner, "virtrigaud", adv.Ref, in, "again"); !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("edit after withdrawal: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
