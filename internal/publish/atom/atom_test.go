package atom

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

var update = flag.Bool("update", false, "rewrite the golden file testdata/golden/feed.atom")

var testPub = embargo.Publisher{
	Name:         "Virtrigaud",
	Namespace:    "https://virtrigaud.example.org",
	BaseURL:      "https://virtrigaud.example.org/advisories/",
	ContactEmail: "security@virtrigaud.example.org",
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixtures: published advisories (one updated after the others were
// published, one whose summary needs escaping), a withdrawal, and a draft
// and a scheduled advisory that stay out of the feed.
func fixtures() []embargo.Advisory {
	return []embargo.Advisory{
		{
			Ref: "VIRT-2026-0001", State: embargo.AdvisoryPublished, Severity: "critical",
			Summary:   "Command injection in the VM provisioning API",
			Published: at("2026-03-02T11:00:00.5+01:00"), Modified: at("2026-03-02T10:00:00Z"), Version: 1,
		},
		{
			Ref: "VIRT-2026-0002", State: embargo.AdvisoryPublished, Severity: "medium",
			Summary:   "Stored XSS: <script> & \"quotes\" in the\ndashboard's VM notes",
			Published: at("2026-04-01T00:00:00Z"), Modified: at("2026-04-01T00:00:00Z"), Version: 1,
		},
		{
			Ref: "VIRT-2026-0003", State: embargo.AdvisoryWithdrawn, Severity: "high",
			Summary:   "Path traversal in snapshot export",
			Published: at("2026-02-01T09:00:00Z"), Modified: at("2026-02-10T09:00:00Z"), Withdrawn: at("2026-02-10T09:00:00Z"), Version: 2,
		},
		{Ref: "VIRT-2026-0004", State: embargo.AdvisoryDraft, Summary: "Draft"},
		{Ref: "VIRT-2026-0005", State: embargo.AdvisoryScheduled, Summary: "Scheduled", DisclosesAt: at("2026-06-01T00:00:00Z")},
	}
}

// The reading side: the feed as RFC 4287 defines it, decoded by
// encoding/xml into structs of the test's own.
type atomFeed struct {
	XMLName xml.Name   `xml:"feed"`
	IDs     []string   `xml:"id"`
	Titles  []atomText `xml:"title"`
	Updated []string   `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Authors []struct {
		Name  string `xml:"name"`
		URI   string `xml:"uri"`
		Email string `xml:"email"`
	} `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	IDs        []string   `xml:"id"`
	Titles     []atomText `xml:"title"`
	Updated    []string   `xml:"updated"`
	Published  []string   `xml:"published"`
	Links      []atomLink `xml:"link"`
	Summary    atomText   `xml:"summary"`
	Content    atomText   `xml:"content"`
	Categories []struct {
		Term  string `xml:"term,attr"`
		Label string `xml:"label,attr"`
	} `xml:"category"`
}

// read decodes a feed and checks what RFC 4287 requires of it.
func read(t *testing.T, b []byte) atomFeed {
	t.Helper()
	var f atomFeed
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if f.XMLName.Space != Namespace || f.XMLName.Local != "feed" {
		t.Errorf("root element %v, want {%s}feed", f.XMLName, Namespace)
	}
	iri := func(what, s string) {
		if u, err := url.Parse(s); err != nil || !u.IsAbs() {
			t.Errorf("%s %q is not an absolute IRI", what, s)
		}
	}
	date := func(what, s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Errorf("%s %q is not an RFC 3339 date-time: %v", what, s, err)
		}
		return d
	}
	// 4.1.1: exactly one id, title and updated; an author, as the entries
	// have none; one self link; at most one alternate per type.
	if len(f.IDs) != 1 || len(f.Titles) != 1 || len(f.Updated) != 1 {
		t.Fatalf("feed has %d ids, %d titles, %d updated: want one each", len(f.IDs), len(f.Titles), len(f.Updated))
	}
	iri("feed id", f.IDs[0])
	feedUpdated := date("feed updated", f.Updated[0])
	if strings.TrimSpace(f.Titles[0].Body) == "" {
		t.Error("the feed title is empty")
	}
	if len(f.Authors) != 1 || f.Authors[0].Name == "" {
		t.Errorf("feed authors %+v: the entries have no author, so the feed needs one", f.Authors)
	}
	rels := map[string]int{}
	for _, l := range f.Links {
		rels[l.Rel+" "+l.Type]++
		iri("link", l.Href)
	}
	if rels["self application/atom+xml"] != 1 || rels["alternate text/html"] != 1 {
		t.Errorf("feed links %+v", f.Links)
	}
	// 4.1.2: each entry exactly one id, title, updated; ids unique.
	seen := map[string]bool{}
	for i, e := range f.Entries {
		if len(e.IDs) != 1 || len(e.Titles) != 1 || len(e.Updated) != 1 {
			t.Fatalf("entry %d has %d ids, %d titles, %d updated: want one each", i, len(e.IDs), len(e.Titles), len(e.Updated))
		}
		iri("entry id", e.IDs[0])
		if seen[e.IDs[0]] {
			t.Errorf("entry id %s repeated", e.IDs[0])
		}
		seen[e.IDs[0]] = true
		u := date("entry updated", e.Updated[0])
		if u.After(feedUpdated) {
			t.Errorf("entry %s updated %s after the feed's %s", e.IDs[0], u, feedUpdated)
		}
		if len(e.Published) > 1 {
			t.Errorf("entry %s has %d published dates", e.IDs[0], len(e.Published))
		}
		for _, p := range e.Published {
			if pd := date("entry published", p); pd.After(u) {
				t.Errorf("entry %s published %s after its update %s", e.IDs[0], pd, u)
			}
		}
		if len(e.Links) != 1 || e.Links[0].Rel != "alternate" || e.Links[0].Href != e.IDs[0] {
			t.Errorf("entry %s links %+v", e.IDs[0], e.Links)
		}
		if e.Summary.Type != "text" || e.Content.Type != "html" || !strings.HasPrefix(e.Content.Body, "<p>") {
			t.Errorf("entry %s summary %+v, content %+v", e.IDs[0], e.Summary, e.Content)
		}
	}
	return f
}

func TestFeedGolden(t *testing.T) {
	b, err := Feed(fixtures(), testPub)
	if err != nil {
		t.Fatal(err)
	}
	f := read(t, b)
	path := filepath.Join("testdata", "golden", "feed.atom")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("feed differs from its golden file (-want +got):\n%s", diff)
	}

	var ids, titles []string
	for _, e := range f.Entries {
		ids = append(ids, strings.TrimPrefix(e.IDs[0], "https://virtrigaud.example.org/advisories/"))
		titles = append(titles, e.Titles[0].Body)
	}
	if diff := cmp.Diff([]string{"VIRT-2026-0002.html", "VIRT-2026-0001.html", "VIRT-2026-0003.html"}, ids); diff != "" {
		t.Errorf("entries, newest modification first (-want +got):\n%s", diff)
	}
	if titles[2] != "VIRT-2026-0003: Path traversal in snapshot export (withdrawn)" {
		t.Errorf("withdrawn entry titled %q", titles[2])
	}
	if f.Updated[0] != "2026-04-01T00:00:00Z" || f.IDs[0] != "https://virtrigaud.example.org/advisories/feed.atom" {
		t.Errorf("feed id %s, updated %s", f.IDs[0], f.Updated[0])
	}
	// The summary is plain text; the content is the escaped HTML paragraph.
	xss := f.Entries[0]
	if xss.Summary.Body != `Stored XSS: <script> & "quotes" in the dashboard's VM notes` {
		t.Errorf("summary %q", xss.Summary.Body)
	}
	if xss.Content.Body != `<p>Stored XSS: &lt;script&gt; &amp; &#34;quotes&#34; in the dashboard&#39;s VM notes</p>` {
		t.Errorf("content %q", xss.Content.Body)
	}
	if c := xss.Categories; len(c) != 1 || c[0].Term != "medium" {
		t.Errorf("categories %+v", c)
	}
}

