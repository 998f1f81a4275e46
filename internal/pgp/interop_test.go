package pgp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const reporterUID = "Reporter <r@example.org>"

// reporter makes a gpg key for a reporter and returns its fingerprint and
// parsed public key.
func reporter(t *testing.T, g *gpg) (string, *PublicKey) {
	t.Helper()
	fpr := g.genKey(reporterUID, false, "never")
	pub, err := ParsePublicKey(g.exportPublic(fpr))
	if err != nil {
		t.Fatalf("ParsePublicKey(gpg key): %v", err)
	}
	if pub.Fingerprint() != fpr {
		t.Fatalf("Fingerprint = %s, gpg says %s", pub.Fingerprint(), fpr)
	}
	return fpr, pub
}

// TestGPGEncryptsToProject: gpg encrypts (and signs) to a generated project
// key; Decrypt reads it and verifies the signature only with verify keys.
func TestGPGEncryptsToProject(t *testing.T) {
	t.Parallel()
	g := newGPG(t)
	k := testKey(t, "security@example.com")
	g.importKey(k.Public().Armored())
	rfpr, rpub := reporter(t, g)
	plain := []byte("Heap overflow in the parser.\r\nSteps:\n- run it\n")

	tests := []struct {
		name     string
		args     []string
		verify   []*PublicKey
		signed   bool
		verified bool
	}{
		{"encrypted", []string{"--encrypt"}, nil, false, false},
		{"signed, key known", []string{"--sign", "-u", rfpr, "--encrypt"}, []*PublicKey{rpub}, true, true},
		{"signed, key unknown", []string{"--sign", "-u", rfpr, "--encrypt"}, []*PublicKey{k.Public()}, true, false},
		{"signed, no verify keys", []string{"--sign", "-u", rfpr, "--encrypt"}, nil, true, false},
	}
	for _, tt := range tests {
		for _, armor := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/armor=%v", tt.name, armor), func(t *testing.T) {
				args := append([]string{"-r", k.Fingerprint()}, tt.args...)
				if armor {
					args = append(args, "--armor")
				}
				msg := g.must(plain, args...)
				d, err := k.Decrypt(msg, 1<<20, tt.verify)
				if err != nil {
					t.Fatalf("Decrypt: %v", err)
				}
				if !bytes.Equal(d.Data, plain) {
					t.Errorf("Data = %q, want %q", d.Data, plain)
				}
				if d.Signed != tt.signed || d.Verified != tt.verified {
					t.Errorf("Signed, Verified = %v, %v; want %v, %v", d.Signed, d.Verified, tt.signed, tt.verified)
				}
				if tt.signed && d.SignerKeyID != rpub.KeyIDs()[0] {
					t.Errorf("SignerKeyID = %016X, want %016X", d.SignerKeyID, rpub.KeyIDs()[0])
				}
				if !tt.signed && d.SignerKeyID != 0 {
					t.Errorf("SignerKeyID = %016X for an unsigned message", d.SignerKeyID)
				}
				switch {
				case tt.verified && (d.Signer == nil || d.Signer.Fingerprint() != rfpr):
					t.Errorf("Signer = %v, want %s", d.Signer, rfpr)
				case !tt.verified && d.Signer != nil:
					t.Errorf("Signer = %s, want nil", d.Signer.Fingerprint())
				}
			})
		}
	}
}

