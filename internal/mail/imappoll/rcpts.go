package imappoll

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"
)

// rcptHeaders are the header fields recipients are taken from, in order:
// the delivery headers a provider adds first (they name the mailbox the
// message really reached, also for Bcc), then the author's To and Cc.
var rcptHeaders = []string{"delivered-to", "x-original-to", "to", "cc"}

// addrParser decodes RFC 2047 display names without failing on unknown
// charsets: only the addr-spec matters here.
var addrParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(_ string, input io.Reader) (io.Reader, error) { return input, nil },
}}

// recipients returns the addr-specs in raw's Delivered-To, X-Original-To,
// To and Cc header fields, in that order (and in header order within one
// name), lower-cased and without duplicates. It reads only the header
// section, tolerates bare LF line ends and folded lines, and skips what it
// cannot parse; it never fails.
func recipients(raw []byte) []string {
	fields := headerFields(raw)
	var out []string
	seen := make(map[string]bool)
	for _, name := range rcptHeaders {
		for _, value := range fields[name] {
			for _, a := range parseAddrs(value) {
				a = strings.ToLower(a)
				if !seen[a] {
					seen[a] = true
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// headerFields returns the unfolded values of the fields named in
// rcptHeaders, keyed by lower-case name, in header order.
func headerFields(raw []byte) map[string][]string {
	fields := make(map[string][]string)
	cur := "" // name of the field being unfolded, "" when not wanted
	var val strings.Builder
	flush := func() {
		if cur != "" {
			fields[cur] = append(fields[cur], strings.TrimSpace(val.String()))
		}
		cur = ""
		val.Reset()
	}
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break // end of the header section
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur != "" {
				val.Write(line) // unfolding keeps the white space
			}
			continue
		}
		flush()
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue // not a field (e.g. an mbox "From " line)
		}
		name := strings.ToLower(string(bytes.TrimRight(line[:colon], " \t")))
		for _, want := range rcptHeaders {
			if name == want {
				cur = name
				val.Write(line[colon+1:])
				break
			}
		}
	}
	flush()
	return fields
}

// parseAddrs returns the addr-specs in one address-list field value. When
// the whole list does not parse, each comma-separated part is tried alone,
// first as an address, then as the text between its last angle brackets.
func parseAddrs(value string) []string {
	if value == "" {
		return nil
	}
	if list, err := addrParser.ParseList(value); err == nil {
		out := make([]string, 0, len(list))
		for _, a := range list {
			out = append(out, a.Address)
		}
		return out
	}
	var out []string
	for part := range strings.SplitSeq(value, ",") {
		if a, err := addrParser.Parse(part); err == nil {
			out = append(out, a.Address)
			continue
		}
		lt, gt := strings.LastIndexByte(part, '<'), strings.LastIndexByte(part, '>')
		if lt >= 0 && gt > lt {
			if a, err := addrParser.Parse(part[lt : gt+1]); err == nil {
				out = append(out, a.Address)
			}
		}
	}
	return out
}
