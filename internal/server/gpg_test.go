package server

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// gpgHome is a throw-away GnuPG home: a real OpenPGP peer for the tests.
type gpgHome struct {
	t   *testing.T
	dir string
}

// newGPG makes a GnuPG home, or skips the test when gpg is not installed.
func newGPG(t *testing.T) *gpgHome {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg is not installed (apt-get install gnupg): the OpenPGP interoperability tests need it")
	}
	// A short path: gpg-agent's socket lives in it.
	dir, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	g := &gpgHome{t: t, dir: dir}
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", dir, "--kill", "all").Run()
		os.RemoveAll(dir)
	})
	return g
}

// run runs gpg with stdin and returns its standard output; a failure
// fails the test with gpg's own message.
func (g *gpgHome) run(stdin []byte, args ...string) []byte {
	g.t.Helper()
	out, errOut, err := g.try(stdin, args...)
	if err != nil {
		g.t.Fatalf("gpg %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func (g *gpgHome) try(stdin []byte, args ...string) ([]byte, string, error) {
	all := append([]string{"--homedir", g.dir, "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "",
		"--trust-model", "always"}, args...)
	cmd := exec.Command("gpg", all...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.Bytes(), errOut.String(), err
}

// newKey generates an Ed25519/Curve25519 key for uid and returns its
// fingerprint.
func (g *gpgHome) newKey(uid string) string {
	g.t.Helper()
	g.run(nil, "--quick-gen-key", uid, "ed25519", "sign,cert", "never")
	fpr := g.fingerprint(uid)
	g.run(nil, "--quick-add-key", fpr, "cv25519", "encr", "never")
	return fpr
}

// fingerprint returns the primary fingerprint of the first key matching.
func (g *gpgHome) fingerprint(who string) string {
	g.t.Helper()
	for _, line := range strings.Split(string(g.run(nil, "--with-colons", "--list-keys", who)), "\n") {
		if strings.HasPrefix(line, "fpr:") {
			return strings.Split(line, ":")[9]
		}
	}
	g.t.Fatalf("no key for %s", who)
	return ""
}

// showKey returns the primary fingerprint of a key file's first key,
// as gpg reads it (without importing it).
func (g *gpgHome) showKey(data []byte) string {
	g.t.Helper()
	for _, line := range strings.Split(string(g.run(data, "--with-colons", "--show-keys")), "\n") {
		if strings.HasPrefix(line, "fpr:") {
			return strings.Split(line, ":")[9]
		}
	}
	g.t.Fatalf("gpg reads no key from %d bytes", len(data))
	return ""
}
