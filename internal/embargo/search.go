package embargo

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// Limits of a search query.
const (
	MaxSearchLen   = 200
	MaxSearchTerms = 10
)

// Search is a parsed full-text query over reports: every term must occur
// in the report's text (title, description, steps, affected versions,
// impact, suggested fix, contact), compared after Unicode case folding. A
// term is a word or a "quoted phrase"; "#12" also matches report number 12.
// The zero Search matches everything.
type Search struct {
	terms  []string
	number int64
}

// ParseSearch parses a query; an Invalid-kind error names what is wrong.
func ParseSearch(q string) (Search, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return Search{}, nil
	}
	if !utf8.ValidString(q) {
		return Search{}, Errorf(KindInvalid, "the search is not valid UTF-8")
	}
	if utf8.RuneCountInString(q) > MaxSearchLen {
		return Search{}, Errorf(KindInvalid, "the search is longer than %d characters", MaxSearchLen)
	}
	var s Search
	for q != "" {
		var term string
		if q[0] == '"' {
			end := strings.IndexByte(q[1:], '"')
			if end < 0 {
				return Search{}, Errorf(KindInvalid, "the search has an unclosed quote")
			}
			term, q = q[1:1+end], q[2+end:]
		} else {
			end := strings.IndexAny(q, " \t\"")
			if end < 0 {
				end = len(q)
			}
			term, q = q[:end], q[end:]
		}
		q = strings.TrimLeft(q, " \t")
		term = strings.Join(strings.Fields(term), " ")
		if term == "" {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimPrefix(term, "#"), 10, 64); err == nil && strings.HasPrefix(term, "#") && n > 0 {
			s.number = n
			continue
		}
		s.terms = append(s.terms, fold(term))
	}
	if len(s.terms)+min(int(s.number), 1) > MaxSearchTerms {
		return Search{}, Errorf(KindInvalid, "the search has more than %d terms", MaxSearchTerms)
	}
	return s, nil
}

// Number is the report number the search asks for ("#12"), or 0.
func (s Search) Number() int64 { return s.number }

// Empty reports whether s matches every report.
func (s Search) Empty() bool { return len(s.terms) == 0 && s.number == 0 }

// String is the query in a canonical form (folded terms, quoted when they
// hold a space), for links that keep the search.
func (s Search) String() string {
	var parts []string
	if s.number != 0 {
		parts = append(parts, "#"+strconv.FormatInt(s.number, 10))
	}
	for _, t := range s.terms {
		if strings.Contains(t, " ") {
			t = `"` + t + `"`
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// Match reports whether a report with this number and content matches.
func (s Search) Match(number int64, c ReportContent) bool {
	if s.number != 0 && s.number != number {
		return false
	}
	if len(s.terms) == 0 {
		return true
	}
	var b strings.Builder
	for _, f := range []string{c.Title, c.Description, c.Steps, c.AffectedVersions, c.Impact, c.SuggestedFix, c.Contact} {
		b.WriteString(f)
		b.WriteByte('\n')
	}
	text := fold(b.String())
	for _, t := range s.terms {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

// fold case-folds s and turns every run of ASCII white space into one
// space (so a phrase matches across a line break), in one pass; text with
// non-ASCII letters is first folded by Unicode's rules.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			s = cases.Fold().String(s)
			break
		}
	}
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			space = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		b = append(b, c)
	}
	return string(b)
}