func TestFeedUpdateMovesEntryFirst(t *testing.T) {
	before := fixtures()
	after := fixtures()
	after[0].Modified = at("2026-05-01T12:00:00Z")
	after[0].Version = 2
	b0, err := Feed(before, testPub)
	if err != nil {
		t.Fatal(err)
	}
	b1, err := Feed(after, testPub)
	if err != nil {
		t.Fatal(err)
	}
	f0, f1 := read(t, b0), read(t, b1)
	const id = "https://virtrigaud.example.org/advisories/VIRT-2026-0001.html"
	if f0.Entries[0].IDs[0] == id {
		t.Fatal("the advisory is first before its update")
	}
	if e := f1.Entries[0]; e.IDs[0] != id || e.Updated[0] != "2026-05-01T12:00:00Z" || e.Published[0] != "2026-03-02T10:00:00Z" {
		t.Errorf("after the update the first entry is %s updated %s published %v", e.IDs[0], e.Updated[0], e.Published)
	}
	if f1.Updated[0] != "2026-05-01T12:00:00Z" {
		t.Errorf("feed updated %s, want the update's date", f1.Updated[0])
	}
	if len(f1.Entries) != len(f0.Entries) {
		t.Errorf("%d entries after the update, %d before", len(f1.Entries), len(f0.Entries))
	}
}

