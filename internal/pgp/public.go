package pgp

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// PublicKey is someone's OpenPGP public key: a reporter's, or a project's
// public half. It holds no private material and is safe for concurrent use.
type PublicKey struct {
	entity      *openpgp.Entity
	bin         []byte
	armored     []byte
	fingerprint string
	keyIDs      []uint64
	emails      []string
}

// ParsePublicKey reads exactly one public key, armoured or binary; given a
// private key it keeps only the public half. The key must have an encryption
// subkey (or encryption-capable primary) that is valid now: revoked and
// expired keys are not usable. It returns an error wrapping ErrTooLarge for
// input over 64 KiB, and one wrapping ErrMalformed when the input holds no
// key, more than one, a key that is not version 4, or no usable encryption
// key.
func ParsePublicKey(data []byte) (p *PublicKey, err error) {
	const op = "pgp.ParsePublicKey"
	defer guard(op, &err)
	if len(data) > maxPublicKey {
		return nil, fmt.Errorf("%s: %w: %d bytes, limit %d", op, ErrTooLarge, len(data), maxPublicKey)
	}
	el, err := readEntities(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var buf bytes.Buffer
	if err := serializePublic(&buf, el[0]); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", op, ErrMalformed, err)
	}
	p, err = newPublicKey(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return p, nil
}

// newPublicKey parses bin, the output of serializePublic, and checks that
// the key can be encrypted to now.
func newPublicKey(bin []byte) (*PublicKey, error) {
	el, err := openpgp.ReadKeyRing(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("%w: %d keys after re-encoding", ErrMalformed, len(el))
	}
	e := el[0]
	now := time.Now()
	if _, ok := e.EncryptionKey(now); !ok {
		return nil, fmt.Errorf("%w: key %X has no usable encryption subkey (none, or revoked or expired)",
			ErrMalformed, e.PrimaryKey.Fingerprint)
	}
	arm, err := armored(typePublicKey, bin)
	if err != nil {
		return nil, err
	}
	p := &PublicKey{
		entity:      e,
		bin:         bin,
		armored:     arm,
		fingerprint: fmt.Sprintf("%X", e.PrimaryKey.Fingerprint),
		keyIDs:      []uint64{e.PrimaryKey.KeyId},
	}
	for _, sk := range e.Subkeys {
		p.keyIDs = append(p.keyIDs, sk.PublicKey.KeyId)
	}
	for _, id := range e.Identities {
		if id.UserId == nil || id.Revoked(now) {
			continue
		}
		if addr := strings.ToLower(strings.TrimSpace(id.UserId.Email)); addr != "" {
			p.emails = append(p.emails, addr)
		}
	}
	slices.Sort(p.emails)
	p.emails = slices.Compact(p.emails)
	return p, nil
}

// serializePublic writes the public part of e like Entity.Serialize does,
// but with user ids in sorted order so that the same key always gives the
// same bytes.
func serializePublic(w io.Writer, e *openpgp.Entity) error {
	if err := e.PrimaryKey.Serialize(w); err != nil {
		return err
	}
	for _, sig := range e.Revocations {
		if err := sig.Serialize(w); err != nil {
			return err
		}
	}
	for _, sig := range e.Signatures {
		if err := sig.Serialize(w); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(e.Identities))
	for name := range e.Identities {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		id := e.Identities[name]
		if err := id.UserId.Serialize(w); err != nil {
			return err
		}
		for _, sig := range id.Signatures {
			if err := sig.Serialize(w); err != nil {
				return err
			}
		}
	}
	for _, sk := range e.Subkeys {
		if err := sk.PublicKey.Serialize(w); err != nil {
			return err
		}
		for _, sig := range sk.Revocations {
			if err := sig.Serialize(w); err != nil {
				return err
			}
		}
		if err := sk.Sig.Serialize(w); err != nil {
			return err
		}
	}
	return nil
}

// Fingerprint returns the primary key's fingerprint as 40 upper-case hex
// digits.
func (p *PublicKey) Fingerprint() string { return p.fingerprint }

// KeyIDs returns the key ids of the primary key and of each subkey, in that
// order.
func (p *PublicKey) KeyIDs() []uint64 { return slices.Clone(p.keyIDs) }

// Emails returns the lower-cased e-mail addresses of the key's user ids that
// are not revoked, sorted, without duplicates.
func (p *PublicKey) Emails() []string { return slices.Clone(p.emails) }

// Armored returns the key as an armoured "PGP PUBLIC KEY BLOCK".
func (p *PublicKey) Armored() []byte { return slices.Clone(p.armored) }

// Binary returns the key as a binary transferable public key, the form a
// Web Key Directory serves.
func (p *PublicKey) Binary() []byte { return slices.Clone(p.bin) }

// hasKeyID reports whether id is the primary key's or a subkey's id.
func (p *PublicKey) hasKeyID(id uint64) bool { return slices.Contains(p.keyIDs, id) }

// entities returns the go-crypto entities of keys, skipping nil ones.
func entities(keys []*PublicKey) openpgp.EntityList {
	el := make(openpgp.EntityList, 0, len(keys))
	for _, p := range keys {
		if p != nil {
			el = append(el, p.entity)
		}
	}
	return el
}

// byEntity returns the key among keys that wraps e, or nil.
func byEntity(keys []*PublicKey, e *openpgp.Entity) *PublicKey {
	for _, p := range keys {
		if p != nil && p.entity == e {
			return p
		}
	}
	return nil
}
