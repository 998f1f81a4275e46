package inbound

import (
	"bufio"
	"bytes"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Header is what routing and threading need, read without decrypting.
type Header struct {
	From, FromName        string   // addr-spec (domain lower-cased) and display name
	To, Cc, DeliveredTo   []string // addr-specs (Delivered-To and X-Original-To go in DeliveredTo)
	Subject               string   // decoded (RFC 2047)
	MessageID             string   // without angle brackets
	InReplyTo, References []string // message ids without angle brackets
	Date                  time.Time
	Automatic             bool   // Auto-Submitted other than "no", Precedence bulk/junk/list, List-Id present, or a null/MAILER-DAEMON sender: never auto-reply
	Autocrypt             string // raw Autocrypt header value whose addr= matches From ("" if none)
}

// ReadHeader reads the top-level header of raw, a whole message, without
// looking at its body. lim is completed with WithDefaults.
//
// It returns a *Error: 552 5.3.4 when raw is larger than lim.MaxBytes,
// 554 5.6.0 when the header block is larger than lim.MaxHeaderBytes or raw
// does not start with a parseable header; a panic inside is recovered into
// 554 5.6.0 as well.
func ReadHeader(raw []byte, lim Limits) (h *Header, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, errMalformed(msgInternalPanic)
		}
	}()
	lim = lim.WithDefaults()
	if int64(len(raw)) > lim.MaxBytes {
		return nil, errTooBig()
	}
	th, _, e := readTopHeader(raw, lim)
	if e != nil {
		return nil, e
	}
	return buildHeader(th), nil
}

// readTopHeader reads the header of a whole message: an mbox "From " line
// before it is skipped, and a header that cannot be read at all is an error.
func readTopHeader(raw []byte, lim Limits) (textproto.Header, []byte, *Error) {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 && i < lim.MaxHeaderBytes {
			raw = raw[i+1:]
		}
	}
	h, body, fieldErr, e := readPartHeader(raw, lim.MaxHeaderBytes)
	if e != nil {
		return h, nil, e
	}
	if h.Len() == 0 && (fieldErr || len(bytes.TrimSpace(raw)) == 0) {
		return h, nil, errMalformed(msgNotAMessage)
	}
	return h, body, nil
}

// readPartHeader splits b into its header block and body and parses the
// header with go-message. bad reports that some lines are not header
// fields: h then holds the fields among them that are. The only error is a
// header block larger than max.
func readPartHeader(b []byte, max int) (h textproto.Header, body []byte, bad bool, e *Error) {
	block, body, ok := splitHeader(b, max)
	if !ok {
		return h, nil, false, errMalformed(msgHeaderTooBig)
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(block)))
	if err != nil {
		h, _ = textproto.ReadHeader(bufio.NewReader(bytes.NewReader(validFields(block))))
	}
	return h, body, err != nil, nil
}

// validFields returns the lines of a header block that go-message can read:
// "name: value" lines with a valid name and the continuation lines after
// them. Broken mailers write the odd line that is not a field; the fields
// after it still count.
func validFields(block []byte) []byte {
	out := make([]byte, 0, len(block))
	kept := false
	for len(block) > 0 {
		line := block
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			line = block[:i+1]
		}
		block = block[len(line):]
		switch {
		case line[0] == ' ' || line[0] == '\t':
		case validFieldName(line):
			kept = true
		default:
			kept = false
		}
		if kept {
			out = append(out, line...)
		}
	}
	return out
}

