package inbound

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// Fuzzing uses fixed test keys from testdata so that the PGP/MIME seeds can
// be decrypted and verified; -seeds writes new keys and seeds:
//
//	go test -run TestWriteFuzzSeeds ./internal/mail/inbound -args -seeds
var writeSeeds = flag.Bool("seeds", false, "write new test keys and fuzz seed corpora to testdata")

const (
	projectKeyFile  = "testdata/project-key.asc"
	reporterKeyFile = "testdata/reporter-key.asc"
)

// fuzzLimits keep each run small.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxText: 64 << 10}

// fuzzKeys loads the project's and the reporter's test keys.
func fuzzKeys(t testing.TB) (project, reporter *pgp.Key) {
	t.Helper()
	load := func(name string) *pgp.Key {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		k, err := pgp.ParsePrivateKey(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return k
	}
	return load(projectKeyFile), load(reporterKeyFile)
}

func FuzzParse(f *testing.F) {
	project, rep := fuzzKeys(f)
	known := []*pgp.PublicKey{rep.Public()}
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		m, err := Parse(raw, project, known, fuzzLimits)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Parse took %v", d)
		}
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		checkHeader(t, &m.Header)
		if len(m.Text) > fuzzLimits.MaxText || !utf8.ValidString(m.Text) {
			t.Fatalf("Text of %d bytes, valid UTF-8 %v", len(m.Text), utf8.ValidString(m.Text))
		}
		if strings.ContainsFunc(m.Text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
			t.Fatalf("Text has control characters: %q", m.Text)
		}
		if m.Verified && (!m.Signed || m.SenderKey == nil) {
			t.Fatalf("Verified without Signed or SenderKey")
		}
		var total int
		for _, a := range m.Attachments {
			total += len(a.Data)
			if a.Name == "" || strings.ContainsAny(a.Name, `/\`) || strings.ContainsFunc(a.Name, unicode.IsControl) || !utf8.ValidString(a.Name) {
				t.Fatalf("attachment name %q not sanitized", a.Name)
			}
		}
		if int64(total) > fuzzLimits.WithDefaults().decodedBudget() {
			t.Fatalf("%d bytes of attachments from %d bytes", total, len(raw))
		}
	})
}

func FuzzReadHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := ReadHeader(raw, fuzzLimits)
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		checkHeader(t, h)
	})
}

// checkFuzzError fails on anything but a one-line *Error from a recovered
// panic or otherwise.
func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %v is a %T, not *Error", err, err)
	}
	if e.Message == msgInternalPanic {
		t.Fatalf("Parse panicked (recovered)")
	}
	if e.Code != 552 && e.Code != 554 || strings.ContainsAny(e.Message, "\r\n") {
		t.Fatalf("error %d %q", e.Code, e.Message)
	}
}

// checkHeader checks that the header fields are safe to reuse in replies.
func checkHeader(t *testing.T, h *Header) {
	t.Helper()
	oneLine := func(name, s string) {
		if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
			t.Fatalf("%s %q is not one clean line", name, s)
		}
	}
	oneLine("Subject", h.Subject)
	oneLine("FromName", h.FromName)
	for _, a := range append(append(append([]string{h.From}, h.To...), h.Cc...), h.DeliveredTo...) {
		if a != "" && (!strings.Contains(a, "@") || strings.ContainsAny(a, " \t\r\n<>")) {
			t.Fatalf("address %q", a)
		}
	}
	for _, id := range append(append([]string{h.MessageID}, h.InReplyTo...), h.References...) {
		if strings.ContainsAny(id, " \t\r\n<>") {
			t.Fatalf("message id %q", id)
		}
	}
}

// TestWriteFuzzSeeds writes new test keys and the seed corpora (only with
// -seeds).
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -seeds to write new test keys and seeds")
	}
	project := newKey(t, "Fuzz Project", "security@project.example")
	rep := newKey(t, "Rita Reporter", "rita@example.org")
	for name, k := range map[string]*pgp.Key{projectKeyFile: project, reporterKeyFile: rep} {
		bin, err := k.PrivateBinary()
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, name, armorBlock(t, "PGP PRIVATE KEY BLOCK", bin))
	}
	seeds := fuzzSeeds(t, project, rep)
	for name, raw := range seeds {
		writeSeed(t, "FuzzParse", name, raw)
		if hdr, _, ok := splitHeader(raw, 1<<20); ok {
			writeSeed(t, "FuzzReadHeader", name, hdr)
		}
	}
}

func writeSeed(t *testing.T, target, name string, raw []byte) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n[]byte(")
	b.WriteString(quoteBytes(raw))
	b.WriteString(")\n")
	writeFile(t, filepath.Join("testdata", "fuzz", target, name), b.Bytes())
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFuzzSeeds checks that the OpenPGP seeds still decrypt and verify
// with the test keys, so that fuzzing starts past the OpenPGP layer.
func TestFuzzSeeds(t *testing.T) {
	project, rep := fuzzKeys(t)
	for _, name := range []string{"pgp-mime-encrypted", "pgp-mime-signed", "inline-encrypted", "inline-signed"} {
		t.Run(name, func(t *testing.T) {
			seed, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", name))
			if err != nil {
				t.Fatal(err)
			}
			lit := strings.TrimSuffix(strings.TrimPrefix(string(seed), "go test fuzz v1\n[]byte("), ")\n")
			raw, err := strconv.Unquote(lit)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse([]byte(raw), project, []*pgp.PublicKey{rep.Public()}, fuzzLimits)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Signed || !m.Verified {
				t.Errorf("Signed %v Verified %v", m.Signed, m.Verified)
			}
		})
	}
}
