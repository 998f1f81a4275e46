package inbound

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"
	"github.com/google/go-cmp/cmp"
)

func TestParseBody(t *testing.T) {
	tests := []struct {
		name      string
		raw       []byte
		text      string
		atts      []Attachment
		truncated bool
	}{{
		name: "plain text",
		raw: crlf(
			"From: Alice <alice@example.org>",
			"Subject: hello",
			"",
			"Hello,",
			"the parser is broken.",
			"",
		),
		text: "Hello,\nthe parser is broken.",
	}, {
		name: "LF line ends and no MIME headers",
		raw:  []byte("From: a@example.org\nSubject: x\n\nline one\nline two\n"),
		text: "line one\nline two",
	}, {
		name: "HTML only: scripts and head dropped, text and links kept",
		raw: crlf(
			"From: a@example.org",
			"Content-Type: text/html; charset=utf-8",
			"",
			"<html><head><title>Title</title><style>p{color:red}</style></head>",
			"<body><script>alert('x')</script><p>Dear   team,</p>",
			"<p>see <a href=\"https://example.org/poc\">the PoC</a> and <a href=\"javascript:evil()\">this</a>.</p>",
			"<ul><li>one</li><li>two</li></ul><div>bye&nbsp;&amp; thanks<br>Alice</div></body></html>",
		),
		text: "Dear team,\n\nsee the PoC <https://example.org/poc> and this.\n\n- one\n- two\n\nbye & thanks\nAlice",
	}, {
		name: "multipart/alternative keeps text/plain",
		raw: crlf(
			"From: a@example.org",
			"MIME-Version: 1.0",
			`Content-Type: multipart/alternative; boundary="alt"`,
			"",
			"--alt",
			"Content-Type: text/plain; charset=utf-8",
			"Content-Transfer-Encoding: quoted-printable",
			"",
			"Caf=C3=A9 plain",
			"--alt",
			"Content-Type: text/html; charset=utf-8",
			"",
			"<p>Caf\u00e9 <b>html</b></p>",
			"--alt--",
		),
		text: "Caf\u00e9 plain",
	}, {
		name: "multipart/alternative without text/plain reduces HTML",
		raw: crlf(
			"From: a@example.org",
			`Content-Type: multipart/alternative; boundary="alt"`,
			"",
			"--alt",
			"Content-Type: text/html",
			"",
			"<p>only <i>html</i></p>",
			"--alt",
			"Content-Type: text/calendar",
			"",
			"BEGIN:VCALENDAR",
			"--alt--",
		),
		text: "only html",
	}, {
		name: "nested multipart/mixed with attachments, names sanitized",
		raw: crlf(
			"From: a@example.org",
			`Content-Type: multipart/mixed; boundary="outer"`,
			"",
			"preamble to ignore",
			"--outer",
			`Content-Type: multipart/alternative; boundary="inner"`,
			"",
			"--inner",
			"Content-Type: text/plain",
			"",
			"first text",
			"--inner",
			"Content-Type: text/html",
			"",
			"<p>first html</p>",
			"--inner--",
			"--outer",
			"Content-Type: application/octet-stream",
			`Content-Disposition: attachment; filename="../../etc/passwd"`,
			"Content-Transfer-Encoding: base64",
			"",
			base64.StdEncoding.EncodeToString([]byte("root:x:0:0")),
			"--outer",
			"Content-Type: text/plain; name=\"C:\\\\temp\\\\evil\u202egpj.exe\"",
			"Content-Disposition: attachment",
			"",
			"windows path",
			"--outer",
			"Content-Type: image/png",
			"Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%07.png",
			"",
			"PNG",
			"--outer",
			"Content-Type: application/pdf",
			"",
			"%PDF",
			"--outer",
			"Content-Type: text/plain",
			"",
			"second text",
			"--outer--",
			"epilogue to ignore",
		),
		text: "first text\n\nsecond text",
		atts: []Attachment{
			{Name: "passwd", ContentType: "application/octet-stream", Data: []byte("root:x:0:0")},
			{Name: "evilgpj.exe", ContentType: "text/plain", Data: []byte("windows path")},
			{Name: "r\u00e9sum\u00e9.png", ContentType: "image/png", Data: []byte("PNG")},
			{Name: "attachment-4", ContentType: "application/pdf", Data: []byte("%PDF")},
		},
	}, {
		name: "RFC 2047 file name and message/rfc822 attachment",
		raw: crlf(
			"From: a@example.org",
			`Content-Type: multipart/mixed; boundary="b"`,
			"",
			"--b",
			"Content-Type: text/plain",
			"",
			"see attached",
			"--b",
			`Content-Type: text/x-diff; name="=?UTF-8?B?cGF0Y2g=?=.diff"`,
			"",
			"--- a",
			"--b",
			"Content-Type: message/rfc822",
			"",
			"From: b@example.org",
			"",
			"forwarded",
			"--b--",
		),
		text: "see attached",
		atts: []Attachment{
			{Name: "patch.diff", ContentType: "text/x-diff", Data: []byte("--- a")},
			{Name: "attachment-2", ContentType: "message/rfc822", Data: []byte("From: b@example.org\r\n\r\nforwarded")},
		},
	}, {
		name: "ISO-8859-1",
		raw: append(crlf(
			"From: a@example.org",
			"Content-Type: text/plain; charset=ISO-8859-1",
			"Content-Transfer-Encoding: 8bit",
			"",
			"",
		), []byte("Gr\xfc\xdfe aus K\xf6ln")...),
		text: "Gr\u00fc\u00dfe aus K\u00f6ln",
	}, {
		name: "unknown charset falls back to UTF-8 with replacement",
		raw: append(crlf(
			"From: a@example.org",
			"Content-Type: text/plain; charset=x-no-such-charset",
			"",
			"",
		), []byte("caf\xc3\xa9 and \xff\xfe bad")...),
		text: "caf\u00e9 and \ufffd bad",
	}, {
		name: "invalid charset parameter",
		raw: append(crlf(
			"From: a@example.org",
			`Content-Type: text/plain; charset="utf-8'"; charset=x`,
			"",
			"",
		), []byte("ok \x80")...),
		text: "ok \ufffd",
	}, {
		name: "legacy display part of protected headers is not text",
		raw: crlf(
			"From: a@example.org",
			`Content-Type: multipart/mixed; boundary="b"; protected-headers="v1"`,
			"",
			"--b",
			`Content-Type: text/rfc822-headers; protected-headers="v1"`,
			"Content-Disposition: inline",
			"",
			"Subject: secret",
			"--b",
			"Content-Type: text/plain",
			"",
			"body",
			"--b--",
		),
		text: "body",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw, nil)
			if m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if diff := cmp.Diff(tt.atts, m.Attachments); diff != "" {
				t.Errorf("Attachments (-want +got):\n%s", diff)
			}
			if m.Truncated != tt.truncated || m.Encrypted || m.Signed || m.Verified {
				t.Errorf("flags: truncated %v encrypted %v signed %v verified %v", m.Truncated, m.Encrypted, m.Signed, m.Verified)
			}
		})
	}
}

