package embargo

import "testing"

func TestParseSearch(t *testing.T) {
	for _, tc := range []struct{ q, want, err string }{
		{"", "", ""},
		{"   ", "", ""},
		{"XSS preview", "xss preview", ""},
		{`"Stored  XSS" preview`, `"stored xss" preview`, ""},
		{`#12 token`, `#12 token`, ""},
		{`#0`, `#0`, ""},
		{`#abc`, `#abc`, ""},
		{`"unclosed`, "", "the search has an unclosed quote"},
		{"a b c d e f g h i j k", "", "the search has more than 10 terms"},
		{string(make([]byte, 201)), "", "the search is longer than 200 characters"},
		{"\xff", "", "the search is not valid UTF-8"},
		{"STRASSE", "strasse", ""},
	} {
		s, err := ParseSearch(tc.q)
		if tc.err != "" {
			if err == nil || MessageOf(err) != tc.err || KindOf(err) != KindInvalid {
				t.Errorf("ParseSearch(%q) err = %v, want %q", tc.q, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSearch(%q): %v", tc.q, err)
			continue
		}
		if got := s.String(); got != tc.want {
			t.Errorf("ParseSearch(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestSearchMatch(t *testing.T) {
	c := ReportContent{Title: "Stored XSS in the comment preview", Description: "The preview renders raw\nHTML from the Straße field.",
		Steps: "1. post <img>", Contact: "alice@example.org"}
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"", true},
		{"xss", true},
		{"XSS PREVIEW", true},
		{"xss csrf", false},
		{`"raw html"`, true}, // across the line break
		{`"html raw"`, false},
		{"strasse", true}, // Unicode case folding: ß folds to ss
		{"STRASSE", true},
		{"alice@example.org", true},
		{"#7", true},
		{"#8", false},
		{"#7 preview", true},
		{"#7 missing", false},
		{"img", true},
	} {
		s, err := ParseSearch(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Match(7, c); got != tc.want {
			t.Errorf("%q matches = %v, want %v", tc.q, got, tc.want)
		}
	}
}
