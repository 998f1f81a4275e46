package inbound

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// gnupg runs the real GnuPG in a throw-away home directory.
type gnupg struct {
	t    *testing.T
	home string
}

// newGnuPG returns a GnuPG with an empty home, removed (and its agent
// stopped) when the test ends. It skips the test when gpg is missing.
func newGnuPG(t *testing.T) *gnupg {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg not found; install GnuPG (apt-get install gnupg) to run the interoperability tests")
	}
	// A short path: the agent's socket lives in the home directory.
	home, err := os.MkdirTemp("", "inb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		_ = os.RemoveAll(home)
	})
	return &gnupg{t: t, home: home}
}

// run runs gpg with args after the batch options and returns stdout; it
// fails the test on error.
func (g *gnupg) run(stdin []byte, args ...string) []byte {
	g.t.Helper()
	base := []string{"--homedir", g.home, "--batch", "--no-tty", "--pinentry-mode", "loopback",
		"--passphrase", "", "--trust-model", "always", "--status-fd", "2", "--no-auto-key-locate"}
	cmd := exec.CommandContext(g.t.Context(), "gpg", append(base, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("gpg %s: %v\n%s", strings.Join(args, " "), err, errOut.Bytes())
	}
	if strings.Contains(strings.Join(args, " "), "--quick-gen-key") {
		return errOut.Bytes() // the status lines
	}
	return out.Bytes()
}

// genKey makes an Ed25519 signing key with a Curve25519 encryption subkey
// and returns its fingerprint.
func (g *gnupg) genKey(uid string) string {
	g.t.Helper()
	status := g.run(nil, "--quick-gen-key", uid, "ed25519", "sign", "never")
	var fpr string
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 4 && f[0] == "[GNUPG:]" && f[1] == "KEY_CREATED" {
			fpr = f[3]
		}
	}
	if fpr == "" {
		g.t.Fatalf("gpg --quick-gen-key: no KEY_CREATED in\n%s", status)
	}
	g.run(nil, "--quick-add-key", fpr, "cv25519", "encr", "never")
	return fpr
}

// TestGnuPGInterop parses what real GnuPG produces: PGP/MIME encrypted and
// signed, multipart/signed, cleartext-signed and an encrypted file.
func TestGnuPGInterop(t *testing.T) {
	g := newGnuPG(t)
	project := newKey(t, "Project Security", "security@project.example")
	g.run(project.Public().Armored(), "--import")
	rfpr := g.genKey(reporter)
	exported := g.run(nil, "--armor", "--export", rfpr)
	rep, err := pgp.ParsePublicKey(exported)
	if err != nil {
		t.Fatalf("ParsePublicKey(gpg's key): %v", err)
	}
	known := []*pgp.PublicKey{rep}
	encTo := []string{"--trusted-key", rfpr, "-r", project.Fingerprint(), "-u", rfpr}

	t.Run("PGP/MIME encrypted and signed", func(t *testing.T) {
		armored := g.run(innerEntity(nil), append([]string{"--armor", "--encrypt", "--sign"}, encTo...)...)
		m := mustParse(t, pgpMIME(reporter, "...", armored), project, known...)
		if !m.Encrypted || !m.Signed || !m.Verified || !hasKeyID(rep, m.SignerKeyID) {
			t.Errorf("Encrypted %v Signed %v Verified %v SignerKeyID %X", m.Encrypted, m.Signed, m.Verified, m.SignerKeyID)
		}
		if m.SenderKey == nil || m.SenderKey.Fingerprint() != rfpr {
			t.Errorf("SenderKey = %v, want %s", m.SenderKey, rfpr)
		}
		if m.Subject != "[secret] heap overflow in parse()" || m.Text != "The secret report." || len(m.Attachments) != 1 {
			t.Errorf("Subject %q Text %q Attachments %+v", m.Subject, m.Text, m.Attachments)
		}
	})

	t.Run("PGP/MIME signed by an unknown key", func(t *testing.T) {
		armored := g.run(innerEntity(nil), append([]string{"--armor", "--encrypt", "--sign"}, encTo...)...)
		m := mustParse(t, pgpMIME(reporter, "...", armored), project)
		if !m.Signed || m.Verified || !hasKeyID(rep, m.SignerKeyID) || m.SenderKey != nil {
			t.Errorf("Signed %v Verified %v SignerKeyID %X SenderKey %v", m.Signed, m.Verified, m.SignerKeyID, m.SenderKey)
		}
	})

	// The first part as a mail client writes it: text and the sender's key.
	part := crlf(
		`Content-Type: multipart/mixed; boundary="part-b"`,
		"",
		"--part-b",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"",
		"Signed report, Grüße.",
		"--part-b",
		`Content-Type: application/pgp-keys; name="OpenPGP_key.asc"`,
		`Content-Disposition: attachment; filename="OpenPGP_key.asc"`,
		"",
		strings.ReplaceAll(strings.TrimRight(string(exported), "\n"), "\n", "\r\n"),
		"--part-b--",
	)
	sig := g.run(part, "--armor", "--detach-sign", "-u", rfpr)
	signed := signedMIME(reporter, part, sig)
	tests := []struct {
		name     string
		raw      []byte
		known    []*pgp.PublicKey
		verified bool
	}{
		{"multipart/signed, known key", signed, known, true},
		{"multipart/signed, key attached", signed, nil, true},
		{"multipart/signed, altered", bytes.Replace(signed, []byte("Signed report"), []byte("Signed rep0rt"), 1), known, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw, project, tt.known...)
			if !m.Signed || m.Verified != tt.verified || m.Encrypted {
				t.Errorf("Signed %v Verified %v Encrypted %v, want true %v false", m.Signed, m.Verified, m.Encrypted, tt.verified)
			}
			if !hasKeyID(rep, m.SignerKeyID) {
				t.Errorf("SignerKeyID %X is not the reporter's", m.SignerKeyID)
			}
			if m.SenderKey == nil || m.SenderKey.Fingerprint() != rfpr {
				t.Errorf("SenderKey = %v, want the attached %s", m.SenderKey, rfpr)
			}
			if !strings.HasPrefix(m.Text, "Signed re") || len(m.Attachments) != 1 {
				t.Errorf("Text %q Attachments %d", m.Text, len(m.Attachments))
			}
		})
	}

	t.Run("cleartext-signed", func(t *testing.T) {
		clear := g.run([]byte("Line one\n- dashed\nGrüße\n"), "--clearsign", "-u", rfpr)
		raw := append(crlf("From: "+reporter, "Content-Type: text/plain; charset=utf-8", "", ""), clear...)
		m := mustParse(t, raw, project, known...)
		if !m.Signed || !m.Verified || m.Text != "Line one\n- dashed\nGrüße" {
			t.Errorf("Signed %v Verified %v Text %q", m.Signed, m.Verified, m.Text)
		}
	})

	t.Run("encrypted file", func(t *testing.T) {
		bin := g.run([]byte("crash log"), "--encrypt", "-r", project.Fingerprint())
		raw := crlf("From: "+reporter, `Content-Type: multipart/mixed; boundary="b"`, "",
			"--b", "", "log attached", "--b",
			`Content-Type: application/octet-stream; name="crash.log.gpg"`, "Content-Transfer-Encoding: base64", "",
			b64(bin), "--b--")
		m := mustParse(t, raw, project)
		if len(m.Attachments) != 1 || m.Attachments[0].Name != "crash.log" || string(m.Attachments[0].Data) != "crash log" {
			t.Errorf("Attachments %+v", m.Attachments)
		}
	})
}
