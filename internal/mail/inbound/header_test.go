package inbound

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want Header
	}{{
		name: "threading headers",
		raw: crlf(
			"Received: from mx.example.org by mx.project.example",
			"Delivered-To: security@project.example",
			"X-Original-To: Security@Project.Example",
			`From: "Doe, Jane" <Jane.Doe@Example.ORG>`,
			"To: security@project.example, Bob <bob@project.example>",
			"Cc: carol@example.net",
			"Subject: Re: [PRJ-2024-0001] overflow",
			"Date: Tue, 02 Jan 2024 15:04:05 +0100",
			"Message-ID: <reply-2@example.org>",
			"In-Reply-To: <PRJ-2024-0001.1@project.example>",
			"References: <PRJ-2024-0001.0@project.example>",
			"  <PRJ-2024-0001.1@project.example>",
			"",
			"body",
		),
		want: Header{
			From: "Jane.Doe@example.org", FromName: "Doe, Jane",
			To: []string{"security@project.example", "bob@project.example"}, Cc: []string{"carol@example.net"},
			DeliveredTo: []string{"security@project.example", "Security@project.example"},
			Subject:     "Re: [PRJ-2024-0001] overflow", MessageID: "reply-2@example.org",
			InReplyTo:  []string{"PRJ-2024-0001.1@project.example"},
			References: []string{"PRJ-2024-0001.0@project.example", "PRJ-2024-0001.1@project.example"},
			Date:       time.Date(2024, 1, 2, 14, 4, 5, 0, time.UTC),
		},
	}, {
		name: "RFC 2047 subject and name, encoded line break removed",
		raw: crlf(
			"From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
			"Subject: =?UTF-8?B?w5xiZXJsYXVm?= =?UTF-8?Q?_in_parse=0D=0ABcc:_x@evil?=",
			"",
		),
		want: Header{From: "PIRARD@vm1.ulg.ac.be", FromName: "André Pirard", Subject: "Überlauf in parse  Bcc: x@evil"},
	}, {
		name: "unknown charset in subject keeps the raw text",
		raw:  crlf("From: a@example.org", "Subject: =?x-unknown?Q?abc?=", ""),
		want: Header{From: "a@example.org", Subject: "=?x-unknown?Q?abc?="},
	}, {
		name: "broken address list and message ids read leniently",
		raw: crlf(
			"From: John Q. Public <JQP@Example.COM>",
			"To: undisclosed-recipients:;",
			"Cc: <a@example.org>, broken <b@Example.org",
			"Message-ID: no-brackets@example.org",
			"In-Reply-To: <a b@x> <ok@example.org> (comment)",
			"",
		),
		want: Header{
			From: "JQP@example.com", FromName: "John Q. Public", Cc: []string{"a@example.org"},
			MessageID: "no-brackets@example.org", InReplyTo: []string{"ok@example.org"},
		},
	}, {
		name: "lines that are not fields are skipped",
		raw: crlf(
			"From: a@example.org",
			"this line is no field",
			"  nor is its continuation",
			"Subject: still read",
			"",
			"body",
		),
		want: Header{From: "a@example.org", Subject: "still read"},
	}, {
		name: "mbox From line and LF",
		raw:  []byte("From alice@example.org Mon Jan  1 00:00:00 2024\nFrom: alice@example.org\nSubject: mbox\n\nbody\n"),
		want: Header{From: "alice@example.org", Subject: "mbox"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ReadHeader(tt.raw, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, h); diff != "" {
				t.Errorf("Header (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAutomatic(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   bool
	}{
		{"person", "From: a@example.org", false},
		{"Auto-Submitted no", "From: a@example.org\r\nAuto-Submitted: no", false},
		{"Auto-Submitted auto-replied", "From: a@example.org\r\nAuto-Submitted: auto-replied", true},
		{"Auto-Submitted auto-generated with comment", "From: a@example.org\r\nAuto-Submitted: Auto-Generated (vacation)", true},
		{"Precedence bulk", "From: a@example.org\r\nPrecedence: bulk", true},
		{"Precedence junk", "From: a@example.org\r\nPrecedence: JUNK", true},
		{"Precedence list", "From: a@example.org\r\nPrecedence: list", true},
		{"Precedence first-class", "From: a@example.org\r\nPrecedence: first-class", false},
		{"List-Id", "From: a@example.org\r\nList-Id: <dev.lists.example.org>", true},
		{"MAILER-DAEMON", "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>", true},
		{"null Return-Path", "Return-Path: <>\r\nFrom: a@example.org", true},
		{"no From", "Subject: x", true},
		{"delivery report", "From: postmaster@example.org\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ReadHeader([]byte(tt.header+"\r\n\r\nbody"), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if h.Automatic != tt.want {
				t.Errorf("Automatic = %v, want %v", h.Automatic, tt.want)
			}
		})
	}
}

func TestReadHeaderAutocrypt(t *testing.T) {
	raw := crlf(
		"From: Alice <Alice@Example.org>",
		"Autocrypt: addr=mallory@example.org; keydata=AAAA",
		"Autocrypt: addr=alice@example.org; prefer-encrypt=mutual; keydata=",
		" QUJD",
		"",
	)
	h, err := ReadHeader(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "addr=alice@example.org; prefer-encrypt=mutual; keydata= QUJD"; h.Autocrypt != want {
		t.Errorf("Autocrypt = %q, want %q", h.Autocrypt, want)
	}
}

func TestReadHeaderErrors(t *testing.T) {
	tests := []struct {
		name     string
		raw      []byte
		lim      Limits
		code     int
		enhanced [3]int
	}{
		{"empty", []byte{}, Limits{}, 554, [3]int{5, 6, 0}},
		{"blank", []byte("\r\n\r\n"), Limits{}, 554, [3]int{5, 6, 0}},
		{"garbage", []byte("\x00\x01\x02 not a header"), Limits{}, 554, [3]int{5, 6, 0}},
		{"continuation first", []byte(" folded: x\r\n\r\n"), Limits{}, 554, [3]int{5, 6, 0}},
		{"too big", []byte("From: a@example.org\r\n\r\n" + strings.Repeat("x", 100)), Limits{MaxBytes: 50}, 552, [3]int{5, 3, 4}},
		{"header too big", []byte("From: a@example.org\r\nX: " + strings.Repeat("x", 100) + "\r\n\r\n"), Limits{MaxHeaderBytes: 64}, 554, [3]int{5, 6, 0}},
		{"header without end too big", []byte("From: a@example.org\r\nX: " + strings.Repeat("x", 100)), Limits{MaxHeaderBytes: 64}, 554, [3]int{5, 6, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadHeader(tt.raw, tt.lim)
			wantError(t, err, tt.code, tt.enhanced)
		})
	}
}
