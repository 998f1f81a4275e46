package inbound

import (
	"bytes"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// sigCheck is one OpenPGP signature found in the message. Keys attached to
// the message are only known once all of it has been read, so a check that
// fails with the keys known at first is run again with them at the end.
type sigCheck struct {
	res   sigResult
	again func(keys []*pgp.PublicKey) sigResult
}

type sigResult struct {
	verified bool
	keyID    uint64
	signer   *pgp.PublicKey
}

// check runs a signature check with the trusted keys and records it.
func (p *parser) check(f func(keys []*pgp.PublicKey) sigResult) {
	p.checks = append(p.checks, &sigCheck{res: f(p.trusted), again: f})
}

// verify sets the signature fields and SenderKey of m: signatures that did
// not verify are tried again with the attached keys whose user ids have the
// From address.
func (p *parser) verify(m *Message) {
	var fromKeys []*pgp.PublicKey
	for _, k := range p.attached {
		for _, e := range k.Emails() {
			if sameAddr(normalizeAddr(e), m.From) {
				fromKeys = append(fromKeys, k)
				break
			}
		}
	}
	if len(fromKeys) > 0 {
		keys := append(append([]*pgp.PublicKey(nil), p.trusted...), fromKeys...)
		for _, c := range p.checks {
			if !c.res.verified {
				if r := c.again(keys); r.verified {
					c.res = r
				}
			}
		}
	}
	m.Signed = len(p.checks) > 0
	m.Verified = m.Signed
	for _, c := range p.checks {
		m.Verified = m.Verified && c.res.verified
		if m.SignerKeyID == 0 {
			m.SignerKeyID = c.res.keyID
		}
		if m.SenderKey == nil && c.res.verified {
			m.SenderKey = c.res.signer
		}
	}
	if m.SenderKey == nil {
		m.SenderKey = p.autocrypt
	}
	if m.SenderKey == nil && len(fromKeys) > 0 {
		m.SenderKey = fromKeys[0]
	}
}

// sigIssuer returns the issuer key id of the first signature packet in sig
// (armored or binary), or 0. internal/pgp's VerifyDetached does not return
// it, and a signer that is not known still has an id worth showing.
func sigIssuer(sig []byte) uint64 {
	var r io.Reader = bytes.NewReader(sig)
	if b, ok := pgp.FindArmored(sig, "PGP SIGNATURE"); ok {
		blk, err := armor.Decode(bytes.NewReader(b))
		if err != nil {
			return 0
		}
		r = blk.Body
	}
	pr := packet.NewReader(io.LimitReader(r, maxKeyBytes))
	for i := 0; i < 4; i++ {
		pkt, err := pr.Next()
		if err != nil {
			return 0
		}
		if s, ok := pkt.(*packet.Signature); ok {
			switch {
			case s.IssuerKeyId != nil:
				return *s.IssuerKeyId
			case len(s.IssuerFingerprint) >= 8 && s.Version == 6:
				return beUint64(s.IssuerFingerprint[:8])
			case len(s.IssuerFingerprint) >= 8:
				return beUint64(s.IssuerFingerprint[len(s.IssuerFingerprint)-8:])
			}
			return 0
		}
	}
	return 0
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b[:8] {
		v = v<<8 | uint64(c)
	}
	return v
}
