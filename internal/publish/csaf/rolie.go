package csaf

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/jsonfrag"
)

// The provider metadata (CSAF 2.0 section 7.1.7) and the ROLIE documents
// (RFC 8322, CSAF 2.0 sections 7.1.15 to 7.1.17).

type providerMeta struct {
	CanonicalURL            string            `json:"canonical_url"`
	Distributions           []pmdDistribution `json:"distributions"`
	LastUpdated             string            `json:"last_updated"`
	ListOnCSAFAggregators   bool              `json:"list_on_CSAF_aggregators"`
	MetadataVersion         string            `json:"metadata_version"`
	MirrorOnCSAFAggregators bool              `json:"mirror_on_CSAF_aggregators"`
	PublicOpenPGPKeys       []pgpKey          `json:"public_openpgp_keys,omitempty"`
	Publisher               publisher         `json:"publisher"`
	Role                    string            `json:"role"`
}

type pmdDistribution struct {
	DirectoryURL string `json:"directory_url"`
	ROLIE        rolie  `json:"rolie"`
}

type rolie struct {
	Categories []string    `json:"categories"`
	Feeds      []rolieFeed `json:"feeds"`
	Services   []string    `json:"services"`
}

type rolieFeed struct {
	Summary  string `json:"summary"`
	TLPLabel string `json:"tlp_label"`
	URL      string `json:"url"`
}

type pgpKey struct {
	Fingerprint string `json:"fingerprint"`
	URL         string `json:"url"`
}

// providerMetadata describes the provider: one distribution, both as a
// directory (index.txt, changes.csv, year folders) and as a ROLIE feed.
func providerMetadata(pub embargo.Publisher, pb publisher, keys []pgpKey, updated time.Time) providerMeta {
	b := base(pub)
	role := "csaf_provider"
	if len(keys) > 0 {
		role = "csaf_trusted_provider"
	}
	return providerMeta{
		CanonicalURL: b + "/" + ProviderMetadataPath,
		Distributions: []pmdDistribution{{
			DirectoryURL: b + "/" + distDir + "/",
			ROLIE: rolie{
				Categories: []string{b + "/" + distDir + "/" + categoryName},
				Feeds:      []rolieFeed{{Summary: "All TLP:WHITE advisories of " + pb.Name + ".", TLPLabel: tlpLabel, URL: b + "/" + distDir + "/" + feedName}},
				Services:   []string{b + "/" + wellKnown + "/service.json"},
			},
		}},
		LastUpdated:             timestamp(updated),
		ListOnCSAFAggregators:   true,
		MetadataVersion:         csafVersion,
		MirrorOnCSAFAggregators: true,
		PublicOpenPGPKeys:       keys,
		Publisher:               pb,
		Role:                    role,
	}
}

type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

type category struct {
	Scheme string `json:"scheme,omitempty"`
	Term   string `json:"term"`
}

// csafCategory is the ROLIE information type every CSAF feed carries.
var csafCategory = category{Scheme: "urn:ietf:params:rolie:category:information-type", Term: "csaf"}

type feedDocument struct {
	Feed feedData `json:"feed"`
}

type feedData struct {
	ID       string      `json:"id"`
	Title    string      `json:"title"`
	Link     []link      `json:"link"`
	Category []category  `json:"category"`
	Updated  string      `json:"updated"`
	Entry    []feedEntry `json:"entry"`
}

type feedEntry struct {
	ID        string       `json:"id"`
	Title     string       `json:"title"`
	Link      []link       `json:"link"`
	Published string       `json:"published"`
	Updated   string       `json:"updated"`
	Summary   *feedSummary `json:"summary,omitempty"`
	Content   feedContent  `json:"content"`
	Format    feedFormat   `json:"format"`
}

type feedSummary struct {
	Content string `json:"content"`
}

type feedContent struct {
	Type string `json:"type"`
	Src  string `json:"src"`
}

type feedFormat struct {
	Schema  string `json:"schema"`
	Version string `json:"version"`
}

