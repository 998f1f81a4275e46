package pgp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// VerifyDetached checks a detached signature (armoured or binary) over data
// with the given keys and returns the key that made it. It returns an error
// wrapping ErrTooLarge for a signature over 64 KiB, ErrMalformed when sig is
// not an OpenPGP signature, ErrUnknownSigner when none of keys made it, and
// ErrBadSignature when the signature does not check out (altered data, weak
// hash, revoked or expired key).
func VerifyDetached(data, sig []byte, keys []*PublicKey) (signer *PublicKey, err error) {
	const op = "pgp.VerifyDetached"
	defer guard(op, &err)
	if len(sig) > maxSignature {
		return nil, fmt.Errorf("%s: %w: signature of %d bytes", op, ErrTooLarge, len(sig))
	}
	bin, err := dearmor(sig, typeSignature)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if _, err := issuers(bin); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	signer, _, err = verify(data, bin, keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return signer, nil
}

// VerifyCleartext checks a cleartext-signed message ("-----BEGIN PGP SIGNED
// MESSAGE-----", found anywhere in msg) with the given keys. It returns the
// signed text (dash-unescaped, lines joined by "\n", trailing blanks removed
// as the format requires), the issuer key id of the signature, and the key
// that made it. It returns an error wrapping ErrTooLarge for msg over
// 16 MiB, ErrMalformed when msg holds no valid cleartext-signed message,
// ErrUnknownSigner when none of keys made the signature, and ErrBadSignature
// when the signature does not check out. With ErrUnknownSigner and
// ErrBadSignature, text and issuer are still returned (for showing the text
// as unverified); signer is nil.
func VerifyCleartext(msg []byte, keys []*PublicKey) (text []byte, issuer uint64, signer *PublicKey, err error) {
	const op = "pgp.VerifyCleartext"
	defer guard(op, &err)
	if len(msg) > maxSignedText {
		return nil, 0, nil, fmt.Errorf("%s: %w: message of %d bytes", op, ErrTooLarge, len(msg))
	}
	armoredBlock, ok := FindArmored(msg, typeSigned)
	if !ok {
		return nil, 0, nil, fmt.Errorf("%s: %w: no cleartext-signed message", op, ErrMalformed)
	}
	b, _ := clearsign.Decode(armoredBlock)
	if b == nil || b.ArmoredSignature == nil {
		return nil, 0, nil, fmt.Errorf("%s: %w: bad cleartext-signed message", op, ErrMalformed)
	}
	if b.ArmoredSignature.Type != typeSignature {
		return nil, 0, nil, fmt.Errorf("%s: %w: armour type %q", op, ErrMalformed, b.ArmoredSignature.Type)
	}
	bin, err := io.ReadAll(io.LimitReader(b.ArmoredSignature.Body, int64(len(armoredBlock))))
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%s: %w: armour: %v", op, ErrMalformed, err)
	}
	ids, err := issuers(bin)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%s: %w", op, err)
	}
	signer, sigIssuer, err := verify(b.Bytes, bin, keys)
	issuer = ids[0]
	if sigIssuer != 0 {
		issuer = sigIssuer
	}
	if err != nil {
		return b.Plaintext, issuer, nil, fmt.Errorf("%s: %w", op, err)
	}
	return b.Plaintext, issuer, signer, nil
}

// issuers returns the issuer key ids of the signature packets in bin. It
// returns ErrMalformed when bin holds anything else or no signature.
func issuers(bin []byte) ([]uint64, error) {
	var ids []uint64
	r := packet.NewReader(bytes.NewReader(bin))
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		sig, ok := p.(*packet.Signature)
		if !ok {
			return nil, fmt.Errorf("%w: %T packet where a signature was expected", ErrMalformed, p)
		}
		var id uint64
		if sig.IssuerKeyId != nil {
			id = *sig.IssuerKeyId
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no signature found", ErrMalformed)
	}
	return ids, nil
}

// verify checks the detached signature packets in sig over data with keys
// and returns the key that made it and its issuer key id.
func verify(data, sig []byte, keys []*PublicKey) (*PublicKey, uint64, error) {
	s, e, err := openpgp.VerifyDetachedSignature(entities(keys), bytes.NewReader(data), bytes.NewReader(sig), config(time.Now()))
	var issuer uint64
	if s != nil && s.IssuerKeyId != nil {
		issuer = *s.IssuerKeyId
	}
	switch {
	case errors.Is(err, pgperrors.ErrUnknownIssuer):
		return nil, 0, ErrUnknownSigner
	case err != nil && badSignature(err):
		return nil, issuer, fmt.Errorf("%w: %v", ErrBadSignature, err)
	case err != nil:
		return nil, issuer, fmt.Errorf("%w: %v", ErrMalformed, err)
	case weakHash(s):
		return nil, issuer, fmt.Errorf("%w: weak hash algorithm %v", ErrBadSignature, s.Hash)
	}
	p := byEntity(keys, e)
	if p == nil {
		return nil, issuer, ErrUnknownSigner
	}
	return p, issuer, nil
}

// badSignature reports whether a go-crypto verification error means the
// signature was checked and found wanting (as opposed to unreadable).
func badSignature(err error) bool {
	var se pgperrors.SignatureError
	return errors.As(err, &se) ||
		errors.Is(err, pgperrors.ErrKeyExpired) ||
		errors.Is(err, pgperrors.ErrSignatureExpired) ||
		errors.Is(err, pgperrors.ErrKeyRevoked) ||
		errors.Is(err, pgperrors.ErrSignatureOlderThanKey)
}
