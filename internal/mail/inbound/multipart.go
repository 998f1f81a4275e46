package inbound

import (
	"bytes"
	"mime"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Multipart bodies are split here on the raw bytes rather than with
// go-message's MultipartReader, for three reasons: PGP/MIME signatures are
// over the exact bytes of the signed part (RFC 3156 section 5), which a
// reader does not give back; go-message reads the header of a nested part
// without a size limit; and parts are then sub-slices of the raw message,
// so nesting costs no copies and no chain of buffered readers.

// multipartIter yields the parts of a multipart body one at a time, so a
// body with too many parts is refused after the limit, not after a scan of
// all of it.
type multipartIter struct {
	body  []byte
	delim []byte // "--" + boundary
	pos   int    // start of the next part's content; -1 when done
}

// newMultipart starts at the first delimiter line of body (the preamble
// before it is skipped). A body without one has no parts.
func newMultipart(body []byte, boundary string) *multipartIter {
	it := &multipartIter{body: body, delim: []byte("--" + boundary), pos: -1}
	if _, end, closing, ok := it.find(0); ok && !closing {
		it.pos = end
	}
	return it
}

// next returns the raw bytes of the next part: from after its delimiter
// line's line break up to, not including, the line break before the next
// delimiter. A last part without a closing delimiter runs to the end.
func (it *multipartIter) next() ([]byte, bool) {
	if it.pos < 0 {
		return nil, false
	}
	from := it.pos
	start, end, closing, ok := it.find(from)
	if !ok {
		it.pos = -1
		return it.body[from:], true
	}
	part := it.body[from:start]
	// The line break before a delimiter belongs to the delimiter.
	if n := len(part); n > 0 && part[n-1] == '\n' {
		part = part[:n-1]
		if n > 1 && part[n-2] == '\r' {
			part = part[:n-2]
		}
	}
	if closing {
		it.pos = -1
	} else {
		it.pos = end
	}
	return part, true
}

// find returns the next delimiter line at or after from: where its line
// starts, where the line after it starts, and whether it is the closing
// delimiter ("--boundary--"). A delimiter line is the delimiter at the start
// of a line, then "--" for the closing one, then optional spaces or tabs,
// then the end of the line (RFC 2046 section 5.1.1).
func (it *multipartIter) find(from int) (start, end int, closing, ok bool) {
	b := it.body
	for from <= len(b) {
		i := bytes.Index(b[from:], it.delim)
		if i < 0 {
			return 0, 0, false, false
		}
		p := from + i
		from = p + 1
		if p > 0 && b[p-1] != '\n' {
			continue
		}
		q := p + len(it.delim)
		closing := bytes.HasPrefix(b[q:], []byte("--"))
		if closing {
			q += 2
		}
		for q < len(b) && (b[q] == ' ' || b[q] == '\t') {
			q++
		}
		switch {
		case q == len(b):
			return p, q, closing, true
		case b[q] == '\n':
			return p, q + 1, closing, true
		case b[q] == '\r' && q+1 < len(b) && b[q+1] == '\n':
			return p, q + 2, closing, true
		case b[q] == '\r' && q+1 == len(b):
			return p, q + 1, closing, true
		}
	}
	return 0, 0, false, false
}

// validBoundary accepts the boundaries RFC 2046 allows (1 to 70 characters)
// and, leniently, some longer ones; never an empty one or one with a line
// break.
func validBoundary(b string) bool {
	return b != "" && len(b) <= 200 && !strings.ContainsAny(b, "\r\n")
}

// mediaType returns the lower-cased media type of a part and its parameters.
// A missing or invalid type is text/plain (RFC 2045 section 5.2);
// parameters that do not parse are dropped but the type is kept.
func mediaType(h textproto.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		mt, _, _ = strings.Cut(v, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		params = map[string]string{}
	}
	if !strings.Contains(mt, "/") {
		// RFC 2045 section 5.2 recommends the default for an invalid type.
		return "text/plain", map[string]string{}
	}
	return mt, params
}

// disposition returns the lower-cased Content-Disposition and its
// parameters ("" and an empty map when absent or unparseable).
func disposition(h textproto.Header) (string, map[string]string) {
	v := h.Get("Content-Disposition")
	if strings.TrimSpace(v) == "" {
		return "", map[string]string{}
	}
	d, params, err := mime.ParseMediaType(v)
	if err != nil {
		d, _, _ = strings.Cut(v, ";")
		return strings.ToLower(strings.TrimSpace(d)), map[string]string{}
	}
	return d, params
}

// canonicalCRLF returns b with every line ending as CRLF, the form an
// OpenPGP signature over a MIME part is computed on (RFC 3156 section 5).
func canonicalCRLF(b []byte) []byte {
	n := bytes.Count(b, []byte("\n")) - bytes.Count(b, []byte("\r\n"))
	if n == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+n)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
