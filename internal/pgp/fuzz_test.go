package pgp

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/fuzzkey.asc (if missing) and the fuzz seed corpora")

// fuzzKeyFile is a fixed private key, made with Generate for the fuzz tests
// only, so that seed messages encrypted to it stay decryptable.
const fuzzKeyFile = "testdata/fuzzkey.asc"

func fuzzKey(t testing.TB) *Key {
	t.Helper()
	data, err := os.ReadFile(fuzzKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// classified reports whether err is nil or wraps one of the package's
// sentinel errors: every failure must say what kind it is.
func classified(err error) bool {
	if err == nil {
		return true
	}
	for _, s := range []error{ErrTooLarge, ErrNotForKey, ErrMalformed, ErrBadSignature, ErrUnknownSigner, ErrNotEncrypted} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzParsePublicKey(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePublicKey(data)
		if !classified(err) {
			t.Fatalf("unclassified error: %v", err)
		}
		if err != nil {
			return
		}
		again, err := ParsePublicKey(p.Armored())
		if err != nil || again.Fingerprint() != p.Fingerprint() {
			t.Fatalf("Armored() does not parse back: %v", err)
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	k := fuzzKey(f)
	verify := []*PublicKey{k.Public()}
	const max = 1 << 16
	f.Fuzz(func(t *testing.T, msg []byte) {
		d, err := k.Decrypt(msg, max, verify)
		if !classified(err) {
			t.Fatalf("unclassified error: %v", err)
		}
		if err == nil && len(d.Data) > max {
			t.Fatalf("%d bytes of plaintext, max %d", len(d.Data), max)
		}
		if err == nil && d.Verified != (d.Signer != nil) {
			t.Fatalf("Verified %v with Signer %v", d.Verified, d.Signer)
		}
	})
}

// FuzzFindArmored also feeds cleartext-signed blocks to VerifyCleartext,
// the parser of outside input that sits behind it.
func FuzzFindArmored(f *testing.F) {
	k := fuzzKey(f)
	f.Fuzz(func(t *testing.T, b []byte, blockType string) {
		got, ok := FindArmored(b, blockType)
		if !ok {
			if got != nil {
				t.Fatalf("not found but returned %q", got)
			}
		} else {
			begin, end := "-----BEGIN "+blockType+"-----", "-----END "+blockType+"-----"
			if blockType == typeSigned {
				end = "-----END " + typeSignature + "-----"
			}
			if !bytes.HasPrefix(got, []byte(begin)) || !bytes.HasSuffix(got, []byte(end)) || !bytes.Contains(b, got) {
				t.Fatalf("FindArmored(%q) = %q", blockType, got)
			}
		}
		if blockType == typeSigned {
			_, _, _, err := VerifyCleartext(b, []*PublicKey{k.Public()})
			if !classified(err) {
				t.Fatalf("VerifyCleartext: unclassified error: %v", err)
			}
		}
	})
}

// TestUpdateFuzzSeeds writes the seed corpora under testdata/fuzz with
// -update; run it after changing what the seeds should cover.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the fuzz seed corpora")
	}
	if _, err := os.Stat(fuzzKeyFile); os.IsNotExist(err) {
		k := testKey(t, "fuzz@example.org")
		bin, err := k.PrivateBinary()
		if err != nil {
			t.Fatal(err)
		}
		arm, err := armored(typePrivateKey, bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fuzzKeyFile, arm, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k := fuzzKey(t)
	other := testKey(t, "other@example.org")
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pubBin := k.Public().Binary()
	encrypted := must(Encrypt([]byte("report body\n"), []*PublicKey{k.Public()}, nil))
	signed := must(Encrypt([]byte("signed report\n"), []*PublicKey{k.Public()}, k))
	encBin := must(dearmor(encrypted, typeMessage))
	cleartext := must(k.ClearSign([]byte("Hello\n- dashed\n")))
	twoKeys := append(k.Public().Armored(), other.Public().Armored()...)

	seeds := map[string]map[string][]any{
		"FuzzParsePublicKey": {
			"armored":   {k.Public().Armored()},
			"binary":    {pubBin},
			"truncated": {pubBin[:len(pubBin)/2]},
			"two-keys":  {twoKeys},
			"garbage":   {[]byte("not a key\n")},
		},
		"FuzzDecrypt": {
			"armored":    {encrypted},
			"binary":     {encBin},
			"signed":     {signed},
			"compressed": {bombMessage(t, k, 4096, 1)},
			"literal":    {literalMessage(t, []byte("plain"))},
			"cleartext":  {cleartext},
			"garbage":    {[]byte{0xc1, 0x05, 1, 2, 3, 4, 5, 0xd2, 0xff}},
		},
		"FuzzFindArmored": {
			"message":   {append([]byte("Hi,\r\n\r\n"), encrypted...), typeMessage},
			"cleartext": {append([]byte("> quoted\n"), cleartext...), typeSigned},
			"key":       {k.Public().Armored(), typePublicKey},
			"no-end":    {[]byte("-----BEGIN PGP MESSAGE-----\n\nhQ\n"), typeMessage},
		},
	}
	for target, files := range seeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, args := range files {
			var buf bytes.Buffer
			buf.WriteString("go test fuzz v1\n")
			for _, a := range args {
				switch a := a.(type) {
				case []byte:
					fmt.Fprintf(&buf, "[]byte(%q)\n", a)
				case string:
					fmt.Fprintf(&buf, "string(%q)\n", a)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
