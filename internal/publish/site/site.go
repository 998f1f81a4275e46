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
	"sort"
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
	Advisories []embargo.Advisory
	Links      Links
	HallOfFame bool
}

type advisoryPage struct {
	Pub      embargo.Publisher
	Advisory embargo.Advisory
	Files    [][2]string
}

// Credited is one person of the hall of fame.
type Credited struct {
	Name, Contact string
	Advisories    []embargo.Advisory
}

type hallPage struct {
	Pub    embargo.Publisher
	People []Credited
}

// Pages renders index.html, one <Ref>.html per published or withdrawn
// advisory, hall-of-fame.html (when hall is true) and style.css.
func Pages(advs []embargo.Advisory, pub embargo.Publisher, links Links, hall bool) (map[string][]byte, error) {
	public := Public(advs)
	out := map[string][]byte{}
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		return nil, err
	}
	out["style.css"] = css
	if out["index.html"], err = render("index.html", indexPage{Pub: pub, Advisories: newestFirst(public), Links: links, HallOfFame: hall}); err != nil {
		return nil, err
	}
	for _, a := range public {
		p := advisoryPage{Pub: pub, Advisory: a}
		if links.PerAdvisory != nil {
			p.Files = links.PerAdvisory(a)
		}
		if out[a.Ref+".html"], err = render("advisory.html", p); err != nil {
			return nil, err
		}
	}
	if hall {
		if out["hall-of-fame.html"], err = render("hall.html", hallPage{Pub: pub, People: HallOfFame(public)}); err != nil {
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

// Public keeps the published and withdrawn advisories.
func Public(advs []embargo.Advisory) []embargo.Advisory {
	var out []embargo.Advisory
	for _, a := range advs {
		if a.State == embargo.AdvisoryPublished || a.State == embargo.AdvisoryWithdrawn {
			out = append(out, a)
		}
	}
	return out
}

func newestFirst(advs []embargo.Advisory) []embargo.Advisory {
	out := append([]embargo.Advisory(nil), advs...)
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Published.Equal(out[j].Published) {
			return out[i].Published.After(out[j].Published)
		}
		return out[i].Ref > out[j].Ref
	})
	return out
}

// HallOfFame gathers the people credited in published (not withdrawn)
// advisories, most advisories first: only those who chose to be named are
// in an advisory's credits at all.
func HallOfFame(advs []embargo.Advisory) []Credited {
	index := map[string]int{}
	var out []Credited
	for _, a := range newestFirst(advs) {
		if a.State != embargo.AdvisoryPublished {
			continue
		}
		for _, c := range a.Credits {
			if c.Type == "TOOL" || c.Type == "SPONSOR" {
				continue
			}
			key := strings.ToLower(c.Name)
			i, ok := index[key]
			if !ok {
				i = len(out)
				index[key] = i
				out = append(out, Credited{Name: c.Name, Contact: c.Contact})
			}
			if n := len(out[i].Advisories); n == 0 || out[i].Advisories[n-1].Ref != a.Ref {
				out[i].Advisories = append(out[i].Advisories, a)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i].Advisories) != len(out[j].Advisories) {
			return len(out[i].Advisories) > len(out[j].Advisories)
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}
