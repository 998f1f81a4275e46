package pgp

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Key is a project's OpenPGP key pair (private material included). It is
// safe for concurrent use: no method changes it.
type Key struct {
	entity *openpgp.Entity
	public *PublicKey
}

// Generate makes a new key: an Ed25519 primary key (certify and sign) with a
// Curve25519 (ECDH) encryption subkey, no passphrase, no expiry, and one user
// id "name <email>", created at now. It returns an error when name and
// email are both empty, when either contains one of "()<>" or a NUL, when
// now is in the future (OpenPGP implementations, go-crypto and GnuPG alike,
// treat a key created after the current time as not yet valid), or when key
// generation fails.
func Generate(name, email string, now time.Time) (k *Key, err error) {
	const op = "pgp.Generate"
	defer guard(op, &err)
	if strings.TrimSpace(name) == "" && strings.TrimSpace(email) == "" {
		return nil, fmt.Errorf("%s: empty name and e-mail address", op)
	}
	if now.After(time.Now()) {
		return nil, fmt.Errorf("%s: creation time %s is in the future", op, now.UTC().Format(time.RFC3339))
	}
	cfg := config(now.UTC().Truncate(time.Second))
	e, err := openpgp.NewEntity(name, "", email, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	k, err = newKey(e)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return k, nil
}

// ParsePrivateKey reads one private key, armoured or binary, without a
// passphrase. It returns an error wrapping ErrTooLarge for input over
// 256 KiB, and one wrapping ErrMalformed when the input holds no key or more
// than one, has no private material (a public key, or GnuPG stubs), is
// protected by a passphrase (remove it first, e.g. with gpg --edit-key and
// passwd), or lacks a usable encryption subkey or signing key.
func ParsePrivateKey(data []byte) (k *Key, err error) {
	const op = "pgp.ParsePrivateKey"
	defer guard(op, &err)
	if len(data) > maxPrivateKey {
		return nil, fmt.Errorf("%s: %w: %d bytes, limit %d", op, ErrTooLarge, len(data), maxPrivateKey)
	}
	el, err := readEntities(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	e := el[0]
	if e.PrivateKey == nil {
		return nil, fmt.Errorf("%s: %w: no private key material (this is a public key)", op, ErrMalformed)
	}
	keys := []*packet.PrivateKey{e.PrivateKey}
	for _, sk := range e.Subkeys {
		if sk.PrivateKey == nil {
			return nil, fmt.Errorf("%s: %w: subkey %016X has no private key material", op, ErrMalformed, sk.PublicKey.KeyId)
		}
		keys = append(keys, sk.PrivateKey)
	}
	for _, pk := range keys {
		if pk.Encrypted {
			return nil, fmt.Errorf("%s: %w: the private key is protected by a passphrase; "+
				"remove the passphrase before importing it (gpg --edit-key KEYID passwd, then an empty passphrase)",
				op, ErrMalformed)
		}
	}
	k, err = newKey(e)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return k, nil
}

// newKey checks that e can decrypt and sign now and wraps it.
func newKey(e *openpgp.Entity) (*Key, error) {
	now := time.Now()
	enc, ok := e.EncryptionKey(now)
	if !ok {
		return nil, fmt.Errorf("%w: no valid encryption-capable subkey", ErrMalformed)
	}
	if enc.PrivateKey == nil || enc.PrivateKey.Dummy() {
		return nil, fmt.Errorf("%w: no private key material for encryption subkey %016X", ErrMalformed, enc.PublicKey.KeyId)
	}
	sig, ok := e.SigningKey(now)
	if !ok {
		return nil, fmt.Errorf("%w: no valid signing key", ErrMalformed)
	}
	if sig.PrivateKey == nil || sig.PrivateKey.Dummy() {
		return nil, fmt.Errorf("%w: no private key material for signing key %016X", ErrMalformed, sig.PublicKey.KeyId)
	}
	var pub bytes.Buffer
	if err := serializePublic(&pub, e); err != nil {
		return nil, err
	}
	p, err := newPublicKey(pub.Bytes())
	if err != nil {
		return nil, err
	}
	return &Key{entity: e, public: p}, nil
}

// Fingerprint returns the primary key's fingerprint as 40 upper-case hex
// digits.
func (k *Key) Fingerprint() string { return k.public.Fingerprint() }

// Emails returns the lower-cased e-mail addresses of the key's user ids,
// sorted, without duplicates.
func (k *Key) Emails() []string { return k.public.Emails() }

// Public returns the public half of the key.
func (k *Key) Public() *PublicKey { return k.public }

// PrivateBinary returns the serialized (binary, unprotected) private key;
// ParsePrivateKey reads it back. It returns an error only if serialization
// fails.
func (k *Key) PrivateBinary() ([]byte, error) {
	var buf bytes.Buffer
	if err := k.entity.SerializePrivateWithoutSigning(&buf, nil); err != nil {
		return nil, fmt.Errorf("pgp.PrivateBinary: %w", err)
	}
	return buf.Bytes(), nil
}

// DetachSign returns an armoured detached signature ("-----BEGIN PGP
// SIGNATURE-----"), in binary mode, over data exactly as given. It returns an
// error only if signing fails.
func (k *Key) DetachSign(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&buf, k.entity, bytes.NewReader(data), config(time.Now())); err != nil {
		return nil, fmt.Errorf("pgp.DetachSign: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// ClearSign returns text as an RFC 4880 cleartext-signed message
// ("-----BEGIN PGP SIGNED MESSAGE-----"). Trailing blanks on each line are
// not covered by the signature (as the format requires). It returns an error
// only if signing fails.
func (k *Key) ClearSign(text []byte) ([]byte, error) {
	const op = "pgp.ClearSign"
	cfg := config(time.Now())
	sk, ok := k.entity.SigningKey(cfg.Now())
	if !ok || sk.PrivateKey == nil {
		return nil, fmt.Errorf("%s: no valid signing key", op)
	}
	var buf bytes.Buffer
	w, err := clearsign.Encode(&buf, sk.PrivateKey, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if _, err := w.Write(text); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
