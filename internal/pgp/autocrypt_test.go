package pgp

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// fold breaks s into header continuation lines as a mail header would.
func fold(s string) string {
	var b strings.Builder
	for len(s) > 72 {
		b.WriteString(s[:72] + "\r\n ")
		s = s[72:]
	}
	b.WriteString(s)
	return b.String()
}

func TestParseAutocrypt(t *testing.T) {
	t.Parallel()
	g := newGPG(t)
	fpr := g.genKey(reporterUID, false, "never")
	keydata := fold(base64.StdEncoding.EncodeToString(g.must(nil, "--export", fpr)))
	signOnly := base64.StdEncoding.EncodeToString(g.must(nil, "--export", g.genKey("S <s@example.org>", true, "never")))

	tests := []struct {
		name  string
		value string
		want  error // nil: valid
	}{
		{"full", "addr=r@example.org; prefer-encrypt=mutual; keydata=" + keydata, nil},
		{"minimal", "addr=R@Example.org; keydata=" + keydata, nil},
		{"non-critical unknown", "addr=r@example.org; _x-extra=1; keydata=\r\n " + keydata, nil},
		{"critical unknown", "addr=r@example.org; x-extra=1; keydata=" + keydata, ErrMalformed},
		{"no addr", "prefer-encrypt=mutual; keydata=" + keydata, ErrMalformed},
		{"no keydata", "addr=r@example.org; prefer-encrypt=mutual", ErrMalformed},
		{"display name", "addr=Reporter <r@example.org>; keydata=" + keydata, ErrMalformed},
		{"two addrs", "addr=r@example.org; addr=s@example.org; keydata=" + keydata, ErrMalformed},
		{"bad base64", "addr=r@example.org; keydata=!!!" + keydata, ErrMalformed},
		{"attribute without value", "addr=r@example.org; mutual; keydata=" + keydata, ErrMalformed},
		{"sign-only key", "addr=s@example.org; keydata=" + signOnly, ErrMalformed},
		{"too long", "addr=r@example.org; keydata=" + strings.Repeat("A", 100<<10), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, key, err := ParseAutocrypt(tt.value)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if addr != "r@example.org" || key.Fingerprint() != fpr {
				t.Errorf("ParseAutocrypt = %q, %s; want r@example.org, %s", addr, key.Fingerprint(), fpr)
			}
		})
	}
}
