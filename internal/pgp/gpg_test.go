package pgp

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gpg runs the real GnuPG in a throw-away home directory.
type gpg struct {
	t    *testing.T
	home string
}

// newGPG returns a GnuPG with an empty home that is removed (and its agent
// stopped) when the test ends. It skips the test when gpg is not installed.
func newGPG(t *testing.T) *gpg {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg not found; install GnuPG (apt-get install gnupg) to run the interoperability tests")
	}
	// A short path: the agent's socket lives in the home directory and
	// socket paths are limited to about 100 bytes.
	home, err := os.MkdirTemp("", "pgp")
	if err != nil {
		t.Fatal(err)
	}
	// The agent otherwise calibrates passphrase hashing to ~100 ms a go,
	// which makes passphrase-protected keys take seconds.
	if err := os.WriteFile(filepath.Join(home, "gpg-agent.conf"), []byte("s2k-count 65536\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		_ = os.RemoveAll(home)
	})
	return &gpg{t: t, home: home}
}

// run runs gpg with args (after the batch options) and stdin, and returns
// its stdout and its stderr, which carries the status lines.
func (g *gpg) run(stdin []byte, args ...string) (stdout, stderr []byte, err error) {
	g.t.Helper()
	base := []string{"--homedir", g.home, "--batch", "--no-tty", "--pinentry-mode", "loopback",
		"--trust-model", "always", "--status-fd", "2", "--no-auto-key-locate"}
	if !hasPassphrase(args) {
		base = append(base, "--passphrase", "")
	}
	cmd := exec.CommandContext(g.t.Context(), "gpg", append(base, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	return out.Bytes(), errOut.Bytes(), err
}

func hasPassphrase(args []string) bool {
	for _, a := range args {
		if a == "--passphrase" {
			return true
		}
	}
	return false
}

// must is run that fails the test on error and returns stdout.
func (g *gpg) must(stdin []byte, args ...string) []byte {
	g.t.Helper()
	out, errOut, err := g.run(stdin, args...)
	if err != nil {
		g.t.Fatalf("gpg %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// genKey makes an Ed25519 key that can sign, with a Curve25519 encryption
// subkey unless signOnly, and returns its fingerprint. extra are options
// such as --faked-system-time or --passphrase.
func (g *gpg) genKey(uid string, signOnly bool, expire string, extra ...string) string {
	g.t.Helper()
	_, status, err := g.run(nil, append(extra, "--quick-gen-key", uid, "ed25519", "sign", expire)...)
	if err != nil {
		g.t.Fatalf("gpg --quick-gen-key: %v\n%s", err, status)
	}
	fpr := statusField(status, "KEY_CREATED", 2)
	if fpr == "" {
		g.t.Fatalf("gpg --quick-gen-key: no KEY_CREATED in\n%s", status)
	}
	if !signOnly {
		g.must(nil, append(extra, "--quick-add-key", fpr, "cv25519", "encr", expire)...)
	}
	return fpr
}

// exportPublic returns the armoured public key of fpr.
func (g *gpg) exportPublic(fpr string) []byte {
	g.t.Helper()
	return g.must(nil, "--armor", "--export", fpr)
}

// importKey imports a key.
func (g *gpg) importKey(key []byte) {
	g.t.Helper()
	g.must(key, "--import")
}

// file writes data to a file in the gpg home and returns its path.
func (g *gpg) file(name string, data []byte) string {
	g.t.Helper()
	p := filepath.Join(g.home, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		g.t.Fatal(err)
	}
	return p
}

// statusField returns field i (0 is the keyword) of the first "[GNUPG:]
// keyword" status line in status, or "".
func statusField(status []byte, keyword string, i int) string {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		f := strings.Fields(strings.TrimPrefix(sc.Text(), "[GNUPG:] "))
		if len(f) > i && f[0] == keyword && strings.HasPrefix(sc.Text(), "[GNUPG:] ") {
			return f[i]
		}
	}
	return ""
}

// testKey generates a project key for tests.
func testKey(t testing.TB, email string) *Key {
	t.Helper()
	k, err := Generate("Embargo Test", email, time.Now())
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return k
}
