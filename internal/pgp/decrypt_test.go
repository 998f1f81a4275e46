package pgp

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// literalMessage returns an unencrypted OpenPGP message holding plain.
func literalMessage(t *testing.T, plain []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := packet.SerializeLiteral(nopCloser{&buf}, true, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	return buf.Bytes()
}

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

// bombMessage returns a message encrypted to k holding a ZIP (raw DEFLATE)
// compressed literal packet of count*unit zero bytes. Compressing 200 MB
// with compress/flate takes seconds (tens under the race detector), so the
// DEFLATE stream repeats one compressed block: once a unit of zeros has
// filled the 32 KB window, a byte-aligned block (ended by a sync flush)
// that encodes a unit of zeros decodes the same wherever it is placed. The
// packets around it are built by hand; go-crypto encrypts them.
func bombMessage(t testing.TB, k *Key, unit, count int) []byte {
	t.Helper()
	if count > 1 && unit < 64<<10 {
		t.Fatalf("bombMessage: unit %d too small to repeat", unit)
	}
	// Literal data packet: new-format tag 11, five-octet length, binary,
	// no file name, time 0.
	lit := []byte{0xC0 | 11, 0xFF, 0, 0, 0, 0, 'b', 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(lit[2:6], uint32(6+unit*count))

	var z bytes.Buffer
	fw, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, unit)
	fw.Write(lit)
	fw.Write(zeros)
	fw.Flush()
	head := bytes.Clone(z.Bytes())
	z.Reset()
	fw.Write(zeros)
	fw.Flush()
	block := bytes.Clone(z.Bytes())
	z.Reset()
	fw.Close()
	deflate := append(head, bytes.Repeat(block, count-1)...)
	deflate = append(deflate, z.Bytes()...)

	// Compressed data packet: new-format tag 8, five-octet length, ZIP.
	comp := []byte{0xC0 | 8, 0xFF, 0, 0, 0, 0, byte(packet.CompressionZIP)}
	binary.BigEndian.PutUint32(comp[2:6], uint32(1+len(deflate)))
	comp = append(comp, deflate...)

	enc, ok := k.entity.EncryptionKey(time.Now())
	if !ok {
		t.Fatal("no encryption key")
	}
	session := make([]byte, 32)
	rand.Read(session)
	var msg bytes.Buffer
	if err := packet.SerializeEncryptedKeyAEAD(&msg, enc.PublicKey, packet.CipherAES256, false, session, nil); err != nil {
		t.Fatal(err)
	}
	w, err := packet.SerializeSymmetricallyEncrypted(&msg, packet.CipherAES256, false, packet.CipherSuite{}, session, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(comp); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return msg.Bytes()
}

func TestDecryptRejects(t *testing.T) {
	t.Parallel()
	k := testKey(t, "security@example.com")
	other := testKey(t, "other@example.com")
	toOther, err := Encrypt([]byte("not for you"), []*PublicKey{other.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	good, err := Encrypt([]byte("hello"), []*PublicKey{k.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := dearmor(good, typeMessage)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(bin)
	tampered[len(tampered)-5] ^= 0x40
	big, err := Encrypt(bytes.Repeat([]byte("a"), 5000), []*PublicKey{k.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cleartext, err := k.ClearSign([]byte("signed, not encrypted"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		msg     []byte
		max     int64
		want    error
		errText string
	}{
		{"to another key", toOther, 1 << 10, ErrNotForKey, fmt.Sprintf("%016X", other.Public().KeyIDs()[1])},
		{"garbage", []byte("this is not an OpenPGP message at all"), 1 << 10, ErrMalformed, ""},
		{"garbage packets", []byte{0xc1, 0x05, 1, 2, 3, 4, 5, 0xd2, 0xff, 0xff}, 1 << 10, ErrMalformed, ""},
		{"empty", nil, 1 << 10, ErrMalformed, ""},
		{"truncated", bin[:len(bin)/2], 1 << 10, ErrMalformed, ""},
		{"tampered", tampered, 1 << 10, ErrMalformed, ""},
		{"broken armour", []byte("-----BEGIN PGP MESSAGE-----\n\n%%%%\n-----END PGP MESSAGE-----\n"), 1 << 10, ErrMalformed, ""},
		{"literal message", literalMessage(t, []byte("plain text")), 1 << 10, ErrNotEncrypted, ""},
		{"cleartext-signed", cleartext, 1 << 10, ErrNotEncrypted, ""},
		{"plaintext over max", big, 4096, ErrTooLarge, ""},
		{"ciphertext over max", bytes.Repeat([]byte{0}, 200<<10), 1 << 10, ErrTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := k.Decrypt(tt.msg, tt.max, nil)
			if !errors.Is(err, tt.want) || !strings.Contains(fmt.Sprint(err), tt.errText) {
				t.Fatalf("Decrypt = %v, %v; want %v containing %q", d, err, tt.want, tt.errText)
			}
		})
	}
	if d, err := k.Decrypt(big, 5000, nil); err != nil || len(d.Data) != 5000 {
		t.Errorf("plaintext of exactly max: %v", err)
	}
	if d, err := k.Decrypt(big, math.MaxInt64, nil); err != nil || len(d.Data) != 5000 {
		t.Errorf("max = MaxInt64: %v", err)
	}
	if _, err := k.Decrypt(good, -1, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("max = -1: err = %v, want ErrTooLarge", err)
	}
}

// TestDecryptCompressionBomb: 200 MB of zeros compressed to a few hundred
// KB stop at max quickly and in bounded memory.
func TestDecryptCompressionBomb(t *testing.T) {
	// Not parallel: it measures allocation.
	k := testKey(t, "security@example.com")
	// The construction is sound: a small bomb decompresses in full.
	small := bombMessage(t, k, 1<<20, 3)
	d, err := k.Decrypt(small, 4<<20, nil)
	if err != nil || len(d.Data) != 3<<20 || bytes.Count(d.Data, []byte{0}) != 3<<20 {
		t.Fatalf("Decrypt(3 MiB of compressed zeros) = %v", err)
	}

	msg := bombMessage(t, k, 1<<20, 200)
	if len(msg) > 1<<20 {
		t.Fatalf("bomb is %d bytes; it must be under the ciphertext limit to test decompression", len(msg))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err = k.Decrypt(msg, 1<<20, nil)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Decrypt(bomb) err = %v, want ErrTooLarge", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Decrypt(bomb) took %v, want < 5s", elapsed)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("Decrypt(bomb) allocated %d MiB, want < 32", alloc>>20)
	}
	t.Logf("bomb: %d bytes, stopped after %v", len(msg), elapsed)
}
