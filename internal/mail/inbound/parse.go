// Package inbound turns one raw inbound e-mail into what Embargo stores:
// headers that thread it, text, attachments, and the OpenPGP layer decrypted
// and verified.
//
// Headers, transfer encodings and charsets are read with emersion/go-message;
// multipart bodies are split on the raw bytes (see multipart.go); HTML is
// reduced to text with golang.org/x/net/html; OpenPGP goes through
// internal/pgp. Every input is outside input: the work and memory one
// message may cost are bounded by Limits, and a failure the sender must hear
// about is an *Error carrying the SMTP reply.
package inbound

import (
	"strings"

	_ "github.com/emersion/go-message/charset" // legacy charsets for go-message
	"github.com/emersion/go-message/textproto"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// Attachment is one stored file of a message.
type Attachment struct {
	Name        string // sanitized: no path, no control characters; "attachment-N" if none
	ContentType string // lower-cased media type without parameters
	Data        []byte // transfer-decoded (and decrypted) content
}

// Message is a whole parsed message.
type Message struct {
	Header
	Text        string       // body text: text/plain parts joined with a blank line; HTML reduced to text when there is no text/plain alternative
	Truncated   bool         // body text beyond Limits.MaxText was dropped
	Attachments []Attachment // everything that is not body text (including application/pgp-keys parts), names sanitized (no paths, no control chars; "attachment-N" if none)
	Encrypted   bool         // the body was OpenPGP-encrypted (PGP/MIME RFC 3156 multipart/encrypted, or an inline "PGP MESSAGE" block in a text part)
	Signed      bool         // some OpenPGP signature was present (inside the encryption, PGP/MIME multipart/signed, or inline cleartext-signed)
	Verified    bool         // ... and it verified with a known key (every signature present did)
	SignerKeyID uint64
	SenderKey   *pgp.PublicKey // the verifying key; else the Autocrypt key for From; else an attached application/pgp-keys key whose user id has the From address; nil if none
}

// Parse reads the whole message raw. key is the receiving project's key (nil
// when it has none: an encrypted message then fails with a permanent *Error
// telling the sender the project has no key). known are public keys already
// trusted for this sender (for example the reporter key of the report being
// replied to); keys from the Autocrypt header and attached
// application/pgp-keys parts whose user ids match From are also tried for
// verifying signatures. lim is completed with WithDefaults.
//
// A signature that does not verify is not an error: the message comes back
// with Signed set and Verified not. Every error is a *Error:
//   - 552 5.3.4 when raw is larger than lim.MaxBytes, or decodes or
//     decompresses to too much (one decrypted message over lim.MaxBytes, or
//     all decoded content over three times lim.MaxBytes);
//   - 554 5.6.0 when raw is not a parseable message, nests multiparts deeper
//     than lim.MaxDepth, has more than lim.MaxParts parts or a header block
//     larger than lim.MaxHeaderBytes, or holds malformed OpenPGP data;
//   - 554 5.7.0 when it is encrypted but not to key (the message names key's
//     fingerprint), or key is nil.
//
// A panic inside is recovered into 554 5.6.0.
func Parse(raw []byte, key *pgp.Key, known []*pgp.PublicKey, lim Limits) (m *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errMalformed(msgInternalPanic)
		}
	}()
	lim = lim.WithDefaults()
	if int64(len(raw)) > lim.MaxBytes {
		return nil, errTooBig()
	}
	th, body, e := readTopHeader(raw, lim)
	if e != nil {
		return nil, e
	}
	p := &parser{lim: lim, key: key, budget: lim.decodedBudget(), hdr: buildHeader(th)}
	p.trusted = append(p.trusted, known...)
	if p.hdr.Autocrypt != "" {
		if addr, k, err := pgp.ParseAutocrypt(p.hdr.Autocrypt); err == nil && k != nil && sameAddr(normalizeAddr(addr), p.hdr.From) {
			p.autocrypt = k
			p.trusted = append(p.trusted, k)
		}
	}
	p.parts = 1
	if e := p.content(th, body, 0); e != nil {
		return nil, e
	}
	return p.finish(), nil
}

// parser holds the state of one Parse.
type parser struct {
	lim    Limits
	key    *pgp.Key
	hdr    *Header
	parts  int   // MIME parts (and decrypted entities) seen
	budget int64 // decoded and decrypted bytes still allowed

	trusted   []*pgp.PublicKey // known and Autocrypt keys
	autocrypt *pgp.PublicKey
	attached  []*pgp.PublicKey // keys from application/pgp-keys parts

	texts     []string
	textLen   int
	truncated bool
	atts      []Attachment

	encrypted bool
	subject   string // protected Subject from the first decrypted entity
	protected bool
	checks    []*sigCheck
}

