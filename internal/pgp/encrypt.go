package pgp

import (
	"bytes"
	"fmt"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// Encrypt encrypts plain to the recipients and returns an armoured "PGP
// MESSAGE". When signer is non-nil the message is also signed with it, and
// the signer's own public key is added as a recipient so that the project
// can read its sent mail. The plaintext is stored in binary mode, without
// compression, with AES-256 when every recipient supports it. It returns an
// error when there is no recipient at all, or when a recipient has no
// encryption key valid now (revoked or expired since it was parsed).
func Encrypt(plain []byte, to []*PublicKey, signer *Key) (out []byte, err error) {
	const op = "pgp.Encrypt"
	defer guard(op, &err)
	recipients := entities(to)
	var signed *openpgp.Entity
	if signer != nil {
		signed = signer.entity
		recipients = append(recipients, signed)
	}
	recipients = dedupe(recipients)
	if len(recipients) == 0 {
		return nil, fmt.Errorf("%s: no recipients", op)
	}

	var buf bytes.Buffer
	aw, err := armor.Encode(&buf, typeMessage, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	hints := &openpgp.FileHints{IsBinary: true}
	w, err := openpgp.Encrypt(aw, recipients, signed, hints, config(time.Now()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// dedupe drops repeated keys (same primary fingerprint), keeping the first.
func dedupe(el openpgp.EntityList) openpgp.EntityList {
	seen := make(map[string]bool, len(el))
	out := el[:0]
	for _, e := range el {
		fp := string(e.PrimaryKey.Fingerprint)
		if seen[fp] {
			continue
		}
		seen[fp] = true
		out = append(out, e)
	}
	return out
}