// validFieldName reports a line that starts with a field name (RFC 5322
// printable ASCII without colon; blanks before the colon are tolerated).
func validFieldName(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i < 0 {
		return false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// splitHeader returns the header block of b (up to and including the blank
// line that ends it) and the body after it. ok is false when the block is
// longer than max bytes. Lines may end in CRLF or LF.
func splitHeader(b []byte, max int) (block, body []byte, ok bool) {
	i := 0
	for i < len(b) {
		if i > max {
			return nil, nil, false
		}
		end := min(len(b), max+2)
		j := bytes.IndexByte(b[i:end], '\n')
		if j < 0 {
			if end < len(b) {
				return nil, nil, false
			}
			return b, nil, true
		}
		line := b[i : i+j+1]
		i += j + 1
		if len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			return b[:i], b[i:], true
		}
	}
	return b, nil, true
}

// buildHeader reads what routing and threading need from a parsed header.
// Fields that cannot be parsed are left empty; it never fails.
func buildHeader(th textproto.Header) *Header {
	mh := mail.Header{Header: message.Header{Header: th}}
	h := &Header{}
	if from := addressList(th.Get("From")); len(from) > 0 {
		h.From, h.FromName = from[0].addr, from[0].name
	}
	h.To = addrSpecs(addressList(th.Get("To")))
	h.Cc = addrSpecs(addressList(th.Get("Cc")))
	for _, k := range []string{"Delivered-To", "X-Original-To"} {
		for _, v := range th.Values(k) {
			h.DeliveredTo = append(h.DeliveredTo, addrSpecs(addressList(v))...)
		}
	}
	subject, _ := mh.Subject() // on error the raw value comes back: keep it
	h.Subject = cleanLine(subject)
	if ids := msgIDs(&mh, "Message-Id"); len(ids) > 0 {
		h.MessageID = ids[0]
	}
	h.InReplyTo = msgIDs(&mh, "In-Reply-To")
	h.References = msgIDs(&mh, "References")
	if d, err := mh.Date(); err == nil && !d.IsZero() {
		h.Date = d.UTC()
	}
	h.Automatic = automatic(th, h.From)
	h.Autocrypt = autocryptFor(th, h.From)
	return h
}

// automatic reports whether the message says it was sent by a machine, so
// that nothing may answer it automatically (RFC 3834 and common practice).
func automatic(th textproto.Header, from string) bool {
	if th.Has("Auto-Submitted") {
		if v := firstToken(th.Get("Auto-Submitted")); v != "no" && v != "" {
			return true
		}
	}
	switch firstToken(th.Get("Precedence")) {
	case "bulk", "junk", "list":
		return true
	}
	if th.Has("List-Id") {
		return true
	}
	if ct, _ := mediaType(th); ct == "multipart/report" {
		return true // delivery and disposition notifications
	}
	if from == "" || isDaemon(from) {
		return true
	}
	for _, rp := range th.Values("Return-Path") {
		v := strings.TrimSpace(rp)
		if v == "<>" || v == "" {
			return true
		}
		if a := addressList(v); len(a) > 0 && isDaemon(a[0].addr) {
			return true
		}
	}
	return false
}

func isDaemon(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	return strings.EqualFold(local, "mailer-daemon")
}

// firstToken is the lower-cased value before any parameter or comment.
func firstToken(v string) string {
	if i := strings.IndexAny(v, ";("); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// autocryptFor returns the first Autocrypt header value whose addr attribute
// is from (RFC: Autocrypt Level 1, section 2.1), or "".
func autocryptFor(th textproto.Header, from string) string {
	if from == "" {
		return ""
	}
	for _, v := range th.Values("Autocrypt") {
		for _, attr := range strings.Split(v, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(attr), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "addr") &&
				sameAddr(normalizeAddr(strings.Trim(strings.TrimSpace(val), `"<>`)), from) {
				return v
			}
		}
	}
	return ""
}

// msgIDs parses a list of message ids with go-message and, when that fails,
// takes whatever stands between angle brackets (or, without brackets, the
// words with an @ in them).
func msgIDs(mh *mail.Header, key string) []string {
	v := mh.Get(key)
	if v == "" {
		return nil
	}
	if ids, err := mh.MsgIDList(key); err == nil {
		return ids
	}
	var ids []string
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := cleanID(rest[i+1 : i+j]); id != "" {
			ids = append(ids, id)
		}
		rest = rest[i+j+1:]
	}
	if len(ids) == 0 && !strings.Contains(v, "<") {
		for _, w := range strings.Fields(v) {
			if strings.Contains(w, "@") {
				if id := cleanID(w); id != "" {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

func cleanID(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' }) {
		return ""
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