func TestFeedEmptyAndErrors(t *testing.T) {
	b, err := Feed(nil, testPub)
	if err != nil {
		t.Fatal(err)
	}
	if f := read(t, b); len(f.Entries) != 0 || f.Updated[0] != "1970-01-01T00:00:00Z" {
		t.Errorf("empty feed: %d entries, updated %s", len(f.Entries), f.Updated[0])
	}
	for _, tt := range []struct {
		name  string
		advs  []embargo.Advisory
		pub   embargo.Publisher
		inErr string
	}{
		{"no base URL", fixtures(), embargo.Publisher{Name: "X"}, "BaseURL"},
		{"relative base URL", fixtures(), embargo.Publisher{Name: "X", BaseURL: "/advisories"}, "BaseURL"},
		{"no name", fixtures(), embargo.Publisher{BaseURL: "https://x.example"}, "no name"},
		{"no ref", []embargo.Advisory{{State: embargo.AdvisoryPublished, Published: at("2026-01-01T00:00:00Z")}}, testPub, "no Ref"},
		{"no publication date", []embargo.Advisory{{Ref: "X-1", State: embargo.AdvisoryPublished}}, testPub, "no publication date"},
	} {
		_, err := Feed(tt.advs, tt.pub)
		if !errors.Is(err, embargo.ErrInvalid) || !strings.Contains(err.Error(), tt.inErr) {
			t.Errorf("%s: %v, want an Invalid error containing %q", tt.name, err, tt.inErr)
		}
	}
}

func TestFeedIsDeterministic(t *testing.T) {
	// Ties in modification date are broken by Ref, whatever the input order.
	advs := fixtures()
	advs[0].Modified, advs[2].Modified = advs[1].Modified, advs[1].Modified
	first, err := Feed(advs, testPub)
	if err != nil {
		t.Fatal(err)
	}
	reversed := append([]embargo.Advisory(nil), advs...)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	again, err := Feed(reversed, testPub)
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != string(again) {
		t.Error("the feed depends on the order of its input")
	}
}

// BenchmarkFeed10k writes the feed of 10,000 advisories, against a
// baseline that only json.Marshals the same slice.
func BenchmarkFeed10k(b *testing.B) {
	base := fixtures()[0]
	advs := make([]embargo.Advisory, 10000)
	for i := range advs {
		a := base
		a.Ref = fmt.Sprintf("VIRT-2026-%05d", i+1)
		a.Modified = a.Modified.Add(time.Duration(i*7919%10000) * time.Minute)
		advs[i] = a
	}
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(advs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Feed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Feed(advs, testPub); err != nil {
				b.Fatal(err)
			}
		}
	})
}
