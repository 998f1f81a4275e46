// Package pgp owns Embargo's OpenPGP operations: project keys, encryption to
// reporters, decryption of reporter mail, signatures, Web Key Directory
// hashes.
//
// It is a thin layer over github.com/ProtonMail/go-crypto/openpgp: it picks
// safe settings, bounds every input, turns library panics on hostile packets
// into ErrMalformed, and reports failures with the sentinel errors below so
// that callers can tell a wrong key from a broken message.
package pgp

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Errors returned (wrapped, with the operation name) by this package.
var (
	// ErrTooLarge means an input or a decrypted plaintext is over its limit.
	ErrTooLarge = errors.New("too large")
	// ErrNotForKey means a message is not encrypted to the key trying to
	// read it; the wrapping error names the key ids it is encrypted to.
	ErrNotForKey = errors.New("message is not encrypted to this key")
	// ErrMalformed means the input is not valid OpenPGP data of the expected
	// kind (bad packets, bad armour, failed integrity check, library panic).
	ErrMalformed = errors.New("malformed OpenPGP data")
	// ErrBadSignature means a signature was made by a known key but does
	// not check out (altered data, weak hash, revoked or expired key).
	ErrBadSignature = errors.New("bad signature")
	// ErrUnknownSigner means a signature was not made by any of the keys it
	// was checked against.
	ErrUnknownSigner = errors.New("signature by an unknown key")
	// ErrNotEncrypted means an OpenPGP message carries no encryption.
	ErrNotEncrypted = errors.New("message is not encrypted")
)

// Input limits. Public keys are limited by the API contract; private keys
// and signatures get room for large RSA keys and many certifications.
const (
	maxPublicKey   = 64 << 10
	maxPrivateKey  = 256 << 10
	maxSignature   = 64 << 10
	maxSignedText  = 16 << 20
	maxPlaintext   = 1 << 40  // Decrypt's max is capped here
	messageSlack   = 64 << 10 // ciphertext and armour overhead over max
	decompressPlus = 64 << 10 // literal header and trailing signatures
)

// Armour block types handled here.
const (
	typeMessage    = "PGP MESSAGE"
	typeSigned     = "PGP SIGNED MESSAGE"
	typePublicKey  = "PGP PUBLIC KEY BLOCK"
	typePrivateKey = "PGP PRIVATE KEY BLOCK"
	typeSignature  = "PGP SIGNATURE"
)

// config returns the go-crypto settings used for every operation: AES-256,
// SHA-256, no compression, no AEAD (GnuPG 2.2 cannot read SEIPDv2), and the
// given time for key validity and signature creation.
func config(now time.Time) *packet.Config {
	return &packet.Config{
		DefaultHash:            crypto.SHA256,
		DefaultCipher:          packet.CipherAES256,
		DefaultCompressionAlgo: packet.CompressionNone,
		Algorithm:              packet.PubKeyAlgoEdDSA,
		Curve:                  packet.Curve25519,
		Time:                   func() time.Time { return now },
	}
}

// guard turns a panic inside go-crypto into ErrMalformed. Use it as
// "defer guard(op, &err)" in every function that hands outside data to the
// library.
func guard(op string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: %w (parser failure: %v)", op, ErrMalformed, r)
	}
}

// malformed wraps a go-crypto error as ErrMalformed, keeping its text, or
// as ErrTooLarge when the library stopped at a size limit.
func malformed(op string, err error) error {
	if errors.Is(err, pgperrors.ErrMessageTooLarge) {
		return fmt.Errorf("%s: %w", op, ErrTooLarge)
	}
	return fmt.Errorf("%s: %w: %v", op, ErrMalformed, err)
}

// dearmor returns the binary packets in data: the body of its first armour
// block of one of the given types when data contains one, data itself
// otherwise. It returns ErrMalformed for a damaged armour block.
func dearmor(data []byte, types ...string) ([]byte, error) {
	for _, t := range types {
		block, ok := FindArmored(data, t)
		if !ok {
			continue
		}
		b, err := armor.Decode(bytes.NewReader(block))
		if err != nil {
			return nil, fmt.Errorf("%w: armour: %v", ErrMalformed, err)
		}
		if b.Type != t {
			return nil, fmt.Errorf("%w: armour type %q, want %q", ErrMalformed, b.Type, t)
		}
		// The body can only be shorter than the armoured text.
		body, err := io.ReadAll(io.LimitReader(b.Body, int64(len(block))))
		if err != nil {
			return nil, fmt.Errorf("%w: armour: %v", ErrMalformed, err)
		}
		return body, nil
	}
	return data, nil
}

// armoredBlocks counts the complete armour blocks of the given type in data.
func armoredBlocks(data []byte, blockType string) int {
	n := 0
	for off := 0; ; n++ {
		_, end := findArmored(data, blockType, off)
		if end < 0 {
			return n
		}
		off = end
	}
}

// armored encodes bin as an armour block of the given type.
func armored(blockType string, bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, blockType, nil)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bin); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// readEntities parses the keys in data (armoured or binary).
func readEntities(data []byte) (openpgp.EntityList, error) {
	if armoredBlocks(data, typePublicKey)+armoredBlocks(data, typePrivateKey) > 1 {
		return nil, fmt.Errorf("%w: more than one armoured key block, want exactly one key", ErrMalformed)
	}
	bin, err := dearmor(data, typePublicKey, typePrivateKey)
	if err != nil {
		return nil, err
	}
	el, err := openpgp.ReadKeyRing(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(el) == 0 {
		return nil, fmt.Errorf("%w: no OpenPGP key found", ErrMalformed)
	}
	if len(el) > 1 {
		return nil, fmt.Errorf("%w: %d keys found, want exactly one", ErrMalformed, len(el))
	}
	if v := el[0].PrimaryKey.Version; v != 4 {
		return nil, fmt.Errorf("%w: version %d key; only version 4 keys are supported", ErrMalformed, v)
	}
	return el, nil
}

// weakHash reports whether a message signature uses a hash go-crypto's
// default policy rejects (MD5, SHA-1, RIPEMD-160). The v1 API of go-crypto
// does not apply that policy itself.
func weakHash(sig *packet.Signature) bool {
	return sig == nil || (*packet.Config)(nil).RejectMessageHashAlgorithm(sig.Hash)
}
