// Package site renders the human side of a project's published
// advisories as static HTML: an index, one page per advisory and a hall of
// fame, with one stylesheet. The same files are served live by Embargo and
// written by `embargo publish --out`. Details are Markdown, rendered by
// goldmark and sanitised by bluemonday.
package site

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

//go:embed templates/*.html templates/style.css
var files embed.FS

var (
	md       = goldmark.New(goldmark.WithExtensions(extension.GFM))
	sanitize = bluemonday.UGCPolicy()
	tmpl     = template.Must(template.New("").Funcs(template.FuncMap{
		"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
		"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"markdown": markdown,
		"score":    func(f float64) string { return fmt.Sprintf("%.1f", f) },
		"https":    func(u string) bool { return strings.HasPrefix(u, "https://") },
	}).ParseFS(files, "templates/*.html"))
)

func markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(sanitize.SanitizeBytes(buf.Bytes())) // #nosec: sanitised by bluemonday
}

// Links are the machine-readable files published beside the pages,
// relative to the site's root; empty ones are not shown.
type Links struct {
	OSVAll, GoVulnDB, CSAF, Feed string
	// PerAdvisory returns the files of one advisory (label → path).
	PerAdvisory func(a embargo.Advisory) [][2]string
}

type indexPage struct {
	Pub        embargo.Publisher
	Rows       template.HTML // the advisories' rows, newest first
	Links      Links
	HallOfFame bool
}

type advisoryPage struct {
	Pub      embargo.Publisher
	Advisory embargo.Advisory
	Files    [][2]string
}

// Credited is one person of the hall of fame, with links to the
// advisories that credit them, newest first.
type Credited struct {
	Name, Contact string
	Refs          []string
	Links         template.HTML
}

type hallPage struct {
	Pub    embargo.Publisher
	People []Credited
}

// Entry is one public advisory rendered once and kept: its page, and its
// row of the index and link of the hall of fame.
type Entry struct {
	// Page is <Ref>.html.
	Page      []byte
	ref       string
	published time.Time
	named     []embargo.AdvisoryCredit // the people the hall of fame thanks
	row, link []byte
}

// Encode renders a public advisory's page with its machine-readable files
// (links.PerAdvisory), its row of the index and its link in the hall of
// fame.
func Encode(a embargo.Advisory, pub embargo.Publisher, links Links) (*Entry, error) {
	page, err := PageOf(a, pub, links)
	if err != nil {
		return nil, err
	}
	row, err := render("row", a)
	if err != nil {
		return nil, err
	}
	link, err := render("hall-link", a)
	if err != nil {
		return nil, err
	}
	e := &Entry{Page: page, ref: a.Ref, published: a.Published, row: row, link: link}
	if a.State == embargo.AdvisoryPublished { // withdrawn advisories thank nobody
		for _, c := range a.Credits {
			if c.Type != "TOOL" && c.Type != "SPONSOR" {
				e.named = append(e.named, c)
			}
		}
	}
	return e, nil
}

// Index renders the pages about all the rendered advisories (whose Refs
// the caller keeps distinct): index.html, hall-of-fame.html (when hall is
// true) and style.css.
func Index(entries []*Entry, pub embargo.Publisher, links Links, hall bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		return nil, err
	}
	out["style.css"] = css
	entries = newestFirst(entries)
	var rows bytes.Buffer
	for _, e := range entries {
		rows.Write(e.row)
	}
	page := indexPage{Pub: pub, Rows: template.HTML(rows.String()), Links: links, HallOfFame: hall} // #nosec: rendered by the row template
	if out["index.html"], err = render("index.html", page); err != nil {
		return nil, err
	}
	if hall {
		if out["hall-of-fame.html"], err = render("hall.html", hallPage{Pub: pub, People: hallOfFame(entries)}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PageOf renders one advisory's page with its machine-readable files.
func PageOf(a embargo.Advisory, pub embargo.Publisher, links Links) ([]byte, error) {
	p := advisoryPage{Pub: pub, Advisory: a}
	if links.PerAdvisory != nil {
		p.Files = links.PerAdvisory(a)
	}
	return render("advisory.html", p)
}

func render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("site: %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// newestFirst orders entries by publication, newest first, then by Ref.
func newestFirst(entries []*Entry) []*Entry {
	out := slices.Clone(entries)
	slices.SortFunc(out, func(x, y *Entry) int {
		if c := y.published.Compare(x.published); c != 0 {
			return c
		}
		return strings.Compare(y.ref, x.ref)
	})
	return out
}

// hallOfFame gathers the people credited in published (not withdrawn)
// advisories (entries newest first), most advisories first: only those who
// chose to be named are in an advisory's credits at all.
func hallOfFame(entries []*Entry) []Credited {
	index := map[string]int{}
	var out []Credited
	var links []bytes.Buffer
	for _, e := range entries {
		for _, c := range e.named {
			key := strings.ToLower(c.Name)
			i, ok := index[key]
			if !ok {
				i = len(out)
				index[key] = i
				out = append(out, Credited{Name: c.Name, Contact: c.Contact})
				links = append(links, bytes.Buffer{})
			}
			if n := len(out[i].Refs); n == 0 || out[i].Refs[n-1] != e.ref {
				if n > 0 {
					links[i].WriteString(", ")
				}
				links[i].Write(e.link)
				out[i].Refs = append(out[i].Refs, e.ref)
			}
		}
	}
	for i := range out {
		out[i].Links = template.HTML(links[i].String()) // #nosec: rendered by the hall-link template
	}
	slices.SortStableFunc(out, func(x, y Credited) int {
		if len(x.Refs) != len(y.Refs) {
			return len(y.Refs) - len(x.Refs)
		}
		return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
	return out
}