// TestOwnSignatureNotTrusted: a message signed with the project's own key
// is not verified by Decrypt unless that key is passed in verify.
func TestOwnSignatureNotTrusted(t *testing.T) {
	t.Parallel()
	k := testKey(t, "security@example.com")
	msg, err := Encrypt([]byte("hi"), nil, k)
	if err != nil {
		t.Fatal(err)
	}
	d, err := k.Decrypt(msg, 1<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Signed || d.Verified || d.Signer != nil {
		t.Errorf("without verify keys: Signed %v Verified %v Signer %v; want true false nil", d.Signed, d.Verified, d.Signer)
	}
	d, err = k.Decrypt(msg, 1<<10, []*PublicKey{k.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Verified || d.Signer != k.Public() {
		t.Errorf("with own key in verify: Verified %v Signer %v", d.Verified, d.Signer)
	}
}

// TestGPGDecryptsFromProject: Encrypt to a gpg key, signed by the project;
// gpg decrypts it and finds a good signature by the project key, and the
// project can read its own sent message.
func TestGPGDecryptsFromProject(t *testing.T) {
	t.Parallel()
	g := newGPG(t)
	k := testKey(t, "security@example.com")
	g.importKey(k.Public().Armored())
	_, rpub := reporter(t, g)
	plain := []byte("Your report was accepted.\nThank you.\n")

	msg, err := Encrypt(plain, []*PublicKey{rpub}, k)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if !bytes.HasPrefix(msg, []byte("-----BEGIN PGP MESSAGE-----")) {
		t.Fatalf("Encrypt output is not an armoured message:\n%s", msg)
	}
	out, status, err := g.run(msg, "--decrypt")
	if err != nil {
		t.Fatalf("gpg --decrypt: %v\n%s", err, status)
	}
	if !bytes.Equal(out, plain) {
		t.Errorf("gpg decrypted %q, want %q", out, plain)
	}
	if statusField(status, "GOODSIG", 1) == "" {
		t.Errorf("no GOODSIG in gpg status:\n%s", status)
	}
	if got := statusField(status, "VALIDSIG", 1); got != k.Fingerprint() {
		t.Errorf("VALIDSIG fingerprint = %q, want %s\n%s", got, k.Fingerprint(), status)
	}
	d, err := k.Decrypt(msg, 1<<20, nil)
	if err != nil {
		t.Fatalf("project cannot read its sent mail: %v", err)
	}
	if !bytes.Equal(d.Data, plain) {
		t.Errorf("project decrypted %q", d.Data)
	}

	if _, err := Encrypt(plain, nil, nil); err == nil {
		t.Error("Encrypt with no recipients and no signer: want error")
	}
}

// TestGPGSignatures: our detached and cleartext signatures verify with gpg,
// and gpg's verify with VerifyDetached and VerifyCleartext.
func TestGPGSignatures(t *testing.T) {
	t.Parallel()
	g := newGPG(t)
	k := testKey(t, "security@example.com")
	g.importKey(k.Public().Armored())
	rfpr, rpub := reporter(t, g)
	data := []byte("binary\x00data\r\nwith trailing blanks  \n\xff")
	text := []byte("Advisory EMB-2026-1\n- starts with a dash\nFrom the top\ntrailing  \n\nend")

	t.Run("DetachSign/gpg", func(t *testing.T) {
		sig, err := k.DetachSign(data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(sig, []byte("-----BEGIN PGP SIGNATURE-----")) {
			t.Fatalf("not an armoured signature:\n%s", sig)
		}
		_, status, err := g.run(nil, "--verify", g.file("d.sig", sig), g.file("d", data))
		if err != nil || statusField(status, "VALIDSIG", 1) != k.Fingerprint() {
			t.Fatalf("gpg --verify: %v\n%s", err, status)
		}
		if p, err := VerifyDetached(data, sig, []*PublicKey{rpub, k.Public()}); err != nil || p != k.Public() {
			t.Errorf("VerifyDetached(own signature) = %v, %v", p, err)
		}
	})
	t.Run("ClearSign/gpg", func(t *testing.T) {
		msg, err := k.ClearSign(text)
		if err != nil {
			t.Fatal(err)
		}
		out, status, err := g.run(msg, "--decrypt")
		if err != nil || statusField(status, "VALIDSIG", 1) != k.Fingerprint() {
			t.Fatalf("gpg verify of cleartext: %v\n%s", err, status)
		}
		got, issuer, p, err := VerifyCleartext(msg, []*PublicKey{k.Public()})
		if err != nil || p != k.Public() || issuer != k.Public().KeyIDs()[0] {
			t.Fatalf("VerifyCleartext(own) = %v, %016X, %v", p, issuer, err)
		}
		if want := strings.ReplaceAll(string(text), "trailing  ", "trailing"); string(got) != want {
			t.Errorf("VerifyCleartext text = %q, want %q", got, want)
		}
		if !bytes.Equal(bytes.TrimSuffix(out, []byte("\n")), got) {
			t.Errorf("gpg output %q, ours %q", out, got)
		}
	})
	t.Run("VerifyDetached/gpg", func(t *testing.T) {
		for _, armor := range []string{"--armor", "--no-armor"} {
			sig := g.must(data, "-u", rfpr, armor, "--detach-sign")
			p, err := VerifyDetached(data, sig, []*PublicKey{k.Public(), rpub})
			if err != nil || p != rpub {
				t.Errorf("%s: VerifyDetached = %v, %v; want reporter", armor, p, err)
			}
			if _, err := VerifyDetached(append([]byte("x"), data...), sig, []*PublicKey{rpub}); !errors.Is(err, ErrBadSignature) {
				t.Errorf("%s: altered data: err = %v, want ErrBadSignature", armor, err)
			}
			if _, err := VerifyDetached(data, sig, []*PublicKey{k.Public()}); !errors.Is(err, ErrUnknownSigner) {
				t.Errorf("%s: unknown key: err = %v, want ErrUnknownSigner", armor, err)
			}
		}
		if _, err := VerifyDetached(data, []byte("not a signature"), []*PublicKey{rpub}); !errors.Is(err, ErrMalformed) {
			t.Errorf("garbage signature: err = %v, want ErrMalformed", err)
		}
	})
	t.Run("VerifyCleartext/gpg", func(t *testing.T) {
		msg := g.must(text, "-u", rfpr, "--clearsign")
		mail := append(append([]byte("Hello,\n\nsee below.\n\n"), msg...), "\n-- \nsignature\n"...)
		got, issuer, p, err := VerifyCleartext(mail, []*PublicKey{rpub})
		if err != nil || p != rpub || issuer != rpub.KeyIDs()[0] {
			t.Fatalf("VerifyCleartext = %v, %016X, %v", p, issuer, err)
		}
		if want := strings.ReplaceAll(string(text), "trailing  ", "trailing"); string(got) != want {
			t.Errorf("text = %q, want %q", got, want)
		}
		crlf := bytes.ReplaceAll(mail, []byte("\n"), []byte("\r\n"))
		if _, _, p, err := VerifyCleartext(crlf, []*PublicKey{rpub}); err != nil || p != rpub {
			t.Errorf("CRLF mail: %v, %v", p, err)
		}
		got, issuer, p, err = VerifyCleartext(msg, []*PublicKey{k.Public()})
		if !errors.Is(err, ErrUnknownSigner) || p != nil || issuer != rpub.KeyIDs()[0] || len(got) == 0 {
			t.Errorf("unknown signer: %v, %016X, %q, %v", p, issuer, got, err)
		}
		tampered := bytes.Replace(msg, []byte("From the top"), []byte("From the end"), 1)
		if _, _, _, err := VerifyCleartext(tampered, []*PublicKey{rpub}); !errors.Is(err, ErrBadSignature) {
			t.Errorf("tampered: err = %v, want ErrBadSignature", err)
		}
		if _, _, _, err := VerifyCleartext([]byte("no signature here"), []*PublicKey{rpub}); !errors.Is(err, ErrMalformed) {
			t.Errorf("no message: err = %v, want ErrMalformed", err)
		}
	})
}
