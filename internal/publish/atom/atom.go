// Package atom writes the Atom feed (RFC 4287) of a project's advisories.
//
// Feed lists the published and withdrawn advisories, the most recently
// modified first, so that a changed advisory comes back to the top of
// readers. It is a pure function of its arguments: the same input gives the
// same bytes.
//
// Identifiers are URLs under Publisher.BaseURL, which must therefore stay
// put: the feed's id is its own address (BaseURL/feed.atom) and each
// entry's id is its advisory's page (BaseURL/<Ref>.html), so an update of
// an advisory keeps its entry id and changes its updated date. The feed's
// updated date is the latest modification of its entries; a feed without
// entries has the Unix epoch, since the function reads no clock.
package atom

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Namespace is the Atom XML namespace.
const Namespace = "http://www.w3.org/2005/Atom"

type feed struct {
	XMLName   xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string   `xml:"id"`
	Title     string   `xml:"title"`
	Updated   string   `xml:"updated"`
	Links     []link   `xml:"link"`
	Author    person   `xml:"author"`
	Generator string   `xml:"generator"`
	Entries   []entry  `xml:"entry"`
}

type link struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type person struct {
	Name  string `xml:"name"`
	URI   string `xml:"uri,omitempty"`
	Email string `xml:"email,omitempty"`
}

type entry struct {
	ID        string    `xml:"id"`
	Title     string    `xml:"title"`
	Updated   string    `xml:"updated"`
	Published string    `xml:"published"`
	Link      link      `xml:"link"`
	Category  *category `xml:"category"`
	Summary   text      `xml:"summary"`
	Content   text      `xml:"content"`
}

type category struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type text struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// Feed encodes the Atom feed of the published and withdrawn advisories in
// advs (drafts and scheduled ones are left out), newest modification
// first, as UTF-8 XML ending in a newline.
//
// It returns an Invalid-kind error when the publisher has no Name (the
// feed's author) or no absolute BaseURL (the feed's and entries' ids), or
// when a public advisory has no Ref or no publication date.
func Feed(advs []embargo.Advisory, pub embargo.Publisher) ([]byte, error) {
	fail := func(format string, args ...any) error {
		return embargo.Errorf(embargo.KindInvalid, "atom.Feed: %s", fmt.Sprintf(format, args...))
	}
	base := strings.TrimRight(strings.TrimSpace(pub.BaseURL), "/")
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fail("the publisher's BaseURL %q is not an absolute URL", pub.BaseURL)
	}
	name := strings.Join(strings.Fields(pub.Name), " ")
	if name == "" {
		return nil, fail("the publisher has no name to be the feed's author")
	}

	var public []embargo.Advisory
	for _, a := range advs {
		if a.State != embargo.AdvisoryPublished && a.State != embargo.AdvisoryWithdrawn {
			continue
		}
		if strings.TrimSpace(a.Ref) == "" {
			return nil, fail("a public advisory has no Ref")
		}
		if a.Published.IsZero() {
			return nil, fail("advisory %s has no publication date", a.Ref)
		}
		public = append(public, a)
	}
	slices.SortStableFunc(public, func(x, y embargo.Advisory) int {
		if c := modified(y).Compare(modified(x)); c != 0 {
			return c
		}
		return strings.Compare(x.Ref, y.Ref)
	})

	updated := time.Unix(0, 0)
	if len(public) > 0 {
		updated = modified(public[0])
	}
	f := feed{
		ID:      base + "/feed.atom",
		Title:   name + " security advisories",
		Updated: stamp(updated),
		Links: []link{
			{Rel: "self", Type: "application/atom+xml", Href: base + "/feed.atom"},
			{Rel: "alternate", Type: "text/html", Href: base + "/"},
		},
		Author:    person{Name: name, URI: strings.TrimSpace(pub.Namespace), Email: strings.TrimSpace(pub.ContactEmail)},
		Generator: "Embargo",
	}
	for _, a := range public {
		f.Entries = append(f.Entries, entryOf(a, base))
	}

	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("atom.Feed: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// entryOf is the entry of one advisory.
func entryOf(a embargo.Advisory, base string) entry {
	page := base + "/" + url.PathEscape(a.Ref) + ".html"
	summary := strings.Join(strings.Fields(a.Summary), " ")
	title := a.Ref
	if summary != "" {
		title += ": " + summary
	}
	content := "<p>" + html.EscapeString(summary) + "</p>"
	if a.State == embargo.AdvisoryWithdrawn {
		title += " (withdrawn)"
		when := a.Withdrawn
		if when.IsZero() {
			when = modified(a)
		}
		content += "<p>This advisory was withdrawn on " + when.UTC().Format("2006-01-02") + ".</p>"
	}
	e := entry{
		ID:        page,
		Title:     title,
		Updated:   stamp(modified(a)),
		Published: stamp(a.Published),
		Link:      link{Rel: "alternate", Type: "text/html", Href: page},
		Summary:   text{Type: "text", Body: summary},
		Content:   text{Type: "html", Body: content},
	}
	if s := strings.TrimSpace(a.Severity); s != "" {
		e.Category = &category{Term: strings.ToLower(s), Label: "Severity: " + s}
	}
	return e
}

// modified is when the advisory last changed: its Modified date, never
// before its publication.
func modified(a embargo.Advisory) time.Time {
	if a.Modified.Before(a.Published) {
		return a.Published
	}
	return a.Modified
}

// stamp formats an instant as an RFC 3339 date-time in UTC, whole seconds.
func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}
