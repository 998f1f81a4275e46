package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/embargo-cvd/embargo/internal/embargo"
	emailer "github.com/embargo-cvd/embargo/internal/mail"
	"github.com/embargo-cvd/embargo/internal/mail/mailtest"
	"github.com/embargo-cvd/embargo/internal/mail/smtpd"
	"github.com/embargo-cvd/embargo/internal/pgp"
)

// mailHarness is a harness whose app mails reporters through a capturing
// relay and receives mail on a real SMTP listener on loopback.
type mailHarness struct {
	*harness
	relay  *mailtest.Server
	listen string
}

func newMailHarness(t *testing.T) *mailHarness {
	t.Helper()
	relay := mailtest.Start(t, mailtest.Options{})
	h := newHarnessOpts(t, nil, emailer.Relay{Addr: relay.Addr, From: "embargo@virtrigaud.io", Security: emailer.None})
	h.addProject("virtrigaud.yaml")
	srv, err := smtpd.Listen(h.app, slog.New(slog.NewTextHandler(io.Discard, nil)), smtpd.Options{Addr: "127.0.0.1:0", Domain: "mx.virtrigaud.io", MaxBytes: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	return &mailHarness{harness: h, relay: relay, listen: srv.Addr().String()}
}

// swaks delivers a message file over SMTP with swaks, a real SMTP client.
func (m *mailHarness) swaks(from, to string, msg []byte) string {
	m.t.Helper()
	if _, err := exec.LookPath("swaks"); err != nil {
		m.t.Skip("swaks is not installed (apt-get install swaks)")
	}
	f := filepath.Join(m.t.TempDir(), "msg.eml")
	os.WriteFile(f, msg, 0o600)
	host, port, _ := strings.Cut(m.listen, ":")
	out, err := exec.Command("swaks", "--server", host, "--port", port, "--from", from, "--to", to, "--data", f).CombinedOutput()
	if err != nil {
		m.t.Fatalf("swaks: %v\n%s", err, out)
	}
	return string(out)
}

// deliverOutbox sends the queued mail and returns what the relay got since.
func (m *mailHarness) deliverOutbox() []mailtest.Mail {
	m.t.Helper()
	before := len(m.relay.Received())
	if _, err := m.app.DeliverOutbox(context.Background()); err != nil {
		m.t.Fatal(err)
	}
	return m.relay.Received()[before:]
}

func (m *mailHarness) report(n int64) embargo.Report {
	m.t.Helper()
	p, err := m.store.ProjectBySlug(context.Background(), "virtrigaud")
	if err != nil {
		m.t.Fatal(err)
	}
	r, err := m.store.ReportByNumber(context.Background(), p.ID, n)
	if err != nil {
		m.t.Fatal(err)
	}
	return r
}

// pgpMIME wraps an armored OpenPGP message as RFC 3156 PGP/MIME.
func pgpMIME(headers string, armored []byte) []byte {
	return []byte(headers + "MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n" +
		"--outer\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n" +
		strings.ReplaceAll(string(armored), "\n", "\r\n") + "\r\n--outer--\r\n")
}

// TestEncryptedMailThreadWithGnuPG: a reporter with GnuPG finds the
// project's key through Web Key Directory and the key URL, encrypts and
// signs a report to it and sends it with swaks over SMTP; Embargo
// decrypts it into a sealed report, records the signer's key, and mails a
// receipt GnuPG decrypts and verifies. A maintainer's message from the UI
// goes out encrypted to the reporter, whose encrypted reply to the reply
// address lands in the same thread.
func TestEncryptedMailThreadWithGnuPG(t *testing.T) {
	m := newMailHarness(t)
	g := newGPG(t)
	reporterFpr := g.newKey("Rita Reporter <rita@example.net>")

	// The project's key, as a reporter finds it.
	asc := body(m.get(m.client(), "/p/virtrigaud/pgp-key.asc"))
	projectFpr := g.showKey([]byte(asc))
	out, err := exec.Command("/usr/lib/gnupg/gpg-wks-client", "--print-wkd-hash", "security@virtrigaud.io").Output()
	if err != nil {
		t.Skipf("gpg-wks-client: %v", err)
	}
	hash, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	wkd := m.get(m.client(), "/.well-known/openpgpkey/virtrigaud.io/hu/"+hash+"?l=security")
	if wkd.StatusCode != 200 || wkd.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("WKD: %d %s", wkd.StatusCode, wkd.Header.Get("Content-Type"))
	}
	if fpr := g.showKey([]byte(body(wkd))); fpr != projectFpr {
		t.Fatalf("WKD serves %s, the key URL %s", fpr, projectFpr)
	}
	if txt := body(m.get(m.client(), "/p/virtrigaud/security.txt")); !strings.Contains(txt, "Encryption: openpgp4fpr:"+projectFpr) {
		t.Errorf("security.txt does not name the project's key:\n%s", txt)
	}
	g.run([]byte(asc), "--import")

	const secret = "CANARY-mail-7f3a: the agent endpoint /v1/exec runs any command"
	pub := g.run(nil, "--armor", "--export", reporterFpr)
	inner := "Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		secret + "\r\n--inner\r\nContent-Type: application/pgp-keys; name=\"rita.asc\"\r\n\r\n" + string(pub) + "\r\n--inner--\r\n"
	enc := g.run([]byte(inner), "--armor", "--encrypt", "--sign", "-u", reporterFpr, "-r", "security@virtrigaud.io")
	msg := pgpMIME("From: Rita Reporter <rita@example.net>\r\nTo: security@virtrigaud.io\r\nSubject: ...\r\n"+
		"Message-ID: <first@example.net>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n", enc)
	if out := m.swaks("rita@example.net", "security@virtrigaud.io", msg); !strings.Contains(out, "250") {
		t.Fatalf("swaks: %s", out)
	}
	r := m.report(1)
	if r.Channel != embargo.IntakeEmail || !strings.Contains(r.Content.Description, secret) || r.Content.Contact != "rita@example.net" {
		t.Fatalf("report: %+v", r)
	}
	if k, err := pgp.ParsePublicKey([]byte(r.Content.PGPKey)); err != nil || k.Fingerprint() != reporterFpr {
		t.Fatalf("the signer's key is not the reporter's key: %v", err)
	}
	if raw := m.rawDatabase(); bytes.Contains(raw, []byte("CANARY-mail-7f3a")) {
		t.Fatal("the decrypted report is in the database file in clear")
	}
	// A retry of the same message (the sender missed our 250) stores nothing new.
	m.swaks("rita@example.net", "security@virtrigaud.io", msg)
	if n := m.reportCount(); n != 1 {
		t.Fatalf("a retried message made %d reports", n)
	}

	// The receipt: encrypted to Rita, signed by the project.
	sent := m.deliverOutbox()
	if len(sent) != 1 || sent[0].To[0] != "rita@example.net" {
		t.Fatalf("receipt: %+v", sent)
	}
	receipt := m.decrypt(g, sent[0].Data, projectFpr)
	if !regexp.MustCompile(`/t/[A-Za-z0-9_-]{43}`).MatchString(receipt) || !strings.Contains(receipt, "Acknowledgement of your report: by") {
		t.Fatalf("receipt text:\n%s", receipt)
	}
	if bytes.Contains(sent[0].Data, []byte("/t/")) || bytes.Contains(sent[0].Data, []byte("CANARY")) {
		t.Fatal("the receipt's text travels in clear")
	}

	// A maintainer writes from the UI; the mail is encrypted to Rita.
	owner := m.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	if res := m.post(owner, "/m/virtrigaud/reports/1/messages", map[string][]string{"body": {"Which version runs the agent? CANARY-reply-1"}}); res.StatusCode != 303 {
		t.Fatalf("message: %d %s", res.StatusCode, body(res))
	}
	sent = m.deliverOutbox()
	if len(sent) != 1 || bytes.Contains(sent[0].Data, []byte("CANARY-reply-1")) {
		t.Fatalf("maintainer's mail: %d, or in clear", len(sent))
	}
	if text := m.decrypt(g, sent[0].Data, projectFpr); !strings.Contains(text, "Which version runs the agent? CANARY-reply-1") {
		t.Fatalf("maintainer's mail decrypts to:\n%s", text)
	}
	hdr, err := mail.ReadMessage(bytes.NewReader(sent[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	replyTo := hdr.Header.Get("Reply-To")
	if !regexp.MustCompile(`^<?security\+r-[a-z2-7]{32}@virtrigaud\.io>?$`).MatchString(replyTo) {
		t.Fatalf("Reply-To: %q", replyTo)
	}
	replyTo = strings.Trim(replyTo, "<>")

	// Rita answers, encrypted, to the reply address.
	enc = g.run([]byte("Content-Type: text/plain\r\n\r\nVersion 2.3.1, CANARY-answer-2\r\n"), "--armor", "--encrypt", "--sign", "-u", reporterFpr, "-r", "security@virtrigaud.io")
	reply := pgpMIME("From: rita@example.net\r\nTo: "+replyTo+"\r\nSubject: ...\r\nMessage-ID: <second@example.net>\r\n"+
		"In-Reply-To: "+hdr.Header.Get("Message-ID")+"\r\n", enc)
	m.swaks("rita@example.net", replyTo, reply)
	if n := m.reportCount(); n != 1 {
		t.Fatalf("the reply opened a new report (%d reports)", n)
	}
	page := body(m.get(owner, "/m/virtrigaud/reports/1"))
	for _, want := range []string{secret, "Which version runs the agent?", "Version 2.3.1, CANARY-answer-2"} {
		if !strings.Contains(page, want) {
			t.Errorf("the thread lacks %q", want)
		}
	}
	if strings.Contains(m.logs.String(), "CANARY") || strings.Contains(m.logs.String(), "+r-") {
		t.Error("the log holds report content or a reply token")
	}
}

// decrypt has GnuPG decrypt a PGP/MIME mail and checks the project signed it.
func (m *mailHarness) decrypt(g *gpgHome, data []byte, signer string) string {
	m.t.Helper()
	block, ok := pgp.FindArmored(data, "PGP MESSAGE")
	if !ok {
		m.t.Fatalf("not an OpenPGP mail:\n%s", data)
	}
	out, errOut, err := g.try(block, "--status-fd", "2", "--decrypt")
	if err != nil {
		m.t.Fatalf("gpg --decrypt: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "VALIDSIG "+signer) {
		m.t.Fatalf("not signed by the project key %s:\n%s", signer, errOut)
	}
	return string(out)
}

// smtpSend delivers a message with go-smtp's client and returns the
// error of the first refused step (RCPT, or the end of DATA).
func smtpSend(t *testing.T, addr, from string, to []string, msg []byte) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

func smtpCode(err error) int {
	if se, ok := err.(*smtp.SMTPError); ok {
		return se.Code
	}
	return 0
}

// TestPlainMailThread: a plain mail opens a report whose receipt holds the
// thread link; the maintainer's message goes back in clear (the reporter
// wrote in clear), and the answer joins the thread by In-Reply-To from the
// same address, while the same reference from another address does not.
func TestPlainMailThread(t *testing.T) {
	m := newMailHarness(t)
	msg := "From: Bob <bob@example.com>\r\nTo: security@virtrigaud.io\r\nSubject: XSS in the dashboard\r\nMessage-ID: <b1@example.com>\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<p>The <b>name</b> field is not escaped.</p><script>alert(1)</script>\r\n"
	if err := smtpSend(t, m.listen, "bob@example.com", []string{"Security@VirtRigaud.io"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	r := m.report(1)
	if r.Content.Title != "XSS in the dashboard" || !strings.Contains(r.Content.Description, "The name field is not escaped.") || strings.Contains(r.Content.Description, "alert") {
		t.Fatalf("report from HTML mail: %+v", r.Content)
	}
	sent := m.deliverOutbox()
	if len(sent) != 1 || !regexp.MustCompile(`/t/[A-Za-z0-9_-]{43}`).Match(sent[0].Data) {
		t.Fatalf("receipt: %+v", sent)
	}
	owner := m.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	m.post(owner, "/m/virtrigaud/reports/1/transition", map[string][]string{"to": {"acknowledged"}})
	m.post(owner, "/m/virtrigaud/reports/1/messages", map[string][]string{"body": {"Thanks, reproduced."}})
	sent = m.deliverOutbox()
	if len(sent) != 2 || !bytes.Contains(sent[0].Data, []byte("is now: acknowledged")) || !bytes.Contains(sent[1].Data, []byte("Thanks, reproduced.")) {
		t.Fatalf("status and message mails: %d", len(sent))
	}
	hdr, _ := mail.ReadMessage(bytes.NewReader(sent[1].Data))
	answer := func(from, id string) string {
		return "From: " + from + "\r\nTo: security@virtrigaud.io\r\nSubject: Re: your report\r\nMessage-ID: <" + id + ">\r\nIn-Reply-To: " +
			hdr.Header.Get("Message-ID") + "\r\n\r\nHappy to help, " + id + "\r\n"
	}
	if err := smtpSend(t, m.listen, "bob@example.com", []string{"security@virtrigaud.io"}, []byte(answer("bob@example.com", "b2@example.com"))); err != nil {
		t.Fatal(err)
	}
	if err := smtpSend(t, m.listen, "eve@example.org", []string{"security@virtrigaud.io"}, []byte(answer("eve@example.org", "e1@example.org"))); err != nil {
		t.Fatal(err)
	}
	if n := m.reportCount(); n != 2 {
		t.Fatalf("%d reports, want 2 (Bob's answer threads, Eve's opens one)", n)
	}
	if page := body(m.get(owner, "/m/virtrigaud/reports/1")); !strings.Contains(page, "Happy to help, b2@example.com") || strings.Contains(page, "e1@example.org") {
		t.Error("the answer is not in Bob's thread, or Eve's is")
	}
	if page := body(m.get(owner, "/m/virtrigaud/reports/1")); !strings.Contains(page, "Mail to the reporter") || !strings.Contains(page, "receipt: sent") || !strings.Contains(page, "status: sent") {
		t.Error("the case page does not show the mail sent to the reporter")
	}
}

// TestEncryptedMailWithoutKeyGetsNoContent: a reporter who encrypted but
// gave no key of theirs never receives report content in clear.
func TestEncryptedMailWithoutKeyGetsNoContent(t *testing.T) {
	m := newMailHarness(t)
	k, err := m.app.PublicPGPKey(context.Background(), "virtrigaud")
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := pgp.ParsePublicKey([]byte(k.Armored))
	enc, err := pgp.Encrypt([]byte("Content-Type: text/plain\r\n\r\nSSRF through the webhook URL\r\n"), []*pgp.PublicKey{pk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := pgpMIME("From: anon@example.com\r\nTo: security@virtrigaud.io\r\nSubject: ...\r\nMessage-ID: <a1@example.com>\r\n", enc)
	if err := smtpSend(t, m.listen, "anon@example.com", []string{"security@virtrigaud.io"}, msg); err != nil {
		t.Fatal(err)
	}
	owner := m.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	m.post(owner, "/m/virtrigaud/reports/1/messages", map[string][]string{"body": {"Secret follow-up CANARY-x9"}})
	sent := m.deliverOutbox()
	if len(sent) != 2 {
		t.Fatalf("%d mails", len(sent))
	}
	for _, s := range sent {
		if bytes.Contains(s.Data, []byte("CANARY-x9")) || bytes.Contains(s.Data, []byte("SSRF")) {
			t.Fatalf("report content in clear to a reporter who encrypted:\n%s", s.Data)
		}
	}
	if !bytes.Contains(sent[1].Data, []byte("not in this mail")) {
		t.Fatalf("the notice does not send the reporter to the thread:\n%s", sent[1].Data)
	}
	// Nothing of it holds the thread link: it waits for the reporter's key.
	for _, s := range sent {
		if threadToken.Match(s.Data) {
			t.Fatalf("the thread link went out in clear:\n%s", s.Data)
		}
	}
	if page := body(m.get(owner, "/m/virtrigaud/reports/1")); !strings.Contains(page, "held until the reporter") {
		t.Error("the case page does not show the held receipt")
	}
	// An unsigned reply with a key in an Autocrypt header sets nothing.
	reporter, _ := pgp.Generate("Anon", "anon@example.com", time.Now().Add(-time.Minute))
	hdr, _ := mail.ReadMessage(bytes.NewReader(sent[0].Data))
	replyTo := strings.Trim(hdr.Header.Get("Reply-To"), "<>")
	inner := "Content-Type: multipart/mixed; boundary=k\r\n\r\n--k\r\nContent-Type: text/plain\r\n\r\nHere is my key.\r\n--k\r\n" +
		"Content-Type: application/pgp-keys\r\n\r\n" + string(reporter.Public().Armored()) + "\r\n--k--\r\n"
	unsigned, _ := pgp.Encrypt([]byte(inner), []*pgp.PublicKey{pk}, nil)
	if err := smtpSend(t, m.listen, "anon@example.com", []string{replyTo}, pgpMIME("From: anon@example.com\r\nSubject: ...\r\nMessage-ID: <a2@example.com>\r\n", unsigned)); err != nil {
		t.Fatal(err)
	}
	if got := m.deliverOutbox(); len(got) != 0 || m.report(1).Content.PGPKey != "" {
		t.Fatalf("an unsigned key was taken: %d mails", len(got))
	}
	// Signed by the key it brings: the key is set, shown on the thread,
	// and the held receipt goes out, encrypted to it.
	signed, _ := pgp.Encrypt([]byte(inner), []*pgp.PublicKey{pk}, reporter)
	if err := smtpSend(t, m.listen, "anon@example.com", []string{replyTo}, pgpMIME("From: anon@example.com\r\nSubject: ...\r\nMessage-ID: <a3@example.com>\r\n", signed)); err != nil {
		t.Fatal(err)
	}
	if m.report(1).Content.PGPKey == "" {
		t.Fatal("the signed key was not taken")
	}
	got := m.deliverOutbox()
	if len(got) != 1 || threadToken.Match(got[0].Data) {
		t.Fatalf("released receipt: %d mails, or in clear", len(got))
	}
	block, _ := pgp.FindArmored(got[0].Data, "PGP MESSAGE")
	d, err := reporter.Decrypt(block, 1<<20, nil)
	if err != nil || !threadToken.Match(d.Data) {
		t.Fatalf("the released receipt does not decrypt to the thread link: %v", err)
	}
}

// TestSMTPRefusals: what the listener refuses, and how.
func TestSMTPRefusals(t *testing.T) {
	m := newMailHarness(t)
	plain := []byte("From: x@example.com\r\nSubject: hi\r\n\r\nhello\r\n")
	if err := smtpSend(t, m.listen, "x@example.com", []string{"nobody@virtrigaud.io"}, plain); smtpCode(err) != 550 {
		t.Errorf("unknown recipient: %v", err)
	}
	// 10,000 recipients: the 51st is refused with 452, quickly.
	many := make([]string, 10000)
	for i := range many {
		many[i] = "security@virtrigaud.io"
	}
	start := time.Now()
	if err := smtpSend(t, m.listen, "x@example.com", many, plain); smtpCode(err) != 452 {
		t.Errorf("10,000 recipients: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("10,000 recipients took %v", d)
	}
	big := append([]byte("From: x@example.com\r\nSubject: big\r\n\r\n"), bytes.Repeat([]byte("a\r\n"), 1<<20)...)
	if err := smtpSend(t, m.listen, "x@example.com", []string{"security@virtrigaud.io"}, big); smtpCode(err) != 552 {
		t.Errorf("over the size limit: %v", err)
	}
	other, _ := pgp.Generate("Other", "other@example.com", time.Now())
	enc, _ := pgp.Encrypt([]byte("hello"), []*pgp.PublicKey{other.Public()}, nil)
	err := smtpSend(t, m.listen, "x@example.com", []string{"security@virtrigaud.io"}, pgpMIME("From: x@example.com\r\nSubject: ...\r\n", enc))
	k, _ := m.app.PublicPGPKey(context.Background(), "virtrigaud")
	if smtpCode(err) != 554 || !strings.Contains(err.Error(), k.Fingerprint) {
		t.Errorf("encrypted to another key: %v", err)
	}
	// Hostile structure and garbage OpenPGP: a clear 554, quickly.
	var deep strings.Builder
	deep.WriteString("From: x@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n")
	for i := range 1000 {
		fmt.Fprintf(&deep, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	garbage := "From: x@example.com\r\nSubject: g\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQIMA3f0AAAAAAAAARAAnot-a-packet\r\n-----END PGP MESSAGE-----\r\n"
	for name, msg := range map[string]string{"1000 nested multiparts": deep.String(), "garbage PGP packets": garbage} {
		start := time.Now()
		err := smtpSend(t, m.listen, "x@example.com", []string{"security@virtrigaud.io"}, []byte(msg))
		if smtpCode(err) != 554 || time.Since(start) > 5*time.Second {
			t.Errorf("%s: %v after %v", name, err, time.Since(start))
		}
	}
	if n := m.reportCount(); n != 0 {
		t.Fatalf("refused mail made %d reports", n)
	}
	// A database that cannot store: a temporary error, so the sender retries.
	m.store.Close()
	if err := smtpSend(t, m.listen, "x@example.com", []string{"security@virtrigaud.io"}, plain); smtpCode(err)/100 != 4 {
		t.Errorf("store down: %v", err)
	}
}

// TestMailCanariesStaySealed: what comes by mail (subject, text, file
// names and contents, the sender's address) and what waits in the outbox
// is in no database file, log or backup in clear.
func TestMailCanariesStaySealed(t *testing.T) {
	m := newMailHarness(t)
	msg := "From: Canary <canary-from-7f3a9c@example.net>\r\nTo: security@virtrigaud.io\r\nSubject: CANARY-subject-7f3a9c\r\n" +
		"Message-ID: <canary-msgid-7f3a9c@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nCANARY-text-7f3a9c\r\n--b\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=\"CANARY-file-7f3a9c.bin\"\r\n\r\nCANARY-filedata-7f3a9c\r\n--b--\r\n"
	if err := smtpSend(t, m.listen, "canary-from-7f3a9c@example.net", []string{"security@virtrigaud.io"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	owner := m.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	m.post(owner, "/m/virtrigaud/reports/1/messages", map[string][]string{"body": {"CANARY-outbox-7f3a9c"}})
	page := body(m.get(owner, "/m/virtrigaud/reports/1"))
	for _, want := range []string{"CANARY-subject-7f3a9c", "CANARY-text-7f3a9c", "CANARY-file-7f3a9c.bin", "canary-from-7f3a9c@example.net", "CANARY-outbox-7f3a9c"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report page lacks %s", want)
		}
	}
	// Queued and not yet sent: the outbox holds the text, sealed.
	if raw := m.atRest(); bytes.Contains(raw, []byte("7f3a9c")) {
		i := bytes.Index(raw, []byte("7f3a9c"))
		t.Fatalf("a canary is at rest in clear: …%q…", raw[max(0, i-40):min(len(raw), i+20)])
	}
	if sent := m.deliverOutbox(); len(sent) != 2 || !bytes.Contains(sent[1].Data, []byte("CANARY-outbox-7f3a9c")) {
		t.Fatalf("sent %d", len(sent))
	}
}

// TestSMTPListenerOffersSTARTTLS: with a certificate configured, the
// listener offers STARTTLS and a sender's server delivers over it.
func TestSMTPListenerOffersSTARTTLS(t *testing.T) {
	h := newHarnessOpts(t, nil, nil)
	h.addProject("virtrigaud.yaml")
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.StartTLS()
	defer ts.Close()
	clientTLS := ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	clientTLS.ServerName = "example.com"
	srv, err := smtpd.Listen(h.app, slog.New(slog.NewTextHandler(io.Discard, nil)), smtpd.Options{Addr: "127.0.0.1:0",
		TLSConfig: &tls.Config{Certificates: ts.TLS.Certificates, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClientStartTLS(conn, clientTLS) // fails when STARTTLS is not offered
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("not encrypted after STARTTLS")
	}
	if err := c.Mail("x@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("security@virtrigaud.io", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("From: x@example.com\r\nSubject: over TLS\r\nMessage-ID: <tls1@example.com>\r\n\r\nhello\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := h.reportCount(); n != 1 {
		t.Fatalf("%d reports", n)
	}
}
