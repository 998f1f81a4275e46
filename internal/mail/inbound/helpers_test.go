package inbound

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// crlf joins lines with CRLF, as mail travels.
func crlf(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n"))
}

// mustParse parses raw with default limits and fails the test on error.
func mustParse(t *testing.T, raw []byte, key *pgp.Key, known ...*pgp.PublicKey) *Message {
	t.Helper()
	m, err := Parse(raw, key, known, Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// wantError checks that err is a *Error with the given codes.
func wantError(t *testing.T, err error, code int, enhanced [3]int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *Error %d", err, err, code)
	}
	if e.Code != code || e.Enhanced != enhanced {
		t.Fatalf("error %d %v %q, want %d %v", e.Code, e.Enhanced, e.Message, code, enhanced)
	}
	if strings.ContainsAny(e.Message, "\r\n") {
		t.Fatalf("error message %q is not one line", e.Message)
	}
	return e
}

// fast fails the test when f takes 2 s or more (ten times that under the
// race detector, which slows this kind of code down about tenfold).
func fast(t *testing.T, f func()) {
	t.Helper()
	limit := 2 * time.Second
	if raceEnabled {
		limit *= 10
	}
	start := time.Now()
	f()
	if d := time.Since(start); d >= limit {
		t.Fatalf("took %v, want < %v", d, limit)
	}
}

// newKey generates an OpenPGP key for tests.
func newKey(t testing.TB, name, email string) *pgp.Key {
	t.Helper()
	k, err := pgp.Generate(name, email, time.Now())
	if err != nil {
		t.Fatalf("pgp.Generate: %v", err)
	}
	return k
}

// encrypt encrypts plain to the public keys, signed by signer when non-nil.
func encrypt(t testing.TB, plain []byte, signer *pgp.Key, to ...*pgp.PublicKey) []byte {
	t.Helper()
	out, err := pgp.Encrypt(plain, to, signer)
	if err != nil {
		t.Fatalf("pgp.Encrypt: %v", err)
	}
	return out
}

// pgpMIME wraps an armored OpenPGP message in a RFC 3156 multipart/encrypted
// message.
func pgpMIME(from, subject string, armored []byte, extraHeaders ...string) []byte {
	head := []string{
		"From: " + from,
		"To: security@project.example",
		"Subject: " + subject,
		"Message-ID: <enc@example.org>",
		"MIME-Version: 1.0",
	}
	head = append(head, extraHeaders...)
	head = append(head,
		`Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc-b"`,
		"",
		"This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)",
		"--enc-b",
		"Content-Type: application/pgp-encrypted",
		"Content-Description: PGP/MIME version identification",
		"",
		"Version: 1",
		"",
		"--enc-b",
		`Content-Type: application/octet-stream; name="encrypted.asc"`,
		"Content-Disposition: inline; filename=\"encrypted.asc\"",
		"",
		strings.TrimRight(string(armored), "\r\n"),
		"",
		"--enc-b--",
		"",
	)
	return crlf(head...)
}

// signedMIME builds a multipart/signed message from the exact bytes of its
// first part (CRLF line ends) and an armored signature.
func signedMIME(from string, part, sig []byte, extraHeaders ...string) []byte {
	var b bytes.Buffer
	b.Write(crlf(append([]string{
		"From: " + from,
		"To: security@project.example",
		"Subject: signed",
		"MIME-Version: 1.0",
	}, extraHeaders...)...))
	b.WriteString("\r\n")
	b.Write(crlf(
		`Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="sig-b"`,
		"",
		"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)",
		"--sig-b",
		"",
	))
	b.Write(part)
	b.Write(crlf(
		"",
		"--sig-b",
		`Content-Type: application/pgp-signature; name="signature.asc"`,
		"",
		strings.TrimRight(string(sig), "\r\n"),
		"--sig-b--",
		"",
	))
	return b.Bytes()
}

// autocryptHeader returns an Autocrypt header field for addr and key,
// folded as mail clients fold it.
func autocryptHeader(t testing.TB, addr string, k *pgp.PublicKey) string {
	t.Helper()
	blk, err := armor.Decode(bytes.NewReader(k.Armored()))
	if err != nil {
		t.Fatalf("armor.Decode: %v", err)
	}
	bin, err := io.ReadAll(blk.Body)
	if err != nil {
		t.Fatalf("armor body: %v", err)
	}
	enc := base64.StdEncoding.EncodeToString(bin)
	var folded strings.Builder
	for len(enc) > 76 {
		folded.WriteString(enc[:76] + "\r\n ")
		enc = enc[76:]
	}
	folded.WriteString(enc)
	return "Autocrypt: addr=" + addr + "; prefer-encrypt=mutual; keydata=\r\n " + folded.String()
}
