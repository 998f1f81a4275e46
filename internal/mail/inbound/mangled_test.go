package inbound

import (
	"strings"
	"testing"
)

// TestParseMangledPGPMIME: Microsoft Exchange turns multipart/encrypted into
// multipart/mixed with the same parts; the message is still read as
// PGP/MIME, and the version part is no attachment.
func TestParseMangledPGPMIME(t *testing.T) {
	k := makeKeys(t)
	armored := encrypt(t, innerEntity(nil), k.reporter, k.project.Public())
	raw := crlf("From: "+reporter, "Subject: ...", `Content-Type: multipart/mixed; boundary="m"`, "",
		"--m", "Content-Type: text/plain; charset=us-ascii", "", "", "--m",
		"Content-Type: application/pgp-encrypted", `Content-Disposition: attachment; filename="PGPMIME Versions Identification"`, "",
		"Version: 1", "", "--m",
		`Content-Type: application/octet-stream; name="encrypted.asc"`, `Content-Disposition: attachment; filename="encrypted.asc"`, "",
		strings.TrimRight(string(armored), "\n"), "--m--", "")
	m := mustParse(t, raw, k.project, k.reporter.Public())
	if !m.Encrypted || !m.Signed || !m.Verified {
		t.Errorf("Encrypted %v Signed %v Verified %v", m.Encrypted, m.Signed, m.Verified)
	}
	if m.Subject != "[secret] heap overflow in parse()" || m.Text != "The secret report." {
		t.Errorf("Subject %q Text %q", m.Subject, m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "poc.c" {
		t.Errorf("Attachments %+v", m.Attachments)
	}
}