// enter counts one more part at depth and refuses it past the limits.
func (p *parser) enter(depth int) *Error {
	p.parts++
	if p.parts > p.lim.MaxParts {
		return errMalformed(msgTooManyParts)
	}
	if depth > p.lim.MaxDepth {
		return errMalformed(msgTooDeep)
	}
	return nil
}

// part parses one raw MIME part (header and body) at depth.
func (p *parser) part(b []byte, depth int) *Error {
	if e := p.enter(depth); e != nil {
		return e
	}
	h, body, bad, e := readPartHeader(b, p.lim.MaxHeaderBytes)
	if e != nil {
		return e
	}
	if bad && h.Len() == 0 {
		// Not a header at all: the part is body text without one.
		h, body = textproto.Header{}, b
	}
	return p.content(h, body, depth)
}

// content handles the body of a part whose header is h.
func (p *parser) content(h textproto.Header, body []byte, depth int) *Error {
	mt, params := mediaType(h)
	if !strings.HasPrefix(mt, "multipart/") {
		return p.leaf(h, mt, params, body, depth)
	}
	boundary := params["boundary"]
	if !validBoundary(boundary) {
		return p.attach(h, "application/octet-stream", body)
	}
	it := newMultipart(body, boundary)
	protocol := strings.ToLower(params["protocol"])
	switch {
	case mt == "multipart/encrypted" && protocol == "application/pgp-encrypted":
		return p.pgpMIMEEncrypted(it, depth)
	case mt == "multipart/signed" && protocol == "application/pgp-signature":
		return p.pgpMIMESigned(it, depth)
	case mt == "multipart/alternative":
		return p.alternative(it, depth)
	}
	for {
		b, ok := it.next()
		if !ok {
			return nil
		}
		if e := p.part(b, depth+1); e != nil {
			return e
		}
	}
}

// alternative keeps one of the alternatives: the text/plain one, else the
// HTML one, else the last (RFC 2046: the richest).
func (p *parser) alternative(it *multipartIter, depth int) *Error {
	type alt struct {
		h    textproto.Header
		body []byte
		mt   string
	}
	var alts []alt
	for {
		b, ok := it.next()
		if !ok {
			break
		}
		if e := p.enter(depth + 1); e != nil {
			return e
		}
		h, body, bad, e := readPartHeader(b, p.lim.MaxHeaderBytes)
		if e != nil {
			return e
		}
		if bad && h.Len() == 0 {
			h, body = textproto.Header{}, b
		}
		mt, _ := mediaType(h)
		alts = append(alts, alt{h, body, mt})
	}
	if len(alts) == 0 {
		return nil
	}
	pick := len(alts) - 1
	for _, want := range []string{"text/html", "text/plain"} {
		for i, a := range alts {
			if a.mt == want {
				pick = i
				break
			}
		}
	}
	return p.content(alts[pick].h, alts[pick].body, depth+1)
}

// leaf handles a part that is not multipart.
func (p *parser) leaf(h textproto.Header, mt string, params map[string]string, body []byte, depth int) *Error {
	disp, dparams := disposition(h)
	name := filename(params, dparams)
	switch {
	case isLegacyDisplay(mt, params, body):
		return nil
	case mt == "application/pgp-encrypted" && isVersionPart(body):
		return nil // RFC 3156 control part outside multipart/encrypted
	case mt == "application/pgp-keys":
		return p.keyPart(h, mt, name, body)
	case mt == "application/pgp-encrypted" || hasPGPSuffix(name):
		return p.encryptedFile(h, mt, name, body, depth)
	case (mt == "text/plain" || mt == "text/html") && disp != "attachment" && name == "":
		if mt == "text/html" {
			return p.htmlPart(h, params, body)
		}
		return p.textPart(h, params, body, depth)
	}
	return p.attachNamed(h, mt, name, body)
}

// finish assembles the Message once every part has been read.
func (p *parser) finish() *Message {
	m := &Message{Header: *p.hdr, Truncated: p.truncated, Attachments: p.atts, Encrypted: p.encrypted}
	if p.protected {
		m.Subject = p.subject
	}
	m.Text = strings.Join(p.texts, "\n\n")
	p.verify(m)
	return m
}
