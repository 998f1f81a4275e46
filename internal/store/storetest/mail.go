package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// testMail covers the project's OpenPGP key, the keys that thread mail to
// a report, the sticky "encrypted" mark and the outbox with its retries.
func testMail(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p := newProject(t, s, "demo")
	if _, err := s.PGPKey(ctx, p.ID); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("no key yet: %v", err)
	}
	if _, err := s.SetPGPKey(ctx, p.ID, "ref-1", "AAAA", "public one", []byte("private one"), embargo.ActorCLI); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPGPKey(ctx, p.ID, "ref-2", "BBBB", "public two", []byte("private two"), embargo.ActorCLI); err != nil {
		t.Fatal(err)
	}
	k, err := s.PGPKey(ctx, p.ID)
	if err != nil || k.Fingerprint != "BBBB" || string(k.PrivateKey) != "private two" || !k.Active {
		t.Fatalf("active key: %+v %v", k, err)
	}
	if fpr, pub, err := s.PublicPGPKey(ctx, p.ID); err != nil || fpr != "BBBB" || pub != "public two" {
		t.Fatalf("public key: %s %s %v", fpr, pub, err)
	}
	entries, _ := s.AuditLog(ctx)
	if last := entries[len(entries)-1]; last.Action != "project.pgp_key" || last.Details["previous"] != "AAAA" || last.Details["fingerprint"] != "BBBB" {
		t.Fatalf("key change audit: %+v", last)
	}

	reply := store.NewMailKey(p.ID, store.MailKeyReply, "token-1")
	in := store.NewMailKey(p.ID, store.MailKeyInbound, "m1@example.org")
	if other := store.NewMailKey(p.ID+1, store.MailKeyReply, "token-1"); other.Hash == reply.Hash {
		t.Fatal("mail keys are not per project")
	}
	r, _, err := s.CreateReport(ctx, store.NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeEmail, ThreadHash: "th-mail",
		Content: embargo.ReportContent{Title: "By mail", Description: "text", Contact: "r@example.org"},
		Mail: &store.MailChange{Keys: []store.MailKey{in, reply}, Encrypted: true,
			Outbound: []store.NewOutbound{{Ref: "out-1", Kind: "receipt", Encrypted: true, Message: []byte(`{"to":"r@example.org"}`)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if id, kind, err := s.MailThread(ctx, reply.Hash); err != nil || id != r.ID || kind != store.MailKeyReply {
		t.Fatalf("reply key: %d %s %v", id, kind, err)
	}
	if _, _, err := s.MailThread(ctx, store.NewMailKey(p.ID, store.MailKeyReply, "token-2").Hash); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	// The same inbound Message-ID again is a conflict, and nothing of it stays.
	_, _, err = s.ChangeReport(ctx, r.ID, func(*embargo.Report, []embargo.Event) ([]store.EventInput, error) {
		return []store.EventInput{{Event: embargo.Event{Actor: embargo.ActorReporter, Kind: embargo.EventMessage, Audience: embargo.AudienceThread, Body: "again"},
			Mail: &store.MailChange{Keys: []store.MailKey{in}}}}, nil
	})
	if !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("a second store of one message: %v", err)
	}
	if evs, _ := s.Events(ctx, r.ID, ""); len(evs) != 1 {
		t.Fatalf("the refused message left %d events", len(evs))
	}
	// Encrypted stays true once a reporter encrypted.
	_, _, err = s.ChangeReport(ctx, r.ID, func(*embargo.Report, []embargo.Event) ([]store.EventInput, error) {
		return []store.EventInput{{Event: embargo.Event{Actor: embargo.ActorReporter, Kind: embargo.EventMessage, Audience: embargo.AudienceThread, Body: "clear"},
			Mail: &store.MailChange{Keys: []store.MailKey{store.NewMailKey(p.ID, store.MailKeyInbound, "m2@example.org")}}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if enc, err := s.ReportMailEncrypted(ctx, r.ID); err != nil || !enc {
		t.Fatalf("encrypted mark: %t %v", enc, err)
	}

	// The outbox: pending, a failed attempt retried later, then sent and erased.
	pending, err := s.PendingOutbound(ctx, clock.Now(), 10)
	if err != nil || len(pending) != 1 || !bytes.Equal(pending[0].Message, []byte(`{"to":"r@example.org"}`)) || pending[0].Kind != "receipt" {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	o := pending[0]
	if err := s.RecordOutbound(ctx, o.ID, errors.New("451 try later"), clock.Now().Add(time.Minute), false); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.PendingOutbound(ctx, clock.Now(), 10); len(again) != 0 {
		t.Fatal("a failed mail is retried before its next attempt")
	}
	clock.Advance(2 * time.Minute)
	if again, _ := s.PendingOutbound(ctx, clock.Now(), 10); len(again) != 1 {
		t.Fatal("a failed mail is not retried")
	}
	if err := s.RecordOutbound(ctx, o.ID, nil, time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	list, err := s.OutboundFor(ctx, r.ID)
	if err != nil || len(list) != 1 || list[0].Attempts != 2 || list[0].SentAt.IsZero() || list[0].LastError != "" {
		t.Fatalf("sent: %+v %v", list, err)
	}
	if again, _ := s.PendingOutbound(ctx, clock.Now(), 10); len(again) != 0 {
		t.Fatal("a sent mail is pending")
	}
	// Key status counts the sealed key and no erased envelope.
	st, err := s.KeyStatus(ctx, p.ID)
	if err != nil || st.Pending != 0 {
		t.Fatalf("key status: %+v %v", st, err)
	}
}
