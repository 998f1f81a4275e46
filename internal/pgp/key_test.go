package pgp

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	k, err := Generate("Embargo Security", "Security@Example.COM", now)
	if err != nil {
		t.Fatal(err)
	}
	if fp := k.Fingerprint(); len(fp) != 40 || strings.ToUpper(fp) != fp {
		t.Errorf("Fingerprint = %q, want 40 upper-case hex digits", fp)
	}
	if got := k.Emails(); !slices.Equal(got, []string{"security@example.com"}) {
		t.Errorf("Emails = %q", got)
	}
	if got := k.entity.PrimaryKey.CreationTime; !got.Equal(now) {
		t.Errorf("created %v, want %v", got, now)
	}
	if n := len(k.Public().KeyIDs()); n != 2 {
		t.Errorf("%d key ids, want primary and one subkey", n)
	}
	if !bytes.HasPrefix(k.Public().Armored(), []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		t.Errorf("Armored = %q", k.Public().Armored())
	}
	for _, tt := range []struct{ name, email string }{{"Bad <name>", "a@example.com"}, {"", ""}} {
		if _, err := Generate(tt.name, tt.email, now); err == nil {
			t.Errorf("Generate(%q, %q): want error", tt.name, tt.email)
		}
	}
	if _, err := Generate("Future", "f@example.com", time.Now().Add(time.Hour)); err == nil {
		t.Error("Generate in the future: want error")
	}
}

