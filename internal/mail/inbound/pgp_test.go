package inbound

import (
	"bytes"
	"encoding/base64"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// keys shared by the OpenPGP tests: the project's, a reporter's, and one
// nobody else knows.
type testKeys struct {
	project, reporter, stranger *pgp.Key
}

func makeKeys(t *testing.T) testKeys {
	t.Helper()
	return testKeys{
		project:  newKey(t, "Project Security", "security@project.example"),
		reporter: newKey(t, "Rita Reporter", "rita@example.org"),
		stranger: newKey(t, "Stranger", "stranger@example.net"),
	}
}

const reporter = "Rita Reporter <rita@example.org>"

// innerEntity is the plaintext of a PGP/MIME message: a protected Subject,
// body text and, when key is given, the sender's key attached.
func innerEntity(key *pgp.PublicKey) []byte {
	lines := []string{
		`Content-Type: multipart/mixed; boundary="in"; protected-headers="v1"`,
		"Subject: [secret] heap overflow in parse()",
		"From: " + reporter,
		"",
		"--in",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"The secret report.",
		"--in",
		"Content-Type: text/x-c; name=\"poc.c\"",
		"Content-Disposition: attachment; filename=\"poc.c\"",
		"",
		"int main(void) { return 0; }",
	}
	if key != nil {
		lines = append(lines,
			"--in",
			`Content-Type: application/pgp-keys; name="OpenPGP_0x1.asc"`,
			"Content-Disposition: attachment; filename=\"OpenPGP_0x1.asc\"",
			"",
			strings.TrimRight(string(key.Armored()), "\n"),
		)
	}
	return crlf(append(lines, "--in--", "")...)
}

func hasKeyID(k *pgp.PublicKey, id uint64) bool { return slices.Contains(k.KeyIDs(), id) }

func TestParsePGPMIMEEncrypted(t *testing.T) {
	k := makeKeys(t)
	rep := k.reporter.Public()
	tests := []struct {
		name     string
		raw      []byte
		known    []*pgp.PublicKey
		verified bool
		sender   bool // SenderKey is the reporter's key
		keyAtt   bool // the reporter's key is among the attachments
	}{
		{"known signer", pgpMIME(reporter, "...", encrypt(t, innerEntity(nil), k.reporter, k.project.Public())), []*pgp.PublicKey{rep}, true, true, false},
		{"unknown signer", pgpMIME(reporter, "...", encrypt(t, innerEntity(nil), k.reporter, k.project.Public())), nil, false, false, false},
		{"signer key attached inside", pgpMIME(reporter, "...", encrypt(t, innerEntity(rep), k.reporter, k.project.Public())), nil, true, true, true},
		{"signer key in Autocrypt", pgpMIME(reporter, "...", encrypt(t, innerEntity(nil), k.reporter, k.project.Public()), autocryptHeader(t, "rita@example.org", rep)), nil, true, true, false},
		{"stranger's key attached does not verify", pgpMIME(reporter, "...", encrypt(t, innerEntity(k.stranger.Public()), k.reporter, k.project.Public())), nil, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m *Message
			fast(t, func() { m = mustParse(t, tt.raw, k.project, tt.known...) })
			if !m.Encrypted || !m.Signed || m.Verified != tt.verified {
				t.Errorf("Encrypted %v Signed %v Verified %v, want true true %v", m.Encrypted, m.Signed, m.Verified, tt.verified)
			}
			if !hasKeyID(rep, m.SignerKeyID) {
				t.Errorf("SignerKeyID %X is not the reporter's", m.SignerKeyID)
			}
			if got := m.SenderKey != nil && m.SenderKey.Fingerprint() == rep.Fingerprint(); got != tt.sender {
				t.Errorf("SenderKey is the reporter's: %v, want %v", got, tt.sender)
			}
			if m.Subject != "[secret] heap overflow in parse()" {
				t.Errorf("Subject = %q, want the protected one", m.Subject)
			}
			if m.Text != "The secret report." {
				t.Errorf("Text = %q", m.Text)
			}
			if len(m.Attachments) == 0 || m.Attachments[0].Name != "poc.c" || string(m.Attachments[0].Data) != "int main(void) { return 0; }" {
				t.Errorf("Attachments = %+v", m.Attachments)
			}
			if gotKey := len(m.Attachments) == 2 && m.Attachments[1].ContentType == "application/pgp-keys"; gotKey != tt.keyAtt {
				t.Errorf("key attachment %v, want %v", gotKey, tt.keyAtt)
			}
		})
	}
}

