package inbound

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// nested returns a message with depth multipart levels, each with its own
// boundary (or the same one when same is set).
func nested(depth int, same bool) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\n")
	for i := 0; i < depth; i++ {
		bd := fmt.Sprintf("b%d", i)
		if same {
			bd = "b"
		}
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n--%s\r\n", bd, bd)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	return b.Bytes()
}

// manyParts returns a multipart/mixed message with n text parts.
func manyParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < n; i++ {
		b.WriteString("--b\r\n\r\npart\r\n")
	}
	b.WriteString("--b--\r\n")
	return b.Bytes()
}

// zipBomb returns a small zip whose entries claim (and would inflate to)
// entries × 16 MiB of zeros.
func zipBomb(t *testing.T, entries int) []byte {
	t.Helper()
	const size = 16 << 20
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	crc := crc32.NewIEEE()
	for i := 0; i < size/len(zeros); i++ {
		fw.Write(zeros)
		crc.Write(zeros)
	}
	fw.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for i := 0; i < entries; i++ {
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: fmt.Sprintf("zeros-%d.bin", i), Method: zip.Deflate,
			CRC32: crc.Sum32(), CompressedSize64: uint64(comp.Len()), UncompressedSize64: size,
		})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	zw.Close()
	return out.Bytes()
}

// pgpBomb encrypts size zeros to to with maximum compression.
func pgpBomb(t *testing.T, to *pgp.PublicKey, size int) []byte {
	t.Helper()
	el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(to.Armored()))
	if err != nil {
		t.Fatal(err)
	}
	// go-crypto compresses only what the recipient says it can read.
	sig, _ := el[0].PrimarySelfSignature()
	if sig == nil {
		t.Fatal("no self-signature")
	}
	sig.PreferredCompression = []uint8{uint8(packet.CompressionZLIB)}
	var out bytes.Buffer
	aw, _ := armor.Encode(&out, "PGP MESSAGE", nil)
	cfg := &packet.Config{DefaultCompressionAlgo: packet.CompressionZLIB, CompressionConfig: &packet.CompressionConfig{Level: 9}}
	w, err := openpgp.Encrypt(aw, el, nil, &openpgp.FileHints{IsBinary: true}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for i := 0; i < size/len(zeros); i++ {
		w.Write(zeros)
	}
	w.Close()
	aw.Close()
	return out.Bytes()
}

func TestParseHostile(t *testing.T) {
	project := newKey(t, "Project", "security@project.example")
	bomb := pgpBomb(t, project.Public(), 64<<20)
	// A PGP/MIME message whose plaintext is a PGP/MIME message, 15 deep.
	onion := crlf("Content-Type: text/plain", "", "core")
	for i := 0; i < 15; i++ {
		onion = pgpMIME("a@example.org", "...", encrypt(t, onion, nil, project.Public()))
	}
	// The race detector slows decompression about tenfold: bombs then stop
	// at a smaller limit.
	bombLimits := Limits{}
	if raceEnabled {
		bombLimits.MaxBytes = 4 << 20
	}
	tests := []struct {
		name     string
		raw      []byte
		code     int
		enhanced [3]int
		lim      Limits
	}{
		{"nesting depth 1000", nested(1000, false), 554, [3]int{5, 6, 0}, Limits{}},
		{"nesting depth 1000, one boundary", nested(1000, true), 554, [3]int{5, 6, 0}, Limits{}},
		{"nesting through encryption", onion, 554, [3]int{5, 6, 0}, Limits{}},
		{"10,000 parts", manyParts(10000), 554, [3]int{5, 6, 0}, Limits{}},
		{"1 MB header line", crlf("From: a@example.org", "X-Long: "+strings.Repeat("a", 1<<20), "", "body"), 554, [3]int{5, 6, 0}, Limits{}},
		{"1 MB header line without a line end", []byte("From: a@example.org\r\nX-Long: " + strings.Repeat("a", 1<<20)), 554, [3]int{5, 6, 0}, Limits{}},
		{"100,000 header lines", []byte("From: a@example.org\r\n" + strings.Repeat("X-A: b\r\n", 100000) + "\r\nbody"), 554, [3]int{5, 6, 0}, Limits{}},
		{"100,000 folded lines", []byte("From: a@example.org\r\nX-A: b\r\n" + strings.Repeat(" b\r\n", 100000) + "\r\nbody"), 554, [3]int{5, 6, 0}, Limits{}},
		{"1 MB part header line", crlf("From: a@example.org", "Content-Type: multipart/mixed; boundary=b", "", "--b",
			"X-Long: "+strings.Repeat("a", 1<<20), "", "body", "--b--"), 554, [3]int{5, 6, 0}, Limits{}},
		{"compression bomb inside PGP", pgpMIME("a@example.org", "...", bomb), 552, [3]int{5, 3, 4}, bombLimits},
		{"compression bomb in an inline block", append(crlf("From: a@example.org", "", ""), bomb...), 552, [3]int{5, 3, 4}, bombLimits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			fast(t, func() { _, err = Parse(tt.raw, project, nil, tt.lim) })
			wantError(t, err, tt.code, tt.enhanced)
			if !strings.Contains(tt.name, "bomb") {
				fast(t, func() { _, err = ReadHeader(tt.raw, Limits{}) })
			}
		})
	}
}

// TestParseZipBomb: a zip attachment is stored as it came, never opened.
func TestParseZipBomb(t *testing.T) {
	bomb := zipBomb(t, 256) // 4 GiB of zeros inflated
	raw := crlf("From: a@example.org", "Content-Type: multipart/mixed; boundary=b", "",
		"--b", "", "see the zip", "--b",
		"Content-Type: application/zip", `Content-Disposition: attachment; filename="poc.zip"`,
		"Content-Transfer-Encoding: base64", "", b64(bomb), "--b--", "")
	var m *Message
	alloc := allocated(func() {
		fast(t, func() { m = mustParse(t, raw, nil) })
	})
	if len(m.Attachments) != 1 || !bytes.Equal(m.Attachments[0].Data, bomb) {
		t.Fatalf("the zip was not stored as it came")
	}
	if limit := uint64(4 * len(raw)); alloc > limit {
		t.Errorf("allocated %d bytes for a %d-byte message, want at most %d", alloc, len(raw), limit)
	}
}

// TestParseLargeMessageMemory: a message near the size limit costs a small
// multiple of its size.
func TestParseLargeMessageMemory(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	raw := crlf("From: a@example.org", "Content-Type: multipart/mixed; boundary=b", "",
		"--b", "Content-Type: text/plain", "", string(big[:4<<20]), "--b",
		"Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "", b64(big), "--b--", "")
	var m *Message
	alloc := allocated(func() {
		fast(t, func() { m = mustParse(t, raw, nil) })
	})
	if !m.Truncated || len(m.Text) != DefaultMaxText || len(m.Attachments) != 1 || len(m.Attachments[0].Data) != len(big) {
		t.Fatalf("Truncated %v, text %d bytes, %d attachments", m.Truncated, len(m.Text), len(m.Attachments))
	}
	if limit := uint64(3 * len(raw)); alloc > limit {
		t.Errorf("allocated %d bytes for a %d-byte message, want at most %d", alloc, len(raw), limit)
	}
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
