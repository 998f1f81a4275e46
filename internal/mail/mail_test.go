package mail_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/mail"
	"github.com/embargo-cvd/embargo/internal/mail/mailtest"
)

// testTLS borrows httptest's certificate (valid for example.com and
// 127.0.0.1) and a client configuration that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.StartTLS()
	t.Cleanup(ts.Close)
	client = ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	client.ServerName = "example.com"
	return &tls.Config{Certificates: ts.TLS.Certificates}, client
}

// TestSendThroughRelay sends through a real SMTP server on loopback: with
// STARTTLS and AUTH PLAIN (the default), and plain on a local relay; a
// refusal is an error the caller retries; credentials are never sent
// before TLS.
func TestSendThroughRelay(t *testing.T) {
	srvTLS, cliTLS := testTLS(t)
	ctx := context.Background()
	msg := mail.Message{To: []string{"Ada <ada@example.org>"}, Subject: "Deadline missed: demo#1 — acknowledgement", Body: "Line one\nLine two"}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

	t.Run("starttls and auth", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{TLS: srvTLS, Username: "embargo", Password: "relay-secret"})
		r := mail.Relay{Addr: s.Addr, From: "Embargo <security@demo.org>", Username: "embargo", Password: "relay-secret", TLSConfig: cliTLS}
		raw, err := r.Compose(msg, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Send(ctx, []string{"ada@example.org"}, raw); err != nil {
			t.Fatal(err)
		}
		got := s.Received()
		if len(got) != 1 || got[0].From != "security@demo.org" || got[0].To[0] != "ada@example.org" || !got[0].TLS || got[0].User != "embargo" {
			t.Fatalf("received: %+v", got)
		}
		data := string(got[0].Data)
		for _, want := range []string{"From: \"Embargo\" <security@demo.org>", "To: \"Ada\" <ada@example.org>", "Subject: =?utf-8?", "Date: Tue, 24 Nov 2026 09:00:00 +0000",
			"Message-Id: <", "Auto-Submitted: auto-generated", "Line one\r\nLine two"} {
			if !strings.Contains(data, want) {
				t.Errorf("message lacks %q:\n%s", want, data)
			}
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{TLS: srvTLS, Username: "embargo", Password: "relay-secret"})
		r := mail.Relay{Addr: s.Addr, From: "security@demo.org", Username: "embargo", Password: "nope", TLSConfig: cliTLS}
		if err := r.Send(ctx, []string{"ada@example.org"}, []byte("x")); err == nil || !strings.Contains(err.Error(), "AUTH") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("starttls required", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{})
		r := mail.Relay{Addr: s.Addr, From: "security@demo.org", Username: "embargo", Password: "relay-secret", TLSConfig: cliTLS}
		if err := r.Send(ctx, []string{"ada@example.org"}, []byte("x")); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("a relay without STARTTLS got the mail (and would have got the password): %v", err)
		}
	})
	t.Run("local relay without tls, temporary refusal", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{})
		r := mail.Relay{Addr: s.Addr, From: "security@demo.org", Security: mail.None}
		raw, _ := r.Compose(msg, now)
		s.SetFailing(true)
		if err := r.Send(ctx, []string{"ada@example.org"}, raw); err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("refused mail: %v", err)
		}
		s.SetFailing(false)
		if err := r.Send(ctx, []string{"ada@example.org"}, raw); err != nil || len(s.Received()) != 1 {
			t.Fatalf("second attempt: %v, %d received", err, len(s.Received()))
		}
	})
}
