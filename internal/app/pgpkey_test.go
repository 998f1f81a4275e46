package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/store"
)

// TestProjectKeyAndSignedSecurityTxt: a new project gets its own OpenPGP
// key for the policy's security address; security.txt and SECURITY.md
// name it, and with signing on, security.txt is clear-signed with it so
// that `gpg --verify` accepts it. Importing a key of one's own replaces it.
func TestProjectKeyAndSignedSecurityTxt(t *testing.T) {
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg is not installed (apt-get install gnupg)")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "e.db"), store.Options{MasterKey: masterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{BaseURL: "https://embargo.example.org", SignSecurityTxt: true})
	if _, err := a.AddProject(ctx, embargo.ActorCLI, "demo.yaml",
		[]byte("version: 1\nproject: {name: Demo, slug: demo}\ncontacts: {email: security@demo.org}\nsla: {acknowledge: 48h}\n")); err != nil {
		t.Fatal(err)
	}
	k, err := a.PublicPGPKey(ctx, "demo")
	if err != nil || len(k.Fingerprint) != 40 || len(k.Emails) != 1 || k.Emails[0] != "security@demo.org" {
		t.Fatalf("generated key: %+v %v", k, err)
	}
	txt, err := a.SecurityTxt(ctx, "demo", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-----BEGIN PGP SIGNED MESSAGE-----", "Encryption: https://embargo.example.org/p/demo/pgp-key.asc", "-----BEGIN PGP SIGNATURE-----"} {
		if !bytes.Contains(txt, []byte(want)) {
			t.Errorf("security.txt lacks %q:\n%s", want, txt)
		}
	}
	if md, _ := a.SecurityMD(ctx, "demo"); !strings.Contains(string(md), k.Fingerprint) {
		t.Error("SECURITY.md does not name the key")
	}
	home, _ := os.MkdirTemp("", "gpg")
	defer os.RemoveAll(home)
	defer exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
	gpg := func(stdin []byte, args ...string) (string, error) {
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--status-fd", "1"}, args...)...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := gpg([]byte(k.Armored), "--import"); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	if out, err := gpg(txt, "--verify"); err != nil || !strings.Contains(out, "VALIDSIG "+k.Fingerprint) {
		t.Fatalf("gpg --verify security.txt: %v\n%s", err, out)
	}

	// A key made elsewhere (by gpg, without a passphrase) imports.
	if out, err := gpg(nil, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "Demo Team <security@demo.org>", "ed25519", "sign,cert", "never"); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	list, _ := gpg(nil, "--with-colons", "--list-secret-keys", "Demo Team")
	var fpr string
	for _, line := range strings.Split(list, "\n") {
		if strings.HasPrefix(line, "fpr:") {
			fpr = strings.Split(line, ":")[9]
		}
	}
	if out, err := gpg(nil, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-add-key", fpr, "cv25519", "encr", "never"); err != nil {
		t.Fatalf("subkey: %v %s", err, out)
	}
	cmd := exec.Command("gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--armor", "--export-secret-keys", fpr)
	secret, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	owner := embargo.User{ID: 1}
	if _, err := a.ImportPGPKey(ctx, &owner, "demo", secret); err == nil {
		t.Fatal("a non-member imported a key")
	}
	imported, err := a.ImportPGPKey(ctx, nil, "demo", secret)
	if err != nil || imported.Fingerprint != fpr {
		t.Fatalf("import: %+v %v", imported, err)
	}
	if _, err := a.ImportPGPKey(ctx, nil, "demo", []byte("not a key")); !errors.Is(err, embargo.ErrInvalid) {
		t.Fatalf("garbage key: %v", err)
	}
}

// TestImportedKeyMustNameTheProjectsAddress: a key for another address
// (another project's, say) is refused: it would take over that address's
// Web Key Directory answer.
func TestImportedKeyMustNameTheProjectsAddress(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "e.db"), store.Options{MasterKey: masterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{BaseURL: "https://embargo.example.org"})
	if _, err := a.AddProject(ctx, embargo.ActorCLI, "demo.yaml",
		[]byte("version: 1\nproject: {name: Demo, slug: demo}\ncontacts: {email: security@demo.org}\nsla: {acknowledge: 48h}\n")); err != nil {
		t.Fatal(err)
	}
	other, err := pgp.Generate("Victim", "security@victim.org", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := other.PrivateBinary()
	if _, err := a.ImportPGPKey(ctx, nil, "demo", priv); !errors.Is(err, embargo.ErrInvalid) || !strings.Contains(err.Error(), "security@victim.org") {
		t.Fatalf("a key for another address: %v", err)
	}
}
