package inbound

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMultipartIter(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"CRLF", "pre\r\n--b\r\none\r\n--b\r\ntwo\r\n--b--\r\nepilogue\r\n--b\r\nnot a part", []string{"one", "two"}},
		{"LF", "--b\none\n--b\ntwo\n--b--\n", []string{"one", "two"}},
		{"transport padding", "--b \t\r\none\r\n--b--  \r\n", []string{"one"}},
		{"empty parts", "--b\r\n--b\r\n\r\n--b--", []string{"", ""}},
		{"longer boundary is not ours", "--b\r\none\r\n--bx\r\nstill one\r\n--b--", []string{"one\r\n--bx\r\nstill one"}},
		{"delimiter not at line start", "--b\r\none --b\r\n--b--", []string{"one --b"}},
		{"no closing delimiter", "--b\r\none\r\n--b\r\nlast", []string{"one", "last"}},
		{"delimiter at end of input", "--b\r\none\r\n--b", []string{"one", ""}},
		{"no delimiter at all", "just text", nil},
		{"closing first", "--b--\r\n--b\r\nx", nil},
		{"part keeps inner line breaks", "--b\r\n\r\nbody\r\n\r\n\r\n--b--", []string{"\r\nbody\r\n\r\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			it := newMultipart([]byte(tt.body), "b")
			for {
				p, ok := it.next()
				if !ok {
					break
				}
				got = append(got, string(p))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCanonicalCRLF(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"a\nb\n":       "a\r\nb\r\n",
		"a\r\nb\n":     "a\r\nb\r\n",
		"\n\r\n\r":     "\r\n\r\n\r",
		"no line ends": "no line ends",
	} {
		if got := string(canonicalCRLF([]byte(in))); got != want {
			t.Errorf("canonicalCRLF(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSanitizeName(t *testing.T) {
	long := string(make([]byte, 300))
	for _, tt := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\x\poc.exe`, "poc.exe"},
		{"a\x00b\x1fc\x7f.txt", "abc.txt"},
		{"evil\u202egpj.exe", "evilgpj.exe"},
		{"  . ", "attachment-7"},
		{"..", "attachment-7"},
		{"dir/", "attachment-7"},
		{"\xff\xfe.bin", "\ufffd.bin"},
		{long + ".pdf", "pdf"},
	} {
		if got := sanitizeName(tt.in, 7); got != tt.want {
			t.Errorf("sanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	name := sanitizeName(strings.Repeat("é", 200)+".pdf", 1)
	if len(name) > 255 || name[len(name)-4:] != ".pdf" {
		t.Errorf("long name = %q (%d bytes)", name, len(name))
	}
}
