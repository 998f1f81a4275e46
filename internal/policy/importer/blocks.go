package importer

import (
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// blockKind says what a block is.
type blockKind int

const (
	kHeading blockKind = iota
	kPara
	kItem
	kRow
)

// block is one unit of the document the extractor reads.
type block struct {
	kind    blockKind
	text    string
	line    int      // source line of the block's start
	level   int      // heading level
	section []string // headings above, outermost first, lower-cased
	// label is the text of the paragraph that introduced a list ("In
	// scope:"), lower-cased, for list items.
	label  string
	cells  []string // table row cells
	header []string // table header cells, lower-cased
	urls   []string
	// pieces map offsets in text to source lines, for sentences.
	pieces []piece
	depth  int // list nesting
}

type piece struct {
	off, line int
}

// lineAt returns the source line of an offset in b.text.
func (b *block) lineAt(off int) int {
	i := sort.Search(len(b.pieces), func(i int) bool { return b.pieces[i].off > off })
	if i == 0 {
		return b.line
	}
	return b.pieces[i-1].line
}

// sectionText is the heading path joined, for context matching.
func (b *block) sectionText() string { return strings.Join(b.section, " / ") }

// maxBlocks bounds the work on a hostile input.
const maxBlocks = 20000

func parseBlocks(ls []line) []*block {
	var buf strings.Builder
	starts := make([]int, len(ls))
	for i, l := range ls {
		starts[i] = buf.Len()
		buf.WriteString(l.text)
		buf.WriteByte('\n')
	}
	src := []byte(buf.String())
	srcLine := func(off int) int {
		i := sort.Search(len(starts), func(i int) bool { return starts[i] > off }) - 1
		if i < 0 {
			return 1
		}
		return ls[i].src
	}
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Linkify))
	doc := md.Parser().Parse(text.NewReader(src))

	w := &walker{src: src, srcLine: srcLine}
	ast.Walk(doc, w.visit)
	return w.out
}

type walker struct {
	src     []byte
	srcLine func(int) int
	out     []*block
	heads   []string // by level-1
	label   string
	header  []string
	depth   int
	// itemText[d] is the text of the last item at list depth d, the label
	// of a list nested under it.
	itemText []string
}

func (w *walker) section() []string {
	var s []string
	for _, h := range w.heads {
		if h != "" {
			s = append(s, h)
		}
	}
	return s
}

func (w *walker) visit(n ast.Node, entering bool) (ast.WalkStatus, error) {
	if len(w.out) >= maxBlocks {
		return ast.WalkStop, nil
	}
	switch n := n.(type) {
	case *ast.List:
		if entering {
			// A list right after an item ending in ":" belongs to that item,
			// even when it is not indented enough to nest ("3. Include:").
			if w.depth == 0 && len(w.out) > 0 {
				if last := w.out[len(w.out)-1]; last.kind == kItem && strings.HasSuffix(last.text, ":") {
					w.label = strings.ToLower(last.text)
				}
			}
			w.depth++
		} else {
			w.depth--
			if w.depth == 0 {
				w.label = ""
			}
		}
	case *ast.Heading:
		if !entering {
			return ast.WalkContinue, nil
		}
		b := w.inline(n, kHeading)
		b.level = n.Level
		for len(w.heads) < n.Level {
			w.heads = append(w.heads, "")
		}
		w.heads = w.heads[:n.Level]
		w.heads[n.Level-1] = strings.ToLower(b.text)
		b.section = w.section()
		w.label = ""
		w.out = append(w.out, b)
		return ast.WalkSkipChildren, nil
	case *ast.Paragraph, *ast.TextBlock:
		if !entering {
			return ast.WalkContinue, nil
		}
		kind := kPara
		if _, ok := n.Parent().(*ast.ListItem); ok {
			kind = kItem
		}
		b := w.inline(n, kind)
		b.section = w.section()
		b.depth = w.depth
		if kind == kItem {
			b.label = w.label
			if w.depth > 1 && len(w.itemText) >= w.depth-1 {
				b.label = w.itemText[w.depth-2]
			}
			for len(w.itemText) < w.depth {
				w.itemText = append(w.itemText, "")
			}
			w.itemText = w.itemText[:w.depth]
			w.itemText[w.depth-1] = strings.ToLower(b.text)
		} else if w.depth == 0 {
			w.label = strings.ToLower(b.text)
		}
		w.out = append(w.out, b)
		return ast.WalkSkipChildren, nil
	case *east.TableHeader:
		if entering {
			b := w.cells(n)
			w.header = nil
			for _, c := range b.cells {
				w.header = append(w.header, strings.ToLower(c))
			}
		}
		return ast.WalkSkipChildren, nil
	case *east.TableRow:
		if entering {
			b := w.cells(n)
			b.header = w.header
			b.section = w.section()
			w.out = append(w.out, b)
		}
		return ast.WalkSkipChildren, nil
	case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock:
		return ast.WalkSkipChildren, nil
	}
	return ast.WalkContinue, nil
}

func (w *walker) cells(n ast.Node) *block {
	b := &block{kind: kRow}
	first := -1
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		cb := w.inline(c, kRow)
		b.cells = append(b.cells, cb.text)
		b.urls = append(b.urls, cb.urls...)
		if first < 0 && cb.line > 0 {
			first = cb.line
		}
	}
	b.text = strings.Join(b.cells, " | ")
	b.line = max(first, 1)
	if first < 0 {
		// An empty row: take the row's own position if it has one.
		b.line = w.lineOf(n)
	}
	return b
}

func (w *walker) lineOf(n ast.Node) int {
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return w.srcLine(n.Lines().At(0).Start)
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			return w.srcLine(t.Segment.Start)
		}
		if l := w.lineOf(c); l > 0 {
			return l
		}
	}
	return 0
}

// inline collects the text of n's inline children, its link targets, and
// where each line of it came from.
func (w *walker) inline(n ast.Node, kind blockKind) *block {
	b := &block{kind: kind, line: w.lineOf(n)}
	var sb strings.Builder
	lastLine := -1
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			l := w.srcLine(c.Segment.Start)
			if l != lastLine {
				b.pieces = append(b.pieces, piece{off: sb.Len(), line: l})
				lastLine = l
			}
			sb.Write(c.Segment.Value(w.src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				sb.WriteByte(' ')
			}
		case *ast.String:
			sb.Write(c.Value)
		case *ast.Link:
			b.urls = append(b.urls, string(c.Destination))
		case *ast.AutoLink:
			sb.Write(c.Label(w.src))
			b.urls = append(b.urls, string(c.URL(w.src)))
		}
		return ast.WalkContinue, nil
	})
	raw := sb.String()
	b.text = strings.TrimSpace(raw)
	// Offsets were taken in the untrimmed text: shift and clamp them.
	lead := len(raw) - len(strings.TrimLeft(raw, " \t\n\r\f\v"))
	for i := range b.pieces {
		b.pieces[i].off = min(max(b.pieces[i].off-lead, 0), len(b.text))
	}
	if b.line == 0 && len(b.pieces) > 0 {
		b.line = b.pieces[0].line
	}
	return b
}