func feedTitle(pub embargo.Publisher) string { return pub.Name + " CSAF feed (TLP:WHITE)" }

var feedIDUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// feedID names the feed after the publisher, in the characters the ROLIE
// feed schema allows: "virtrigaud-csaf-feed-tlp-white".
func feedID(pub embargo.Publisher) string {
	slug := strings.Trim(feedIDUnsafe.ReplaceAllString(strings.ToLower(pub.Name), "-"), "-")
	if slug == "" {
		return "csaf-feed-tlp-white"
	}
	return slug + "-csaf-feed-tlp-white"
}

// feed is the ROLIE feed of all documents, newest change first, each with
// its hash and signature files (CSAF 2.0 requirement 15): the feed encoded
// around the entries each document keeps.
func feed(pub embargo.Publisher, entries []*Entry, updated time.Time) ([]byte, error) {
	b := base(pub)
	f := feedData{
		ID:       feedID(pub),
		Title:    feedTitle(pub),
		Link:     []link{{Rel: "self", Href: b + "/" + distDir + "/" + feedName}},
		Category: []category{csafCategory},
		Updated:  timestamp(updated),
		Entry:    []feedEntry{},
	}
	doc, err := jsonfrag.Marshal(feedDocument{Feed: f})
	if err != nil {
		return nil, err
	}
	elems := make([][]byte, len(entries))
	for i, e := range entries {
		elems[i] = e.feedEntry
	}
	return jsonfrag.Splice(doc, "entry", elems, feedEntryDepth)
}

// feedEntryDepth is the depth of the feed's entries: feed, entry, element.
const feedEntryDepth = 3

// feedEntryOf is the feed entry of an encoded document.
func feedEntryOf(pub embargo.Publisher, e *Entry) feedEntry {
	u := base(pub) + "/" + e.path
	links := []link{{Rel: "self", Href: u}, {Rel: "hash", Href: u + ".sha256"}, {Rel: "hash", Href: u + ".sha512"}}
	if e.sig != nil {
		links = append(links, link{Rel: "signature", Href: u + ".asc"})
	}
	return feedEntry{
		ID: e.id, Title: e.title, Link: links,
		Published: timestamp(e.published), Updated: timestamp(e.current),
		Summary: &feedSummary{Content: e.summary},
		Content: feedContent{Type: "application/json", Src: u},
		Format:  feedFormat{Schema: schemaURL, Version: csafVersion},
	}
}

type serviceDoc struct {
	Service struct {
		Workspace []workspace `json:"workspace"`
	} `json:"service"`
}

type workspace struct {
	Title      string       `json:"title"`
	Collection []collection `json:"collection"`
}

type collection struct {
	Title      string `json:"title"`
	Href       string `json:"href"`
	Categories struct {
		Category []category `json:"category"`
	} `json:"categories"`
}

// serviceDocument lists the feed (CSAF 2.0 requirement 16).
func serviceDocument(pub embargo.Publisher) serviceDoc {
	c := collection{Title: feedTitle(pub), Href: base(pub) + "/" + distDir + "/" + feedName}
	c.Categories.Category = []category{csafCategory}
	var s serviceDoc
	s.Service.Workspace = []workspace{{Title: "Public CSAF feed", Collection: []collection{c}}}
	return s
}

type categoryDoc struct {
	Categories struct {
		Category []category `json:"category"`
	} `json:"categories"`
}

// categories dissects the feed by document category, vendor and product
// (CSAF 2.0 requirement 17): the terms are the document category, the
// publisher and the affected packages, sorted.
func categories(vendor string, entries []*Entry) categoryDoc {
	terms := map[string]bool{"csaf_security_advisory": true, vendor: true}
	for _, e := range entries {
		for _, p := range e.packages {
			terms[p] = true
		}
	}
	var c categoryDoc
	c.Categories.Category = []category{}
	for _, t := range slices.Sorted(maps.Keys(terms)) {
		c.Categories.Category = append(c.Categories.Category, category{Term: t})
	}
	return c
}