// TestPrivateKeyRoundTrip: PrivateBinary reads back with ParsePrivateKey
// into a key that decrypts and signs like the original.
func TestPrivateKeyRoundTrip(t *testing.T) {
	t.Parallel()
	k := testKey(t, "security@example.com")
	bin, err := k.PrivateBinary()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParsePrivateKey(bin)
	if err != nil {
		t.Fatalf("ParsePrivateKey(PrivateBinary()): %v", err)
	}
	if k2.Fingerprint() != k.Fingerprint() || !bytes.Equal(k2.Public().Binary(), k.Public().Binary()) {
		t.Fatalf("round trip changed the key: %s vs %s", k2.Fingerprint(), k.Fingerprint())
	}
	msg, err := Encrypt([]byte("secret"), []*PublicKey{k.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := k2.Decrypt(msg, 100, nil); err != nil || string(d.Data) != "secret" {
		t.Errorf("Decrypt with parsed key = %v, %v", d, err)
	}
	sig, err := k2.DetachSign([]byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDetached([]byte("data"), sig, []*PublicKey{k.Public()}); err != nil {
		t.Errorf("VerifyDetached: %v", err)
	}
	if _, err := ParsePrivateKey(k.Public().Binary()); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "no private key") {
		t.Errorf("ParsePrivateKey(public key) err = %v, want no private key material", err)
	}
}

// TestParseGPGKeys: keys exported by gpg are accepted or rejected as the
// API promises.
func TestParseGPGKeys(t *testing.T) {
	t.Parallel()
	g := newGPG(t)
	fpr := g.genKey("Mixed Case <Mixed.Case@Example.ORG>", false, "never")
	protected := g.genKey("Protected <p@example.org>", false, "never", "--passphrase", "secret")
	signOnly := g.genKey("Sign Only <s@example.org>", true, "never")
	expired := g.genKey("Expired <e@example.org>", false, "2020-01-02", "--faked-system-time", "20200101T000000")
	revoked := g.genKey("Revoked <v@example.org>", false, "never")
	rev, err := os.ReadFile(filepath.Join(g.home, "openpgp-revocs.d", revoked+".rev"))
	if err != nil {
		t.Fatal(err)
	}
	g.importKey(bytes.ReplaceAll(rev, []byte(":-----BEGIN"), []byte("-----BEGIN")))

	t.Run("secret key without passphrase", func(t *testing.T) {
		k, err := ParsePrivateKey(g.must(nil, "--armor", "--export-secret-keys", fpr))
		if err != nil {
			t.Fatalf("ParsePrivateKey: %v", err)
		}
		if k.Fingerprint() != fpr {
			t.Errorf("Fingerprint = %s, want %s", k.Fingerprint(), fpr)
		}
		if got := k.Emails(); !slices.Equal(got, []string{"mixed.case@example.org"}) {
			t.Errorf("Emails = %q", got)
		}
		msg := g.must([]byte("to the imported key"), "--encrypt", "-r", fpr)
		if d, err := k.Decrypt(msg, 1<<10, nil); err != nil || string(d.Data) != "to the imported key" {
			t.Errorf("Decrypt = %v, %v", d, err)
		}
	})
	t.Run("secret key with passphrase", func(t *testing.T) {
		armored := g.must(nil, "--passphrase", "secret", "--armor", "--export-secret-keys", protected)
		_, err := ParsePrivateKey(armored)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "remove the passphrase") {
			t.Errorf("err = %v, want one saying to remove the passphrase", err)
		}
	})

	public := []struct {
		name    string
		data    []byte
		wantErr error
		errText string
	}{
		{"public key", g.exportPublic(fpr), nil, ""},
		{"binary public key", g.must(nil, "--export", fpr), nil, ""},
		{"secret key gives public half", g.must(nil, "--armor", "--export-secret-keys", fpr), nil, ""},
		{"two keys", g.must(nil, "--armor", "--export", fpr, signOnly), ErrMalformed, "2 keys"},
		{"two armoured blocks", append(g.exportPublic(signOnly), g.exportPublic(fpr)...), ErrMalformed, "more than one"},
		{"sign-only key", g.exportPublic(signOnly), ErrMalformed, "encryption"},
		{"expired key", g.exportPublic(expired), ErrMalformed, "encryption"},
		{"revoked key", g.exportPublic(revoked), ErrMalformed, "encryption"},
		{"garbage", []byte("hello, this is not a key"), ErrMalformed, ""},
		{"empty", nil, ErrMalformed, ""},
		{"broken armour", []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n-----END PGP PUBLIC KEY BLOCK-----\n"), ErrMalformed, ""},
		{"too large", bytes.Repeat([]byte{0x99}, 64<<10+1), ErrTooLarge, ""},
	}
	for _, tt := range public {
		t.Run("ParsePublicKey/"+tt.name, func(t *testing.T) {
			p, err := ParsePublicKey(tt.data)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Fingerprint() != fpr {
				t.Errorf("Fingerprint = %s, want %s", p.Fingerprint(), fpr)
			}
			if _, err := ParsePrivateKey(p.Binary()); err == nil {
				t.Error("Binary() holds private key material")
			}
			again, err := ParsePublicKey(p.Armored())
			if err != nil || !bytes.Equal(again.Binary(), p.Binary()) {
				t.Errorf("Armored round trip: %v", err)
			}
			ids := p.KeyIDs()
			if len(ids) != 2 || ids[0] != p.entity.PrimaryKey.KeyId {
				t.Errorf("KeyIDs = %X", ids)
			}
		})
	}
}

// TestConcurrentUse: a Key and its PublicKey are used from many goroutines
// at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	k := testKey(t, "security@example.com")
	pub := k.Public()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			plain := []byte(fmt.Sprintf("message %d", i))
			msg, err := Encrypt(plain, []*PublicKey{pub}, k)
			if err == nil {
				var d *Decrypted
				if d, err = k.Decrypt(msg, 1<<10, []*PublicKey{pub}); err == nil && (!d.Verified || !bytes.Equal(d.Data, plain)) {
					err = fmt.Errorf("goroutine %d: got %q verified %v", i, d.Data, d.Verified)
				}
			}
			if err == nil {
				var sig []byte
				if sig, err = k.DetachSign(plain); err == nil {
					_, err = VerifyDetached(plain, sig, []*PublicKey{pub})
				}
			}
			if err == nil {
				var cs []byte
				if cs, err = k.ClearSign(plain); err == nil {
					_, _, _, err = VerifyCleartext(cs, []*PublicKey{pub})
				}
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