// TestParseAutocryptSenderKey: an unsigned message with an Autocrypt header
// gives the sender's key; one for another address does not.
func TestParseAutocryptSenderKey(t *testing.T) {
	k := makeKeys(t)
	rep := k.reporter.Public()
	for _, tt := range []struct {
		name, addr string
		want       bool
	}{{"matching addr", "RITA@example.org", true}, {"other addr", "mallory@example.org", false}} {
		t.Run(tt.name, func(t *testing.T) {
			raw := crlf("From: "+reporter, autocryptHeader(t, tt.addr, rep), "Subject: hi", "", "plain body", "")
			m := mustParse(t, raw, nil)
			if got := m.SenderKey != nil && m.SenderKey.Fingerprint() == rep.Fingerprint(); got != tt.want {
				t.Errorf("SenderKey is the reporter's: %v, want %v", got, tt.want)
			}
			if m.Signed || m.Verified || m.Text != "plain body" {
				t.Errorf("Signed %v Verified %v Text %q", m.Signed, m.Verified, m.Text)
			}
		})
	}
}

// TestParseAttachedKeySenderKey: an attached key whose user id is From
// becomes SenderKey; any other attached key does not.
func TestParseAttachedKeySenderKey(t *testing.T) {
	k := makeKeys(t)
	for _, tt := range []struct {
		name string
		key  *pgp.PublicKey
		want bool
	}{{"From's key", k.reporter.Public(), true}, {"someone else's key", k.stranger.Public(), false}} {
		t.Run(tt.name, func(t *testing.T) {
			raw := crlf("From: "+reporter, `Content-Type: multipart/mixed; boundary="b"`, "",
				"--b", "", "here is my key", "--b",
				"Content-Type: application/pgp-keys", "", strings.TrimRight(string(tt.key.Armored()), "\n"), "--b--", "")
			m := mustParse(t, raw, nil)
			if got := m.SenderKey != nil && m.SenderKey.Fingerprint() == tt.key.Fingerprint(); got != tt.want {
				t.Errorf("SenderKey is the attached key: %v, want %v", got, tt.want)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Name != "attachment-1" {
				t.Errorf("Attachments = %+v", m.Attachments)
			}
		})
	}
}

func TestParseInlinePGP(t *testing.T) {
	k := makeKeys(t)
	rep := k.reporter.Public()
	signed, err := k.reporter.ClearSign([]byte("- dash-escaped line\nsigned text"))
	if err != nil {
		t.Fatal(err)
	}
	mimePlain := crlf("Content-Type: text/plain; charset=utf-8", "Subject: inner subject", "", "MIME inside inline")
	tests := []struct {
		name                     string
		body                     []byte
		known                    []*pgp.PublicKey
		text                     string
		encrypted, sig, verified bool
		subject                  string
	}{
		{"encrypted text", encrypt(t, []byte("inline secret"), nil, k.project.Public()), nil, "inline secret", true, false, false, "inline"},
		{"encrypted and signed text", encrypt(t, []byte("inline secret"), k.reporter, k.project.Public()), []*pgp.PublicKey{rep}, "inline secret", true, true, true, "inline"},
		{"encrypted MIME entity", encrypt(t, mimePlain, nil, k.project.Public()), nil, "MIME inside inline", true, false, false, "inner subject"},
		{"encrypted with text around", append(append([]byte("unencrypted prefix\n"), encrypt(t, []byte("inline secret"), nil, k.project.Public())...), "\nfooter"...), nil, "inline secret", true, false, false, "inline"},
		{"cleartext-signed, known", signed, []*pgp.PublicKey{rep}, "- dash-escaped line\nsigned text", false, true, true, "inline"},
		{"cleartext-signed, unknown", signed, nil, "- dash-escaped line\nsigned text", false, true, false, "inline"},
		{"cleartext-signed, altered", bytes.Replace(signed, []byte("signed text"), []byte("signed TEXT"), 1), []*pgp.PublicKey{rep}, "- dash-escaped line\nsigned TEXT", false, true, false, "inline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := append(crlf("From: "+reporter, "Subject: inline", "Content-Type: text/plain", "", ""), tt.body...)
			m := mustParse(t, raw, k.project, tt.known...)
			if m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if m.Encrypted != tt.encrypted || m.Signed != tt.sig || m.Verified != tt.verified {
				t.Errorf("Encrypted %v Signed %v Verified %v, want %v %v %v", m.Encrypted, m.Signed, m.Verified, tt.encrypted, tt.sig, tt.verified)
			}
			if tt.sig && !hasKeyID(rep, m.SignerKeyID) {
				t.Errorf("SignerKeyID %X is not the reporter's", m.SignerKeyID)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
		})
	}
}

// dearmor returns the binary packets of an armored block.
func dearmor(t *testing.T, b []byte) []byte {
	t.Helper()
	blk, err := armor.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := io.ReadAll(blk.Body)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestParseEncryptedAttachments(t *testing.T) {
	k := makeKeys(t)
	armored := encrypt(t, []byte("%PDF-1.7 secret"), nil, k.project.Public())
	raw := crlf("From: "+reporter, `Content-Type: multipart/mixed; boundary="b"`, "",
		"--b", "Content-Type: text/plain", "", "attached, encrypted", "--b",
		"Content-Type: application/octet-stream", `Content-Disposition: attachment; filename="report.pdf.asc"`, "",
		string(armored),
		"--b",
		"Content-Type: application/octet-stream", `Content-Disposition: attachment; filename="notes.TXT.GPG"`,
		"Content-Transfer-Encoding: base64", "",
		b64(dearmor(t, encrypt(t, []byte("binary notes"), nil, k.project.Public()))),
		"--b",
		"Content-Type: application/pgp-encrypted", "", string(encrypt(t, []byte("no name"), nil, k.project.Public())),
		"--b",
		`Content-Type: application/octet-stream; name="signature.asc"`, "", "-----BEGIN PGP SIGNATURE-----", "x", "-----END PGP SIGNATURE-----",
		"--b--", "")
	m := mustParse(t, raw, k.project)
	want := []Attachment{
		{Name: "report.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 secret")},
		{Name: "notes.TXT", ContentType: "text/plain", Data: []byte("binary notes")},
		{Name: "attachment-3", ContentType: "application/octet-stream", Data: []byte("no name")},
		{Name: "signature.asc", ContentType: "application/octet-stream", Data: []byte("-----BEGIN PGP SIGNATURE-----\r\nx\r\n-----END PGP SIGNATURE-----")},
	}
	if len(m.Attachments) != len(want) {
		t.Fatalf("Attachments = %+v", m.Attachments)
	}
	for i, a := range m.Attachments {
		if a.Name != want[i].Name || a.ContentType != want[i].ContentType || !bytes.Equal(a.Data, want[i].Data) {
			t.Errorf("attachment %d = %q %q %q, want %q %q %q", i, a.Name, a.ContentType, a.Data, want[i].Name, want[i].ContentType, want[i].Data)
		}
	}
	if m.Encrypted || m.Text != "attached, encrypted" {
		t.Errorf("Encrypted %v (the body was not), Text %q", m.Encrypted, m.Text)
	}
}

func b64(b []byte) string {
	var sb strings.Builder
	enc := base64.StdEncoding.EncodeToString(b)
	sb.Grow(len(enc) + len(enc)/38)
	for len(enc) > 76 {
		sb.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	sb.WriteString(enc)
	return sb.String()
}

func TestParsePGPMIMESigned(t *testing.T) {
	k := makeKeys(t)
	rep := k.reporter.Public()
	part := crlf("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "", "Signed =C3=A9 body", "-- ", "Rita")
	sig, err := k.reporter.DetachSign(part)
	if err != nil {
		t.Fatal(err)
	}
	good := signedMIME(reporter, part, sig)
	tests := []struct {
		name     string
		raw      []byte
		known    []*pgp.PublicKey
		verified bool
	}{
		{"known signer", good, []*pgp.PublicKey{rep}, true},
		{"LF line ends", bytes.ReplaceAll(good, []byte("\r\n"), []byte("\n")), []*pgp.PublicKey{rep}, true},
		{"unknown signer", good, []*pgp.PublicKey{k.stranger.Public()}, false},
		{"Autocrypt key", signedMIME(reporter, part, sig, autocryptHeader(t, "rita@example.org", rep)), nil, true},
		{"altered part", bytes.Replace(good, []byte("Signed =C3=A9"), []byte("Signed =C3=A8"), 1), []*pgp.PublicKey{rep}, false},
		{"garbage signature", signedMIME(reporter, part, []byte("-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----")), []*pgp.PublicKey{rep}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw, k.project, tt.known...)
			if !m.Signed || m.Verified != tt.verified || m.Encrypted {
				t.Errorf("Signed %v Verified %v Encrypted %v, want true %v false", m.Signed, m.Verified, m.Encrypted, tt.verified)
			}
			if want := "Signed \u00e9 body\n--\nRita"; m.Text != want && !strings.Contains(tt.name, "altered") {
				t.Errorf("Text = %q", m.Text)
			}
			if tt.verified != (m.SenderKey != nil) || tt.verified && !hasKeyID(rep, m.SignerKeyID) {
				t.Errorf("SenderKey %v SignerKeyID %X", m.SenderKey, m.SignerKeyID)
			}
			if len(m.Attachments) != 0 {
				t.Errorf("the signature became an attachment: %+v", m.Attachments)
			}
		})
	}
}

func TestParsePGPErrors(t *testing.T) {
	k := makeKeys(t)
	toStranger := encrypt(t, []byte("secret"), nil, k.stranger.Public())
	garbage := "-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA8z3Kx6lN0m2AQf/garbage+garbage+garbage\r\n-----END PGP MESSAGE-----"
	tests := []struct {
		name     string
		raw      []byte
		key      *pgp.Key
		code     int
		enhanced [3]int
		contains string
	}{
		{"PGP/MIME to another key", pgpMIME(reporter, "...", toStranger), k.project, 554, [3]int{5, 7, 0}, "encrypt to " + k.project.Fingerprint()},
		{"inline to another key", crlf("From: "+reporter, "", string(toStranger)), k.project, 554, [3]int{5, 7, 0}, k.project.Fingerprint()},
		{"project without key", pgpMIME(reporter, "...", encrypt(t, []byte("x"), nil, k.project.Public())), nil, 554, [3]int{5, 7, 0}, "no OpenPGP key"},
		{"garbage in PGP MESSAGE block", crlf("From: "+reporter, "", "look:", garbage, ""), k.project, 554, [3]int{5, 6, 0}, "OpenPGP"},
		{"garbage PGP/MIME", pgpMIME(reporter, "...", []byte(garbage)), k.project, 554, [3]int{5, 6, 0}, "OpenPGP"},
		{"multipart/encrypted without the message", crlf("From: "+reporter, `Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=b`, "",
			"--b", "Content-Type: application/pgp-encrypted", "", "Version: 1", "--b--"), k.project, 554, [3]int{5, 6, 0}, "OpenPGP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			fast(t, func() { _, err = Parse(tt.raw, tt.key, nil, Limits{}) })
			e := wantError(t, err, tt.code, tt.enhanced)
			if !strings.Contains(e.Message, tt.contains) {
				t.Errorf("Message %q does not contain %q", e.Message, tt.contains)
			}
			if strings.Contains(e.Message, "secret") {
				t.Errorf("Message %q quotes content", e.Message)
			}
		})
	}
}