func TestParseTruncatesText(t *testing.T) {
	body := strings.Repeat("\u00e9", 100) // 200 bytes
	raw := crlf("From: a@example.org", "", body, "")
	m, err := Parse(raw, nil, nil, Limits{MaxText: 51})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Truncated || m.Text != strings.Repeat("\u00e9", 25) {
		t.Errorf("Truncated %v, Text %q", m.Truncated, m.Text)
	}
}

// TestParseWriterMessage parses what go-message's own writer produces.
func TestParseWriterMessage(t *testing.T) {
	var buf bytes.Buffer
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Name: "Zoë Tester", Address: "zoe@Example.ORG"}})
	h.SetAddressList("To", []*mail.Address{{Address: "security@project.example"}})
	h.SetSubject("Grüße: überlauf in parse()")
	h.SetMessageID("msg-1@example.org")
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	tw, err := w.CreateInline()
	if err != nil {
		t.Fatal(err)
	}
	var th mail.InlineHeader
	th.Set("Content-Type", "text/plain; charset=utf-8")
	pw, _ := tw.CreatePart(th)
	pw.Write([]byte("Grüße,\r\nhier ist der Bericht."))
	pw.Close()
	tw.Close()
	var ah mail.AttachmentHeader
	ah.Set("Content-Type", "application/zip")
	ah.SetFilename("poc.zip")
	aw, _ := w.CreateAttachment(ah)
	aw.Write([]byte("PK\x03\x04 binary \x00\xff"))
	aw.Close()
	w.Close()

	m := mustParse(t, buf.Bytes(), nil)
	want := Header{
		From: "zoe@example.org", FromName: "Zoë Tester", To: []string{"security@project.example"},
		Subject: "Grüße: überlauf in parse()", MessageID: "msg-1@example.org",
	}
	got := m.Header
	got.Date = want.Date
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Header (-want +got):\n%s", diff)
	}
	if m.Text != "Grüße,\nhier ist der Bericht." {
		t.Errorf("Text = %q", m.Text)
	}
	wantAtts := []Attachment{{Name: "poc.zip", ContentType: "application/zip", Data: []byte("PK\x03\x04 binary \x00\xff")}}
	if diff := cmp.Diff(wantAtts, m.Attachments); diff != "" {
		t.Errorf("Attachments (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		raw      []byte
		lim      Limits
		code     int
		enhanced [3]int
	}{
		{"empty", nil, Limits{}, 554, [3]int{5, 6, 0}},
		{"not a message", []byte("just some words\r\nand more\r\n"), Limits{}, 554, [3]int{5, 6, 0}},
		{"too big", crlf("From: a@example.org", "", strings.Repeat("x", 2000)), Limits{MaxBytes: 1000}, 552, [3]int{5, 3, 4}},
		{"header too big", crlf("From: a@example.org", "X-Long: "+strings.Repeat("x", 2000), "", "body"), Limits{MaxHeaderBytes: 1000}, 554, [3]int{5, 6, 0}},
		{"part header too big", crlf("From: a@example.org", `Content-Type: multipart/mixed; boundary="b"`, "", "--b",
			"X-Long: "+strings.Repeat("x", 2000), "", "body", "--b--"), Limits{MaxHeaderBytes: 1000}, 554, [3]int{5, 6, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.raw, nil, nil, tt.lim)
			e := wantError(t, err, tt.code, tt.enhanced)
			if !e.Permanent() {
				t.Error("not permanent")
			}
			if want := fmt.Sprintf("inbound: %d %d.%d.%d ", tt.code, tt.enhanced[0], tt.enhanced[1], tt.enhanced[2]); !strings.HasPrefix(e.Error(), want) {
				t.Errorf("Error() = %q, want it to start with %q", e.Error(), want)
			}
		})
	}
}
