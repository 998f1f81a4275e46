// Package importer turns a free-text security policy (Markdown,
// reStructuredText, plain text or HTML) into a draft Embargo policy file,
// and says which promises it mapped, from which source line, and which
// sentences look like promises but could not be mapped. It is
// deterministic: a Markdown parser (goldmark) and tested patterns, no
// language model and no network.
package importer

import (
	"bytes"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format is the detected input format.
type Format string

// Input formats.
const (
	Markdown Format = "markdown"
	RST      Format = "restructuredtext"
	Text     Format = "text"
	HTML     Format = "html"
)

// line is one line of the normalised Markdown, with the source line it
// came from (1-based).
type line struct {
	text string
	src  int
}

var (
	mdHeading   = regexp.MustCompile(`^#{1,6}\s+\S`)
	mdTable     = regexp.MustCompile(`(?m)^\s*\|?\s*:?-{3,}:?\s*\|`)
	htmlTag     = regexp.MustCompile(`(?i)<(html|body|h[1-6]|p|ul|ol|li|table|div|article)[\s>]`)
	bulletChars = []string{"•", "◦", "▪", "‣", "●", "·"}
)

// detect guesses the format of src.
func detect(src []byte) Format {
	head := src
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	if htmlTag.Match(head) {
		return HTML
	}
	lines := strings.Split(string(head), "\n")
	// Score Markdown markup against the bare title lines of a page copied
	// as text: a few "# comment" lines in a shell snippet do not make a
	// copied page Markdown.
	md := 3*len(mdTable.FindAll(head, -1)) + 2*bytes.Count(head, []byte("**")) + 2*bytes.Count(head, []byte("```"))
	titles := 0
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if mdHeading.MatchString(t) {
			md++
		} else if looksLikeTitle(t) && i+1 < len(lines) {
			titles++
		}
	}
	if md > 0 && md*2 > titles {
		return Markdown
	}
	for i := 1; i < len(lines); i++ {
		prev := strings.TrimSpace(lines[i-1])
		if prev != "" && isRSTUnderline(lines[i]) && utf8.RuneCountInString(strings.TrimSpace(lines[i])) >= utf8.RuneCountInString(prev) {
			return RST
		}
	}
	return Text
}

// normalize returns the input as Markdown lines mapped to source lines.
func normalize(src []byte, f Format) []line {
	if f == HTML {
		return htmlLines(src)
	}
	raw := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	out := make([]line, len(raw))
	for i, r := range raw {
		out[i] = line{text: strings.TrimRight(r, " \t\r"), src: i + 1}
	}
	switch f {
	case RST:
		out = rstToMarkdown(out)
	case Text:
		for i := range out {
			// Indentation in a page copied as text carries no structure and
			// would otherwise turn into code blocks.
			out[i].text = bulletsToDashes(strings.TrimLeft(out[i].text, " \t"))
		}
		textToMarkdown(out)
	}
	if f != Text {
		pilcrowHeadings(out)
	}
	for i := range out {
		out[i].text = bulletsToDashes(out[i].text)
	}
	return out
}

func bulletsToDashes(s string) string {
	t := strings.TrimLeft(s, " \t")
	for _, b := range bulletChars {
		if strings.HasPrefix(t, b) {
			indent := len(s) - len(t)
			return strings.Repeat(" ", indent) + "- " + strings.TrimSpace(t[len(b):])
		}
	}
	return s
}

