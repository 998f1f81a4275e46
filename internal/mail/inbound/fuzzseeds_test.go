package inbound

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// fuzzSeeds returns real-looking messages for the seed corpora: the OpenPGP
// ones are encrypted to project and signed by rep.
func fuzzSeeds(t *testing.T, project, rep *pgp.Key) map[string][]byte {
	t.Helper()
	head := func(extra ...string) []string {
		return append([]string{
			"Return-Path: <rita@example.org>",
			"Received: from mail.example.org (mail.example.org [192.0.2.1])",
			"\tby mx.project.example with ESMTPS id 4XyZ; Tue, 02 Jan 2024 15:04:05 +0100",
			"Delivered-To: security@project.example",
			"From: Rita Reporter <rita@example.org>",
			"To: security@project.example",
			"Subject: =?UTF-8?Q?Heap_overflow_in_parse=28=29_=E2=80=93_PoC?=",
			"Date: Tue, 02 Jan 2024 15:04:05 +0100",
			"Message-ID: <20240102140405.1@example.org>",
			"MIME-Version: 1.0",
		}, extra...)
	}
	msg := func(lines ...string) []byte { return crlf(lines...) }
	part := crlf(
		`Content-Type: multipart/mixed; boundary="s1"`, "", "--s1",
		"Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "",
		"Signed report =E2=80=93 see the PoC.", "--s1--")
	sig, err := rep.DetachSign(part)
	if err != nil {
		t.Fatal(err)
	}
	clear, err := rep.ClearSign([]byte("Signed inline report.\n- with a dash line"))
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[string][]byte{
		"plain": msg(append(head("Content-Type: text/plain; charset=utf-8; format=flowed"),
			"", "Hello,", "", "parse() overflows on long input.", "", "Rita", "")...),
		"threading": msg(append(head("In-Reply-To: <PRJ-2024-0001.1@project.example>",
			"References: <PRJ-2024-0001.0@project.example> <PRJ-2024-0001.1@project.example>",
			"Auto-Submitted: auto-replied", "Precedence: bulk", "List-Id: <dev.example.org>"),
			"", "> quoted", "reply", "")...),
		"alternative": msg(append(head(`Content-Type: multipart/alternative; boundary="alt"`),
			"", "--alt", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: quoted-printable", "",
			"Gr=FC=DFe", "--alt", "Content-Type: text/html; charset=utf-8", "",
			`<html><head><style>p{}</style></head><body><p>Gr&uuml;&szlig;e <a href="https://example.org">link</a></p><script>x()</script></body></html>`,
			"--alt--", "")...),
		"attachments": msg(append(head(`Content-Type: multipart/mixed; boundary="mix"`),
			"", "--mix", "Content-Type: text/plain", "", "See attachments.", "--mix",
			"Content-Type: application/zip", `Content-Disposition: attachment; filename*=UTF-8''po%C3%A7.zip`,
			"Content-Transfer-Encoding: base64", "", "UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAA", "--mix",
			`Content-Type: text/plain; name="../../x.txt"`, "Content-Disposition: attachment", "", "x", "--mix",
			"Content-Type: message/rfc822", "", "From: b@example.org", "", "fwd", "--mix",
			`Content-Type: application/pgp-keys; name="key.asc"`, "", string(rep.Public().Armored()), "--mix--", "")...),
		"pgp-mime-encrypted": pgpMIME("Rita Reporter <rita@example.org>", "...",
			encrypt(t, innerEntity(rep.Public()), rep, project.Public()), autocryptHeader(t, "rita@example.org", rep.Public())),
		"pgp-mime-signed":  signedMIME("Rita Reporter <rita@example.org>", part, sig),
		"inline-encrypted": msg(append(head("Content-Type: text/plain"), "", string(encrypt(t, []byte("inline secret"), rep, project.Public())))...),
		"inline-signed":    msg(append(head("Content-Type: text/plain; charset=utf-8"), "", string(clear))...),
		"encrypted-file": msg(append(head(`Content-Type: multipart/mixed; boundary="f"`), "", "--f", "", "file", "--f",
			`Content-Type: application/octet-stream; name="log.txt.asc"`, "", string(encrypt(t, []byte("log"), nil, project.Public())), "--f--")...),
		"bounce": msg("From: Mail Delivery System <MAILER-DAEMON@mx.example.org>", "Return-Path: <>",
			`Content-Type: multipart/report; report-type=delivery-status; boundary="r"`, "",
			"--r", "", "Delivery failed.", "--r", "Content-Type: message/delivery-status", "", "Status: 5.1.1", "--r--"),
	}
	return seeds
}

func quoteBytes(b []byte) string { return strconv.Quote(string(b)) }

func armorBlock(t *testing.T, blockType string, bin []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, blockType, map[string]string{"Comment": "test key for fuzzing; not secret"})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bin)
	w.Close()
	buf.WriteByte('\n')
	return buf.Bytes()
}
