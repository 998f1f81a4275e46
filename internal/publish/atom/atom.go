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
	var entries []*Entry
	for _, a := range advs {
		if a.State != embargo.AdvisoryPublished && a.State != embargo.AdvisoryWithdrawn {
			continue
		}
		e, err := Encode(a, pub)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return Assemble(entries, pub)
}

// Entry is one advisory's entry of the feed, encoded once and kept.
type Entry struct {
	ref      string
	modified time.Time
	xml      []byte
}

func fail(format string, args ...any) error {
	return embargo.Errorf(embargo.KindInvalid, "atom.Feed: %s", fmt.Sprintf(format, args...))
}

// baseOf is the publisher's BaseURL without a trailing slash, or an error
// when it is not absolute.
func baseOf(pub embargo.Publisher) (string, error) {
	base := strings.TrimRight(strings.TrimSpace(pub.BaseURL), "/")
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return "", fail("the publisher's BaseURL %q is not an absolute URL", pub.BaseURL)
	}
	return base, nil
}

// Encode encodes the entry of a public advisory, indented as it stands in
// the feed. Its errors are Feed's.
func Encode(a embargo.Advisory, pub embargo.Publisher) (*Entry, error) {
	base, err := baseOf(pub)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(a.Ref) == "" {
		return nil, fail("a public advisory has no Ref")
	}
	if a.Published.IsZero() {
		return nil, fail("advisory %s has no publication date", a.Ref)
	}
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	enc.Indent("  ", "  ") // an element of the feed
	if err := enc.Encode(entryOf(a, base)); err != nil {
		return nil, fmt.Errorf("atom.Feed: %w", err)
	}
	return &Entry{ref: a.Ref, modified: modified(a), xml: buf.Bytes()}, nil
}

// Assemble writes the feed of encoded entries (whose Refs the caller keeps
// distinct), newest modification first. Its errors are Feed's.
func Assemble(entries []*Entry, pub embargo.Publisher) ([]byte, error) {
	base, err := baseOf(pub)
	if err != nil {
		return nil, err
	}
	name := strings.Join(strings.Fields(pub.Name), " ")
	if name == "" {
		return nil, fail("the publisher has no name to be the feed's author")
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(x, y *Entry) int {
		if c := y.modified.Compare(x.modified); c != 0 {
			return c
		}
		return strings.Compare(x.ref, y.ref)
	})
	updated := time.Unix(0, 0)
	if len(entries) > 0 {
		updated = entries[0].modified
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
	var head bytes.Buffer
	enc := xml.NewEncoder(&head)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("atom.Feed: %w", err)
	}
	// The entries go before the feed's end tag, each on its own lines.
	const end = "\n</feed>"
	h := head.Bytes()
	if !bytes.HasSuffix(h, []byte(end)) {
		return nil, fmt.Errorf("atom.Feed: the feed does not end in %q", end)
	}
	size := len(xml.Header) + len(h) + 1
	for _, e := range entries {
		size += len(e.xml) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, xml.Header...)
	out = append(out, h[:len(h)-len(end)]...)
	for _, e := range entries {
		out = append(out, '\n')
		out = append(out, e.xml...)
	}
	out = append(out, end...)
	return append(out, '\n'), nil
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
