package inbound

import (
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText reduces HTML to plain text as it streams through the tokenizer
// (no tree, so memory does not grow with the markup): only text nodes are
// kept, script, style, head and the like are dropped, block elements give
// line breaks and a link is kept as "text <url>". It stops once the text
// reaches max bytes.
func htmlText(r io.Reader, max int) string {
	z := html.NewTokenizer(r)
	z.SetMaxBuf(1 << 20) // one token at most 1 MiB
	w := &textWriter{max: max}
	skip, pre := 0, 0 // depth inside dropped elements and inside <pre>
	href, linkStart := "", -1
	for w.b.Len() < max {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.b.String()
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()), pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			start, end := tt == html.StartTagToken, tt == html.EndTagToken
			switch {
			case a == atom.Body && start:
				skip = 0 // a <head> left open ends here
			case dropped(a):
				if start {
					skip++
				} else if end && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch {
			case a == atom.A && !end && linkStart < 0:
				href, linkStart = "", w.b.Len()
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = linkTarget(string(v))
					}
				}
			case a == atom.A && end && linkStart >= 0:
				label := w.b.String()[min(linkStart, w.b.Len()):]
				if href != "" && !strings.Contains(label, strings.TrimPrefix(href, "mailto:")) {
					w.text(" <"+href+">", false)
				}
				linkStart = -1
			case (a == atom.Td || a == atom.Th) && start:
				w.space = w.b.Len() > 0 && w.newlines == 0
			case a == atom.Br:
				w.newline(1)
			case a == atom.Li && !end:
				w.newline(1)
				w.text("- ", false)
			case a == atom.Pre:
				w.newline(2)
				if start {
					pre++
				} else if end && pre > 0 {
					pre--
				}
			case block(a):
				w.newline(2)
			}
		}
	}
	return w.b.String()
}

// dropped are the elements whose content is never text to read.
func dropped(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template:
		return true
	}
	return false
}

func block(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Aside, atom.Nav, atom.Main,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd,
		atom.Table, atom.Tr, atom.Blockquote, atom.Hr, atom.Address, atom.Figure, atom.Figcaption,
		atom.Form, atom.Fieldset, atom.Details, atom.Summary, atom.Body, atom.Html:
		return true
	}
	return false
}

// linkTarget keeps http, https and mailto links (the ones worth showing);
// javascript: and data: URLs are dropped.
func linkTarget(v string) string {
	v = strings.TrimSpace(v)
	l := strings.ToLower(v)
	if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "mailto:") {
		return cleanLine(v)
	}
	return ""
}

// textWriter collapses HTML white space and line breaks into plain text.
type textWriter struct {
	b        strings.Builder
	max      int
	newlines int  // line breaks pending
	space    bool // a space pending
}

// text writes s, collapsing its white space unless pre.
func (w *textWriter) text(s string, pre bool) {
	if pre {
		w.flush(false)
		w.b.WriteString(strings.ReplaceAll(s, "\r\n", "\n"))
		return
	}
	if strings.TrimSpace(s) == "" {
		if s != "" {
			w.space = true
		}
		return
	}
	leading, trailing := isSpace(s[0]), isSpace(s[len(s)-1])
	for i, f := range strings.Fields(s) {
		w.flush(i > 0 || leading)
		w.b.WriteString(f)
		if w.b.Len() >= w.max {
			return
		}
	}
	w.space = trailing
}

// flush writes the pending line breaks, else a pending space.
func (w *textWriter) flush(space bool) {
	switch {
	case w.b.Len() == 0:
	case w.newlines > 0:
		w.b.WriteString(strings.Repeat("\n", w.newlines))
	case w.space || space:
		w.b.WriteByte(' ')
	}
	w.newlines, w.space = 0, false
}

func (w *textWriter) newline(n int) {
	if w.b.Len() > 0 && n > w.newlines {
		w.newlines = n
	}
	w.space = false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' }
