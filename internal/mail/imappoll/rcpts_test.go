package imappoll

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRecipients(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{"none", "From: a@example.net\r\nSubject: x\r\n\r\nbody\r\n", nil},
		{"order of header names, not of lines",
			"Cc: c@example.org\r\nTo: t@example.org\r\nX-Original-To: x@example.org\r\nDelivered-To: d@example.org\r\n\r\n",
			[]string{"d@example.org", "x@example.org", "t@example.org", "c@example.org"}},
		{"several Delivered-To, header order kept",
			"Delivered-To: first@example.org\r\nDelivered-To: second@example.org\r\n\r\n",
			[]string{"first@example.org", "second@example.org"}},
		{"lower-cased and de-duplicated",
			"To: Security@EXAMPLE.org, \"Sec\" <security@example.org>\r\nCC: SECURITY@example.org\r\n\r\n",
			[]string{"security@example.org"}},
		{"names are case-insensitive", "delivered-to: d@example.org\r\nTO: t@example.org\r\n\r\n",
			[]string{"d@example.org", "t@example.org"}},
		{"folded list", "To: a@example.org,\r\n\tb@example.org,\r\n  \"C, the third\" <c@example.org>\r\n\r\n",
			[]string{"a@example.org", "b@example.org", "c@example.org"}},
		{"bare LF", "To: a@example.org\nCc: b@example.org\n\nTo: body@example.org\n",
			[]string{"a@example.org", "b@example.org"}},
		{"body ignored", "Subject: x\r\n\r\nTo: body@example.org\r\n", nil},
		{"group syntax", "To: undisclosed-recipients:;\r\nCc: team: a@example.org, b@example.org;\r\n\r\n",
			[]string{"a@example.org", "b@example.org"}},
		{"encoded name in an unknown charset", "To: =?x-unknown?q?Caf=E9?= <cafe@example.org>\r\n\r\n",
			[]string{"cafe@example.org"}},
		{"one bad address does not hide the others", "To: not an address, <ok@example.org>, good@example.org\r\n\r\n",
			[]string{"ok@example.org", "good@example.org"}},
		{"angle brackets inside junk", "To: Bob Smith (no comma close <bob@example.org>\r\n\r\n",
			[]string{"bob@example.org"}},
		{"space before colon", "To : a@example.org\r\n\r\n", []string{"a@example.org"}},
		{"mbox From line skipped", "From reporter@example.net Mon Mar  2 10:00:00 2026\r\nTo: a@example.org\r\n\r\n",
			[]string{"a@example.org"}},
		{"empty value", "To:\r\nCc: c@example.org\r\n\r\n", []string{"c@example.org"}},
		{"no header end", "To: a@example.org", []string{"a@example.org"}},
		{"continuation of an unwanted field", "Subject: x\r\n To: fake@example.org\r\nTo: a@example.org\r\n\r\n",
			[]string{"a@example.org"}},
		{"empty message", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recipients([]byte(tt.raw))
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzRecipients(f *testing.F) {
	f.Add([]byte("Delivered-To: a@example.org\r\nTo: \"B\" <B@example.org>, c@example.org\r\nCc: g: d@example.org;\r\n\r\nbody"))
	f.Add([]byte("To: =?utf-8?q?=C3=A9?= <e@example.org>,\n\tf@example.org\n\n"))
	f.Add([]byte("To: <a@b>, <<c@d>>, \"x\\\"y\" <z@w>\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := recipients(raw)
		seen := make(map[string]bool)
		for _, a := range got {
			if a != strings.ToLower(a) || !strings.Contains(a, "@") || seen[a] {
				t.Fatalf("recipients(%q) = %q: want lower-case, unique addr-specs", raw, got)
			}
			seen[a] = true
		}
	})
}
