package server

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/embargo-cvd/embargo/internal/jobs"
	"github.com/embargo-cvd/embargo/internal/mail/imappoll"
)

// TestIMAPMailboxThroughTheJobEngine: mail waiting in a provider's mailbox
// (a real IMAP server, go-imap's, on loopback) becomes a report through
// the durable polling job, the message is flagged stored only then, and
// the receipt goes out through the outbox job.
func TestIMAPMailboxThroughTheJobEngine(t *testing.T) {
	m := newMailHarness(t)
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("security@virtrigaud.io", "mailbox-password")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return imapmemserver.NewUserSession(user), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		Logger:       log.New(io.Discard, "", 0),
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	msg := "From: Carol <carol@example.org>\r\nTo: security@virtrigaud.io\r\nSubject: Path traversal in the image upload\r\n" +
		"Message-ID: <c1@example.org>\r\n\r\nUpload a file named ../../etc/cron.d/x and it lands there.\r\n"
	if _, err := user.Append("INBOX", bytes.NewReader([]byte(msg)), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, err := jobs.Start(ctx, m.store, m.app, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{
		SweepEvery: time.Second, FetchPoll: 50 * time.Millisecond, IMAPEvery: time.Hour,
		IMAP: &imappoll.Config{Addr: ln.Addr().String(), Security: imappoll.None, Username: "security@virtrigaud.io", Password: "mailbox-password"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop(context.Background())
	deadline := time.Now().Add(20 * time.Second)
	for m.reportCount() == 0 || len(m.relay.Received()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: %d reports, %d mails sent", m.reportCount(), len(m.relay.Received()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := m.report(1); r.Content.Title != "Path traversal in the image upload" || r.Content.Contact != "carol@example.org" {
		t.Fatalf("report: %+v", r.Content)
	}
	if got := m.relay.Received()[0]; got.To[0] != "carol@example.org" || !bytes.Contains(got.Data, []byte("/t/")) {
		t.Fatalf("receipt: %+v", got)
	}
}
