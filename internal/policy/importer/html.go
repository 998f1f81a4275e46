package importer

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// htmlLines renders an HTML page as Markdown lines. Each line remembers the
// source line of the tag that started it, counted from the raw bytes.
func htmlLines(src []byte) []line {
	z := html.NewTokenizer(bytes.NewReader(src))
	var out []line
	srcLine := 1
	var cur strings.Builder
	curSrc := 1
	skip := 0 // inside script/style
	inPre := false
	var listDepth int
	var row []string
	var cell *strings.Builder
	blank := func() {
		if len(out) > 0 && out[len(out)-1].text != "" {
			out = append(out, line{src: srcLine})
		}
	}
	flush := func() {
		t := strings.TrimSpace(cur.String())
		if t != "" {
			out = append(out, line{text: t, src: curSrc})
			// Blocks are separated by a blank line, list items are not, so
			// a paragraph never continues the list item before it.
			if !strings.HasPrefix(strings.TrimLeft(t, " "), "- ") && !inPre {
				blank()
			}
		}
		cur.Reset()
	}
	start := func(prefix string) {
		flush()
		cur.WriteString(prefix)
		curSrc = srcLine
	}
	for {
		tt := z.Next()
		raw := z.Raw()
		tokStart := srcLine
		srcLine += bytes.Count(raw, []byte("\n"))
		switch tt {
		case html.ErrorToken:
			flush()
			return out
		case html.TextToken:
			if skip > 0 {
				continue
			}
			text := string(z.Text())
			// The text's own line is after any newlines it starts with.
			tokStart += strings.Count(text[:len(text)-len(strings.TrimLeft(text, " \t\r\n"))], "\n")
			if cell != nil {
				cell.WriteString(strings.Join(strings.Fields(text), " ") + " ")
				continue
			}
			if cur.Len() == 0 {
				curSrc = tokStart
			}
			if inPre {
				for i, l := range strings.Split(text, "\n") {
					if i > 0 {
						flush()
						curSrc = tokStart + i
					}
					cur.WriteString(l)
				}
				continue
			}
			cur.WriteString(strings.Join(strings.Fields(text), " "))
			if strings.HasSuffix(text, " ") || strings.HasSuffix(text, "\n") {
				cur.WriteString(" ")
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tt == html.StartTagToken && (tag == "script" || tag == "style") {
				skip++
				continue
			}
			if tt == html.EndTagToken && (tag == "script" || tag == "style") {
				skip = max(0, skip-1)
				continue
			}
			srcLine = tokStart + bytes.Count(raw, []byte("\n"))
			open := tt != html.EndTagToken
			switch tag {
			case "h1", "h2", "h3", "h4", "h5", "h6":
				if open {
					start(strings.Repeat("#", int(tag[1]-'0')) + " ")
				} else {
					flush()
				}
			case "p", "div", "section", "article", "br", "blockquote", "dd", "dt":
				flush()
				curSrc = srcLine
			case "ul", "ol":
				flush()
				if open {
					listDepth++
				} else {
					listDepth = max(0, listDepth-1)
					if listDepth == 0 {
						blank()
					}
				}
			case "table":
				flush()
				blank()
			case "li":
				if open {
					start(strings.Repeat("  ", min(max(0, listDepth-1), 8)) + "- ")
				} else {
					flush()
				}
			case "pre":
				flush()
				inPre = open
			case "tr":
				if open {
					flush()
					row = nil
					curSrc = srcLine
				} else if len(row) > 0 {
					if len(out) > 0 && out[len(out)-1].text == "" && len(out) > 1 && strings.HasPrefix(out[len(out)-2].text, "|") {
						out = out[:len(out)-1] // rows of one table stay together
					}
					out = append(out, line{text: "| " + strings.Join(row, " | ") + " |", src: curSrc})
					if len(out) == 1 || !strings.HasPrefix(out[len(out)-2].text, "|") {
						sep := strings.Repeat("|---", len(row)) + "|"
						out = append(out, line{text: sep, src: curSrc})
					}
					row = nil
				}
			case "td", "th":
				if open {
					cell = &strings.Builder{}
				} else if cell != nil {
					row = append(row, strings.TrimSpace(cell.String()))
					cell = nil
				}
			case "img":
				// Check marks in supported-version tables are often images.
				for {
					k, v, more := z.TagAttr()
					if string(k) == "alt" && cell != nil {
						cell.WriteString(string(v) + " ")
					}
					if !more {
						break
					}
				}
			}
		}
	}
}
