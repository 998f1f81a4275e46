package mail_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/embargo-cvd/embargo/internal/mail"
	"github.com/embargo-cvd/embargo/internal/mail/mailtest"
	"github.com/embargo-cvd/embargo/internal/pgp"
)

// TestDKIMSignedEnvelope: a mail to a reporter, composed from its
// envelope and sent through a relay with a DKIM key, arrives with a
// signature that go-msgauth's verifier accepts against the DNS record the
// operator publishes; a changed body fails it.
func TestDKIMSignedEnvelope(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := mailtest.Start(t, mailtest.Options{})
	r := mail.Relay{Addr: s.Addr, From: "embargo@demo.org", Security: mail.None,
		DKIM: &mail.DKIM{Domain: "demo.org", Selector: "embargo", Signer: priv}}
	env := mail.Envelope{Kind: "message", From: "security@demo.org", FromName: "Demo Security", To: "rita@example.net",
		ReplyTo: "security+r-abc@demo.org", Subject: "Your report to Demo (#1)", Body: "Thanks.\nWe reproduced it.", MessageID: "m1@demo.org", InReplyTo: "x@example.net"}
	raw, err := r.ComposeEnvelope(env, nil, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), []string{env.To}, raw); err != nil {
		t.Fatal(err)
	}
	got := s.Received()[0].Data
	for _, want := range []string{"DKIM-Signature:", "Reply-To: <security+r-abc@demo.org>", "In-Reply-To: <x@example.net>", "Message-Id: <m1@demo.org>", "Thanks.\r\nWe reproduced it."} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("sent mail lacks %q", want)
		}
	}
	lookup := func(domain string) ([]string, error) {
		if domain != "embargo._domainkey.demo.org" {
			t.Errorf("looked up %s", domain)
		}
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(got), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "demo.org" {
		t.Fatalf("verify: %+v %v", vs, err)
	}
	tampered := bytes.Replace(got, []byte("reproduced"), []byte("dismissed!"), 1)
	if vs, _ := dkim.VerifyWithOptions(bytes.NewReader(tampered), &dkim.VerifyOptions{LookupTXT: lookup}); len(vs) != 1 || vs[0].Err == nil {
		t.Fatal("a changed body still verifies")
	}
}

// TestEncryptedEnvelope: with the reporter's key, the mail is PGP/MIME
// (RFC 3156), the subject hidden outside and protected inside.
func TestEncryptedEnvelope(t *testing.T) {
	reporter, err := pgp.Generate("Rita", "rita@example.net", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	project, _ := pgp.Generate("Demo Security", "security@demo.org", time.Now().Add(-time.Minute))
	r := mail.Relay{From: "embargo@demo.org"}
	env := mail.Envelope{From: "security@demo.org", To: "rita@example.net", Subject: "Your report to Demo (#1)", Body: "secret words",
		EncryptTo: string(reporter.Public().Armored())}
	raw, err := r.ComposeEnvelope(env, project, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	if strings.Contains(s, "secret words") || strings.Contains(s, "Your report to Demo") || !strings.Contains(s, `protocol="application/pgp-encrypted"`) ||
		!strings.Contains(s, "Subject: ...") || !strings.Contains(s, "Version: 1") {
		t.Fatalf("not PGP/MIME with a hidden subject:\n%s", s)
	}
	block, _ := pgp.FindArmored(raw, "PGP MESSAGE")
	d, err := reporter.Decrypt(block, 1<<20, []*pgp.PublicKey{project.Public()})
	if err != nil || !d.Verified || !strings.Contains(string(d.Data), "secret words") || !strings.Contains(string(d.Data), "Subject: Your report to Demo (#1)") ||
		!strings.Contains(string(d.Data), `protected-headers="v1"`) {
		t.Fatalf("decrypted: %q %+v %v", d.Data, d, err)
	}
}
