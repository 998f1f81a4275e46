package inbound

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// transferReader undoes the Content-Transfer-Encoding of body with
// go-message. An unknown encoding leaves the bytes as they are.
func transferReader(h textproto.Header, body []byte) io.Reader {
	var th textproto.Header
	if cte := h.Get("Content-Transfer-Encoding"); cte != "" {
		th.Set("Content-Transfer-Encoding", strings.TrimSpace(cte))
	}
	th.Set("Content-Type", "application/octet-stream") // no charset conversion here
	e, _ := message.New(message.Header{Header: th}, bytes.NewReader(body))
	if e == nil {
		return bytes.NewReader(body)
	}
	return e.Body
}

// charsetReader converts r from the charset cs to UTF-8. An unknown or
// invalid charset leaves the bytes as they are: the caller then reads them
// as UTF-8 with invalid sequences replaced.
func charsetReader(cs string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cs)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return r
	}
	if cr, err := charset.Reader(cs, r); err == nil && cr != nil {
		return cr
	}
	return r
}

// readAll reads r up to what the decoded budget has left and charges it. A
// read error (corrupt base64, say) ends the part with what was read.
func (p *parser) readAll(r io.Reader, sizeHint int) ([]byte, *Error) {
	var buf bytes.Buffer
	buf.Grow(int(min(int64(sizeHint), p.budget) + 1))
	n, _ := buf.ReadFrom(io.LimitReader(r, p.budget+1))
	if n > p.budget {
		return nil, errDecodedTooBig()
	}
	p.budget -= n
	return buf.Bytes(), nil
}

// decode returns the transfer-decoded content of a part.
func (p *parser) decode(h textproto.Header, body []byte) ([]byte, *Error) {
	return p.readAll(transferReader(h, body), len(body))
}

// textPart handles an inline text/plain part: inline OpenPGP blocks are
// decrypted or verified, the rest is body text.
func (p *parser) textPart(h textproto.Header, params map[string]string, body []byte, depth int) *Error {
	data, e := p.readAll(charsetReader(params["charset"], transferReader(h, body)), len(body))
	if e != nil {
		return e
	}
	return p.text(data, depth)
}

// htmlPart reduces an inline text/html part to text as it streams.
func (p *parser) htmlPart(h textproto.Header, params map[string]string, body []byte) *Error {
	r := charsetReader(params["charset"], transferReader(h, body))
	s := htmlText(io.LimitReader(r, p.budget), p.lim.MaxText-p.textLen+1)
	p.addText(s)
	return nil
}

// addText appends one piece of body text, normalised, within MaxText.
func (p *parser) addText(s string) {
	if p.truncated {
		return
	}
	sep := 0
	if len(p.texts) > 0 {
		sep = 2
	}
	room := p.lim.MaxText - p.textLen - sep
	if room <= 0 {
		p.truncated = strings.TrimSpace(s) != ""
		return
	}
	// Normalising shrinks CRLF to LF, so text up to twice the room may fit;
	// what lies beyond that is never looked at.
	cut := len(s) > 2*room+8
	if cut {
		s = cutUTF8(s, 2*room+8)
	}
	s = normalizeText(s)
	if s == "" {
		return
	}
	if len(s) > room || cut {
		p.truncated = true
		s = cutUTF8(s, room)
		if strings.TrimSpace(s) == "" {
			return
		}
	}
	p.texts = append(p.texts, s)
	p.textLen += sep + len(s)
}

// normalizeText makes s valid UTF-8 with LF line ends and no control
// characters other than tab and line feed, without trailing blank lines.
func normalizeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimRight(s, " \t\n")
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a character.
func cutUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// attach stores a part as an attachment under the name its header gives.
func (p *parser) attach(h textproto.Header, mt string, body []byte) *Error {
	_, params := mediaType(h)
	_, dparams := disposition(h)
	return p.attachNamed(h, mt, filename(params, dparams), body)
}

// attachNamed stores a part as an attachment named name (sanitized).
func (p *parser) attachNamed(h textproto.Header, mt, name string, body []byte) *Error {
	data, e := p.decode(h, body)
	if e != nil {
		return e
	}
	p.addAttachment(name, mt, data)
	return nil
}

func (p *parser) addAttachment(name, mt string, data []byte) {
	p.atts = append(p.atts, Attachment{
		Name:        sanitizeName(name, len(p.atts)+1),
		ContentType: mt,
		Data:        data,
	})
}

// filename is the name a part gives itself: Content-Disposition filename,
// else Content-Type name; RFC 2231 is undone by mime.ParseMediaType and RFC
// 2047 (common in the wild, though not allowed there) here.
func filename(params, dparams map[string]string) string {
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if strings.Contains(name, "=?") {
		dec := mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
			return charsetReader(cs, r), nil
		}}
		if d, err := dec.DecodeHeader(name); err == nil {
			name = d
		}
	}
	return name
}

// sanitizeName keeps the last path element of name without control or bidi
// characters, at most 255 bytes; "attachment-N" when nothing usable is left.
func sanitizeName(name string, n int) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if len(name) > 255 {
		ext := path.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		name = cutUTF8(name, 255-len(ext)) + ext
	}
	if name == "" {
		return fmt.Sprintf("attachment-%d", n)
	}
	return name
}

// isVersionPart reports the "Version: 1" body of an RFC 3156
// application/pgp-encrypted control part.
func isVersionPart(body []byte) bool {
	return len(body) < 64 && strings.EqualFold(strings.TrimSpace(string(body)), "Version: 1")
}

// isLegacyDisplay reports a part that only repeats protected headers for
// clients that do not read them (draft-autocrypt-lamps-protected-headers
// "legacy display", RFC 9788 hp-legacy-display): not body text.
func isLegacyDisplay(mt string, params map[string]string, body []byte) bool {
	if params["hp-legacy-display"] == "1" {
		return true
	}
	if params["protected-headers"] == "" {
		return false
	}
	if mt == "text/rfc822-headers" {
		return true
	}
	if mt != "text/plain" || len(body) > 2048 {
		return false
	}
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		k, _, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return false
		}
	}
	return true
}
