package inbound

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/mail"
)

// addrName is one parsed address.
type addrName struct {
	addr string // addr-spec, domain lower-cased
	name string // display name, decoded, one line
}

// addressList parses an address list header value with go-message (RFC 5322
// and RFC 2047 names). Mail in the wild breaks the grammar often enough that
// a list go-message rejects is read again leniently: each comma-separated
// item gives what stands between its angle brackets, or the item itself when
// it looks like an addr-spec.
func addressList(v string) []addrName {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if list, err := mail.ParseAddressList(v); err == nil {
		out := make([]addrName, 0, len(list))
		for _, a := range list {
			if addr := normalizeAddr(a.Address); addr != "" {
				out = append(out, addrName{addr: addr, name: cleanLine(a.Name)})
			}
		}
		return out
	}
	var out []addrName
	for _, item := range splitList(v) {
		var addr, name string
		if i := strings.LastIndexByte(item, '<'); i >= 0 {
			if j := strings.IndexByte(item[i:], '>'); j > 0 {
				addr = item[i+1 : i+j]
				name = strings.Trim(strings.TrimSpace(item[:i]), `"`)
			}
		} else if !strings.ContainsAny(strings.TrimSpace(item), " \t") {
			addr = item
		}
		if addr = normalizeAddr(addr); addr != "" {
			out = append(out, addrName{addr: addr, name: cleanLine(name)})
		}
	}
	return out
}

// splitList splits an address list on commas outside quotes and angle
// brackets.
func splitList(v string) []string {
	var out []string
	quoted, angle, start := false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			angle = true
		case c == '>' && !quoted:
			angle = false
		case c == ',' && !quoted && !angle:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// normalizeAddr returns the addr-spec a with its domain lower-cased, or ""
// when a is not local@domain without spaces or control characters.
func normalizeAddr(a string) string {
	a = strings.TrimSpace(a)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || !utf8.ValidString(a) {
		return ""
	}
	if strings.ContainsFunc(a, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' || unicode.IsControl(r) }) {
		return ""
	}
	return a[:at] + "@" + strings.ToLower(a[at+1:])
}

func addrSpecs(list []addrName) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.addr
	}
	return out
}

// sameAddr compares two addr-specs without regard to case: local parts are
// case-sensitive in theory and never in practice.
func sameAddr(a, b string) bool {
	return a != "" && strings.EqualFold(a, b)
}

// cleanLine makes s one line of valid UTF-8 without control or bidi
// formatting characters, safe to put back in a header or a log.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// isBidiControl reports the explicit directional formatting characters that
// can make "exe.pdf" look like "fdp.exe" (Unicode TR 9).
func isBidiControl(r rune) bool {
	return r == '\u200e' || r == '\u200f' || r == '\u061c' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