// rstToMarkdown turns underlined (and overlined) titles into Markdown
// headings, levelled by the order their underline characters appear.
func rstToMarkdown(ls []line) []line {
	levels := map[byte]int{}
	for i := 1; i < len(ls); i++ {
		u := strings.TrimSpace(ls[i].text)
		title := strings.TrimSpace(ls[i-1].text)
		if title == "" || !isRSTUnderline(u) || utf8.RuneCountInString(u) < utf8.RuneCountInString(title) || isRSTUnderline(title) {
			continue
		}
		c := u[0]
		if _, ok := levels[c]; !ok {
			levels[c] = len(levels) + 1
		}
		lvl := min(levels[c], 6)
		ls[i-1].text = strings.Repeat("#", lvl) + " " + title
		ls[i].text = ""
		if i >= 2 && isRSTUnderline(strings.TrimSpace(ls[i-2].text)) {
			ls[i-2].text = "" // overline
		}
	}
	// Grid tables: drop the +---+ borders, turn the +===+ header rule into
	// a Markdown separator (or add one after the first row).
	var out []line
	rows := 0
	sepDone := false
	for _, l := range ls {
		t := strings.TrimSpace(l.text)
		switch {
		case strings.HasPrefix(t, "+=") && strings.HasSuffix(t, "=+"):
			if !sepDone {
				out = append(out, line{text: strings.Repeat("|---", strings.Count(t, "+")-1) + "|", src: l.src})
				sepDone = true
			}
			continue
		case strings.HasPrefix(t, "+-") && strings.HasSuffix(t, "-+"):
			if rows == 1 && !sepDone {
				out = append(out, line{text: strings.Repeat("|---", strings.Count(t, "+")-1) + "|", src: l.src})
				sepDone = true
			}
			continue
		case strings.HasPrefix(t, "|"):
			rows++
		default:
			rows, sepDone = 0, false
		}
		out = append(out, l)
	}
	return out
}

// textToMarkdown recognises headings in text copied from a rendered page:
// a line ending in a pilcrow, or a short title-like line standing alone
// before content.
func textToMarkdown(ls []line) {
	for i := range ls {
		// In a copied page, "# …" is a shell comment or a hashtag, not a heading.
		if t := strings.TrimLeft(ls[i].text, " \t"); strings.HasPrefix(t, "#") {
			ls[i].text = `\` + t
		}
	}
	pilcrowHeadings(ls)
	for i := range ls {
		t := strings.TrimSpace(ls[i].text)
		if !strings.HasPrefix(t, "## ") && looksLikeTitle(t) && nextNonEmpty(ls, i) {
			ls[i].text = "## " + t
		}
	}
}

// pilcrowHeadings turns "Title¶" (a heading copied from a docs site) into
// a Markdown heading.
func pilcrowHeadings(ls []line) {
	for i := range ls {
		t := strings.TrimSpace(ls[i].text)
		if strings.HasSuffix(t, "¶") && !strings.HasPrefix(t, "#") {
			ls[i].text = "## " + strings.TrimSpace(strings.TrimSuffix(t, "¶"))
		}
	}
}

func nextNonEmpty(ls []line, i int) bool {
	for j := i + 1; j < len(ls) && j < i+4; j++ {
		if strings.TrimSpace(ls[j].text) != "" {
			return true
		}
	}
	return false
}

// looksLikeTitle: up to 8 words, starts upper-case, no sentence
// punctuation at the end, not a list item, not a table row.
func looksLikeTitle(t string) bool {
	if t == "" || utf8.RuneCountInString(t) > 60 || strings.ContainsAny(t, "|@<>") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	if !unicode.IsUpper(r) {
		return false
	}
	if strings.ContainsAny(t[len(t)-1:], ".,;:!?)") {
		return false
	}
	words := strings.Fields(t)
	if len(words) > 8 || strings.EqualFold(t, "version supported") {
		return false
	}
	if _, err := embargo.ParseVersionRange(t); err == nil {
		return false // a cell of a copied supported-versions table
	}
	for _, b := range append([]string{"- ", "* "}, bulletChars...) {
		if strings.HasPrefix(t, b) {
			return false
		}
	}
	return true
}

// isRSTUnderline reports whether s is three or more of one reST adornment
// character.
func isRSTUnderline(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 3 || !strings.ContainsRune("=-~^\"'`#*+:.", rune(s[0])) {
		return false
	}
	return strings.Count(s, s[:1]) == len(s)
}
