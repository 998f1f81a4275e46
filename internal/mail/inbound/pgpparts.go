package inbound

import (
	"errors"
	"mime"
	"path"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// maxKeyBytes and maxAttachedKeys bound the work spent on attached keys.
const (
	maxKeyBytes     = 1 << 20
	maxAttachedKeys = 8
)

// pgpMIMEEncrypted handles multipart/encrypted (RFC 3156 section 4): the
// first part is the version control part, the second the OpenPGP message,
// whose plaintext is itself a MIME entity.
func (p *parser) pgpMIMEEncrypted(it *multipartIter, depth int) *Error {
	if _, ok := it.next(); ok {
		if e := p.enter(depth + 1); e != nil {
			return e
		}
	}
	raw, ok := it.next()
	if !ok {
		return errMalformed(msgBadPGP)
	}
	if e := p.enter(depth + 1); e != nil {
		return e
	}
	h, body, _, e := readPartHeader(raw, p.lim.MaxHeaderBytes)
	if e != nil {
		return e
	}
	ct, e := p.decode(h, body)
	if e != nil {
		return e
	}
	pt, e := p.decryptBody(ct)
	if e != nil {
		return e
	}
	if e := p.enter(depth + 2); e != nil {
		return e
	}
	return p.decryptedEntity(pt, depth+2)
}

// decryptedEntity parses the plaintext of a PGP/MIME message. A Subject in
// its header is the protected subject (RFC 9788), which replaces the outer
// one. Plaintext that is not MIME after all is read as text.
func (p *parser) decryptedEntity(pt []byte, depth int) *Error {
	h, body, e := p.header(pt)
	if e != nil {
		return e
	}
	if h.Len() == 0 {
		return p.text(pt, depth)
	}
	if h.Has("Subject") && !p.protected {
		mh := mail.Header{Header: message.Header{Header: h}}
		s, _ := mh.Subject()
		p.subject, p.protected = cleanLine(s), true
	}
	return p.content(h, body, depth)
}

// header reads the header of b; a block that is not a header gives an
// empty one and b as the body.
func (p *parser) header(b []byte) (textproto.Header, []byte, *Error) {
	h, body, bad, e := readPartHeader(b, p.lim.MaxHeaderBytes)
	if e != nil {
		return h, nil, e
	}
	if bad && h.Len() == 0 {
		return textproto.Header{}, b, nil
	}
	return h, body, nil
}

// pgpMIMESigned handles multipart/signed (RFC 3156 section 5): the first
// part is the content, signed over its exact bytes with CRLF line ends; the
// second is the detached signature. A bad signature is not an error.
func (p *parser) pgpMIMESigned(it *multipartIter, depth int) *Error {
	signed, ok := it.next()
	if !ok {
		return nil
	}
	if e := p.part(signed, depth+1); e != nil {
		return e
	}
	raw, ok := it.next()
	if !ok {
		return nil // no signature after all
	}
	if e := p.enter(depth + 1); e != nil {
		return e
	}
	h, body, e := p.header(raw)
	if e != nil {
		return e
	}
	sig, e := p.decode(h, body)
	if e != nil {
		return e
	}
	data := canonicalCRLF(signed)
	p.check(func(keys []*pgp.PublicKey) sigResult {
		r := sigResult{keyID: sigIssuer(sig)}
		if signer, err := pgp.VerifyDetached(data, sig, keys); err == nil && signer != nil {
			r.verified, r.signer = true, signer
		}
		return r
	})
	return nil
}

// text handles decoded body text: an inline "PGP MESSAGE" block is
// decrypted and only its plaintext kept (text around it is not part of
// what was encrypted); a "PGP SIGNED MESSAGE" block is verified and its
// text kept; anything else is body text as it is.
func (p *parser) text(data []byte, depth int) *Error {
	if block, ok := pgp.FindArmored(data, "PGP MESSAGE"); ok {
		if e := p.enter(depth + 1); e != nil {
			return e
		}
		pt, e := p.decryptBody(block)
		if e != nil {
			return e
		}
		if looksLikeMIME(pt) {
			return p.decryptedEntity(pt, depth+1)
		}
		return p.text(pt, depth+1)
	}
	if block, ok := pgp.FindArmored(data, "PGP SIGNED MESSAGE"); ok {
		var text []byte
		p.check(func(keys []*pgp.PublicKey) sigResult {
			t, issuer, signer, err := pgp.VerifyCleartext(block, keys)
			if text == nil {
				text = t
			}
			r := sigResult{keyID: issuer}
			if err == nil && signer != nil {
				r.verified, r.signer = true, signer
			}
			return r
		})
		if text != nil {
			data = text
		}
	}
	p.addText(string(data))
	return nil
}

// looksLikeMIME reports plaintext that starts with a Content-Type header.
func looksLikeMIME(b []byte) bool {
	const ct = "content-type:"
	return len(b) >= len(ct) && strings.EqualFold(string(b[:len(ct)]), ct)
}

// decryptBody decrypts the OpenPGP message that is the body (or part of
// it), records a signature inside it and returns the plaintext.
func (p *parser) decryptBody(ct []byte) ([]byte, *Error) {
	d, e := p.decrypt(ct, p.trusted, true)
	if e != nil {
		return nil, e
	}
	p.bodyDecrypted(ct, d)
	return d.Data, nil
}

// bodyDecrypted records that the body was encrypted, and the signature
// inside it if any.
func (p *parser) bodyDecrypted(ct []byte, d *pgp.Decrypted) {
	p.encrypted = true
	if d.Signed {
		first := true
		p.check(func(keys []*pgp.PublicKey) sigResult {
			if first {
				first = false
				return decryptedSig(d)
			}
			again, e := p.decrypt(ct, keys, false)
			if e != nil {
				return sigResult{keyID: d.SignerKeyID}
			}
			return decryptedSig(again)
		})
	}
}

func decryptedSig(d *pgp.Decrypted) sigResult {
	r := sigResult{keyID: d.SignerKeyID}
	if d.Signed && d.Verified && d.Signer != nil {
		r.verified, r.signer = true, d.Signer
	}
	return r
}

// decrypt decrypts ct with the project key, within the decoded budget when
// charge is set (a second decryption only to verify is not kept).
func (p *parser) decrypt(ct []byte, keys []*pgp.PublicKey, charge bool) (*pgp.Decrypted, *Error) {
	if p.key == nil {
		return nil, errNoProjectKey()
	}
	max := p.lim.MaxBytes
	if charge {
		max = min(max, p.budget)
	}
	if max <= 0 {
		return nil, errDecodedTooBig()
	}
	d, err := p.key.Decrypt(ct, max, keys)
	switch {
	case err == nil && d != nil:
	case errors.Is(err, pgp.ErrTooLarge):
		return nil, errDecodedTooBig()
	case errors.Is(err, pgp.ErrNotForKey):
		return nil, errNotForKey(p.key.Fingerprint())
	default:
		return nil, errMalformed(msgBadPGP)
	}
	if charge {
		p.budget -= int64(len(d.Data))
	}
	return d, nil
}

// keyPart stores an application/pgp-keys part and keeps its key as a
// candidate for verifying signatures and for SenderKey.
func (p *parser) keyPart(h textproto.Header, mt, name string, body []byte) *Error {
	data, e := p.decode(h, body)
	if e != nil {
		return e
	}
	p.addAttachment(name, mt, data)
	p.addKey(data)
	return nil
}

func (p *parser) addKey(data []byte) {
	if len(data) > maxKeyBytes || len(p.attached) >= maxAttachedKeys {
		return
	}
	if k, err := pgp.ParsePublicKey(data); err == nil && k != nil {
		p.attached = append(p.attached, k)
	}
}

// encryptedFile handles an application/pgp-encrypted part or a
// .pgp/.gpg/.asc file: when it holds an OpenPGP message it is decrypted and
// stored without the suffix; otherwise it is stored as it is (and an .asc
// public key becomes a key candidate).
func (p *parser) encryptedFile(h textproto.Header, mt, name string, body []byte, depth int) *Error {
	data, e := p.decode(h, body)
	if e != nil {
		return e
	}
	block, ok := pgp.FindArmored(data, "PGP MESSAGE")
	if !ok && isBinaryPGPMessage(data) {
		block, ok = data, true
	}
	if !ok {
		if k, found := pgp.FindArmored(data, "PGP PUBLIC KEY BLOCK"); found {
			p.addKey(k)
		}
		p.addAttachment(name, mt, data)
		return nil
	}
	if e := p.enter(depth + 1); e != nil {
		return e
	}
	d, e := p.decrypt(block, p.trusted, true)
	if e != nil {
		return e
	}
	if strings.EqualFold(name, "encrypted.asc") && looksLikeMIME(d.Data) {
		// PGP/MIME flattened into multipart/mixed on the way (Microsoft
		// Exchange does this): the plaintext is the body.
		p.bodyDecrypted(block, d)
		return p.decryptedEntity(d.Data, depth+1)
	}
	name = stripPGPSuffix(name)
	p.addAttachment(name, typeByName(name), d.Data)
	return nil
}

var pgpSuffixes = []string{".pgp", ".gpg", ".asc"}

func hasPGPSuffix(name string) bool {
	return stripPGPSuffix(name) != name
}

func stripPGPSuffix(name string) string {
	for _, s := range pgpSuffixes {
		if len(name) > len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
			return name[:len(name)-len(s)]
		}
	}
	return name
}

// typeByName guesses a media type from a file name's extension.
func typeByName(name string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		if mt, _, err := mime.ParseMediaType(t); err == nil {
			return mt
		}
	}
	return "application/octet-stream"
}

// isBinaryPGPMessage reports binary OpenPGP data whose first packet is a
// public-key or symmetric-key encrypted session key (RFC 9580 section 10.3):
// an encrypted message rather than a key or a signature.
func isBinaryPGPMessage(b []byte) bool {
	if len(b) < 2 || b[0]&0x80 == 0 {
		return false
	}
	tag := (b[0] >> 2) & 0x0f
	if b[0]&0x40 != 0 {
		tag = b[0] & 0x3f
	}
	return tag == 1 || tag == 3
}
