package pgp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Decrypted is the result of Key.Decrypt.
type Decrypted struct {
	Data        []byte     // the plaintext
	Signed      bool       // the message carried a signature
	SignerKeyID uint64     // issuer key id of that signature (0 when not signed)
	Verified    bool       // the signature was checked good with one of the verify keys
	Signer      *PublicKey // the key that verified it (nil unless Verified)
}

// Decrypt decrypts an OpenPGP message (armoured or binary) encrypted to k
// and returns at most max bytes of plaintext. verify are public keys to check
// an embedded signature with; k's own public key is not used for that. A
// signature that does not check out (unknown key, altered data, weak hash,
// revoked or expired key) leaves Verified false and is not an error.
//
// It returns an error wrapping ErrTooLarge when the plaintext (or the
// ciphertext, beyond max plus overhead) is larger than max — a compressed
// packet that expands past max is stopped after reading about max bytes;
// ErrNotEncrypted for a signed or plain message without encryption;
// ErrNotForKey, naming the key ids the message is for, when it is not
// encrypted to k; and ErrMalformed for anything else that is not a valid
// message (damaged packets, failed integrity check, unsupported algorithms).
func (k *Key) Decrypt(msg []byte, max int64, verify []*PublicKey) (d *Decrypted, err error) {
	const op = "pgp.Decrypt"
	defer guard(op, &err)
	max = clamp(max, 0, maxPlaintext) // keeps the sums below from overflowing
	if int64(len(msg)) > 2*max+messageSlack {
		return nil, fmt.Errorf("%s: %w: message of %d bytes for a limit of %d", op, ErrTooLarge, len(msg), max)
	}
	if _, ok := FindArmored(msg, typeMessage); !ok {
		if _, ok := FindArmored(msg, typeSigned); ok {
			return nil, fmt.Errorf("%s: %w: cleartext-signed message", op, ErrNotEncrypted)
		}
	}
	bin, err := dearmor(msg, typeMessage)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := k.checkRecipients(bin); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}

	cfg := config(time.Now())
	limit := max + decompressPlus
	cfg.MaxDecompressedMessageSize = &limit
	ring := &decryptRing{own: openpgp.EntityList{k.entity}, verify: entities(verify)}
	md, err := openpgp.ReadMessage(bytes.NewReader(bin), ring, nil, cfg)
	if err != nil {
		if errors.Is(err, pgperrors.ErrKeyIncorrect) {
			return nil, fmt.Errorf("%s: %w: the session key encrypted to this key could not be decrypted", op, ErrMalformed)
		}
		return nil, malformed(op, err)
	}
	if !md.IsEncrypted {
		return nil, fmt.Errorf("%s: %w", op, ErrNotEncrypted)
	}
	data, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, max+1))
	if err != nil {
		return nil, malformed(op, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w: plaintext over %d bytes", op, ErrTooLarge, max)
	}
	d = &Decrypted{Data: data, Signed: md.IsSigned}
	if md.IsSigned {
		d.SignerKeyID = md.SignedByKeyId
		if md.SignedBy != nil && md.Signature != nil && md.SignatureError == nil && !weakHash(md.Signature) {
			d.Signer = byEntity(verify, md.SignedBy.Entity)
			d.Verified = d.Signer != nil
		}
	}
	return d, nil
}

// clamp returns v limited to [lo, hi].
func clamp(v, lo, hi int64) int64 { return min(max(v, lo), hi) }

// checkRecipients reads the session-key packets at the head of bin and
// returns ErrNotEncrypted when the message has no encryption, or ErrNotForKey
// when none of them is for k. go-crypto's own error for the latter does not
// say which keys the message is for.
func (k *Key) checkRecipients(bin []byte) error {
	var ids []uint64
	var passphrase bool
	r := packet.NewReader(bytes.NewReader(bin))
	for {
		p, err := r.Next()
		if err == io.EOF {
			return fmt.Errorf("%w: no encrypted data", ErrMalformed)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch p := p.(type) {
		case *packet.EncryptedKey:
			if p.KeyId == 0 || k.public.hasKeyID(p.KeyId) {
				return nil // wildcard (hidden recipient) or ours
			}
			ids = append(ids, p.KeyId)
		case *packet.SymmetricKeyEncrypted:
			passphrase = true
		case *packet.SymmetricallyEncrypted, *packet.AEADEncrypted:
			return notForKey(ids, passphrase)
		case *packet.Compressed, *packet.LiteralData, *packet.OnePassSignature, *packet.Signature:
			if len(ids) == 0 && !passphrase {
				return ErrNotEncrypted
			}
			return fmt.Errorf("%w: session keys not followed by encrypted data", ErrMalformed)
		}
	}
}

// notForKey builds the ErrNotForKey error for a message encrypted to ids
// and, if passphrase, with a passphrase.
func notForKey(ids []uint64, passphrase bool) error {
	var to []string
	for _, id := range ids {
		to = append(to, fmt.Sprintf("%016X", id))
	}
	if passphrase {
		to = append(to, "a passphrase")
	}
	if len(to) == 0 {
		return fmt.Errorf("%w: it has no recipients", ErrNotForKey)
	}
	return fmt.Errorf("%w: it is encrypted to %s", ErrNotForKey, strings.Join(to, ", "))
}

// decryptRing gives go-crypto the project key for decryption and only the
// verify keys for signature checks, so that a message "signed" with the
// project's own key does not count as verified.
type decryptRing struct {
	own    openpgp.EntityList
	verify openpgp.EntityList
}

// KeysById is used by go-crypto to find decryption keys.
func (r *decryptRing) KeysById(id uint64) []openpgp.Key { return r.own.KeysById(id) }

// KeysByIdUsage is used by go-crypto to find signature verification keys.
func (r *decryptRing) KeysByIdUsage(id uint64, usage byte) []openpgp.Key {
	return r.verify.KeysByIdUsage(id, usage)
}

// DecryptionKeys is used by go-crypto for hidden-recipient messages.
func (r *decryptRing) DecryptionKeys() []openpgp.Key { return r.own.DecryptionKeys() }
