package openvex

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

type document struct {
	Context    string      `json:"@context"`
	ID         string      `json:"@id"`
	Author     string      `json:"author"`
	Timestamp  string      `json:"timestamp"`
	Version    int         `json:"version"`
	Tooling    string      `json:"tooling"`
	Statements []statement `json:"statements"`
}

type statement struct {
	Vulnerability   vulnerability `json:"vulnerability"`
	Products        []product     `json:"products"`
	Status          string        `json:"status"`
	StatusNotes     string        `json:"status_notes,omitempty"`
	ImpactStatement string        `json:"impact_statement,omitempty"`
	ActionStatement string        `json:"action_statement,omitempty"`
}

type vulnerability struct {
	ID          string   `json:"@id,omitempty"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
}

type product struct {
	ID          string            `json:"@id,omitempty"`
	Identifiers map[string]string `json:"identifiers"`
}

// refRE is what an advisory Ref must look like to name a file.
var refRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Document encodes a published or withdrawn advisory as an OpenVEX 0.2.0
// document, indented JSON ending in a newline (see the package comment for
// the statements it makes).
//
// It returns an Invalid-kind error when the advisory is not public or has
// no publication date, when its Ref cannot name a file, when it has no
// affected package, or when the publisher has no Name (the author) or no
// BaseURL (the document's @id).
func Document(a embargo.Advisory, pub embargo.Publisher) ([]byte, error) {
	d, err := build(a, pub)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openvex.Document(%s): %w", a.Ref, err)
	}
	return append(b, '\n'), nil
}

func build(a embargo.Advisory, pub embargo.Publisher) (*document, error) {
	fail := func(format string, args ...any) error {
		return embargo.Errorf(embargo.KindInvalid, "openvex.Document(%s): %s", a.Ref, fmt.Sprintf(format, args...))
	}
	base := strings.TrimRight(strings.TrimSpace(pub.BaseURL), "/")
	switch {
	case a.State != embargo.AdvisoryPublished && a.State != embargo.AdvisoryWithdrawn:
		return nil, fail("the advisory is %s, not public", a.State)
	case a.Published.IsZero():
		return nil, fail("no publication date")
	case !refRE.MatchString(a.Ref):
		return nil, fail("the advisory id %q cannot name a file", a.Ref)
	case strings.TrimSpace(pub.Name) == "":
		return nil, fail("the publisher has no name to be the author")
	case base == "":
		return nil, fail("the publisher has no BaseURL for the document's @id")
	case len(packages(a)) == 0:
		return nil, fail("no affected package")
	}
	modified := a.Modified
	if modified.IsZero() || modified.Before(a.Published) {
		modified = a.Published
	}
	version := a.Version
	if version < 1 {
		version = 1
	}
	page := base + "/" + url.PathEscape(a.Ref) + ".html"
	d := &document{
		Context:   Context,
		ID:        base + "/openvex/" + url.PathEscape(a.Ref) + ".json",
		Author:    strings.TrimSpace(pub.Name),
		Timestamp: stamp(modified),
		Version:   version,
		Tooling:   "Embargo",
	}
	vuln := vulnerabilityOf(a, page)
	if a.State == embargo.AdvisoryWithdrawn {
		withdrawn := a.Withdrawn
		if withdrawn.IsZero() {
			withdrawn = modified
		}
		var prods []product
		for _, ap := range packages(a) {
			prods = append(prods, product{Identifiers: map[string]string{"purl": purl(ap.Ecosystem, ap.Package, "")}})
		}
		d.Statements = []statement{{
			Vulnerability:   vuln,
			Products:        prods,
			Status:          "not_affected",
			ImpactStatement: withdrawalText(a, withdrawn),
		}}
		return d, nil
	}
	for _, ap := range packages(a) {
		d.Statements = append(d.Statements, statements(vuln, ap, page)...)
	}
	return d, nil
}

// packages are the affected packages that have a name.
func packages(a embargo.Advisory) []embargo.AffectedProduct {
	var out []embargo.AffectedProduct
	for _, ap := range a.Affected {
		if strings.TrimSpace(ap.Package) != "" {
			out = append(out, ap)
		}
	}
	return out
}

// vulnerabilityOf names the vulnerability: its CVE id, else the advisory's
// Ref, with every other id as an alias.
func vulnerabilityOf(a embargo.Advisory, page string) vulnerability {
	v := vulnerability{ID: page, Name: a.Ref, Description: strings.Join(strings.Fields(a.Summary), " ")}
	ids := append([]string{a.Ref}, a.Aliases...)
	if a.CVE != "" {
		v.Name = a.CVE
	}
	seen := map[string]bool{v.Name: true}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			v.Aliases = append(v.Aliases, id)
		}
	}
	return v
}

// statements says which versions of one package are affected and which
// fix it.
func statements(vuln vulnerability, ap embargo.AffectedProduct, page string) []statement {
	pkg := purl(ap.Ecosystem, ap.Package, "")
	ver := func(v string) string { // a version as its purl writes it
		if ap.Ecosystem == "Go" && v != "0" && v != "" && v[0] >= '0' && v[0] <= '9' {
			return "v" + v
		}
		return v
	}
	var notes, fixes, unfixed []string
	var fixed []product
	seenRange := map[embargo.Range]bool{}
	seen := map[string]bool{}
	for _, r := range ap.Ranges {
		intro, fix := strings.TrimSpace(r.Introduced), strings.TrimSpace(r.Fixed)
		if intro == "" {
			intro = "0"
		}
		if seenRange[embargo.Range{Introduced: intro, Fixed: fix}] {
			continue
		}
		seenRange[embargo.Range{Introduced: intro, Fixed: fix}] = true
		switch {
		case fix == "" && intro == "0":
			notes = append(notes, "every version, not fixed yet")
			unfixed = append(unfixed, "any version")
			continue
		case fix == "":
			notes = append(notes, ver(intro)+" and later, not fixed yet")
			unfixed = append(unfixed, "versions from "+ver(intro))
			continue
		case intro == "0":
			notes = append(notes, "before "+ver(fix))
			fixes = append(fixes, ver(fix)+" for versions before it")
		default:
			notes = append(notes, ver(intro)+" up to but not including "+ver(fix))
			fixes = append(fixes, ver(fix)+" for versions from "+ver(intro))
		}
		if p := purl(ap.Ecosystem, ap.Package, fix); !seen[p] {
			seen[p] = true
			fixed = append(fixed, product{ID: p, Identifiers: map[string]string{"purl": p}})
		}
	}
	name := strings.TrimSpace(ap.Package)
	action := ""
	if len(fixes) > 0 {
		action = "Update " + name + " to a fixed version: " + strings.Join(fixes, "; ") + "."
	}
	if len(unfixed) > 0 {
		action = strings.TrimSpace(action + " No fix exists yet for " + strings.Join(unfixed, " or ") + "; see the advisory for mitigations.")
	}
	if action == "" {
		action = "See the advisory."
	}
	affected := statement{
		Vulnerability:   vuln,
		Products:        []product{{Identifiers: map[string]string{"purl": pkg}}},
		Status:          "affected",
		StatusNotes:     "Affected versions of " + name + ": " + strings.Join(notes, "; ") + ".",
		ActionStatement: action + " " + page,
	}
	if len(ap.Ranges) == 0 {
		affected.StatusNotes = "No affected version range is known for " + name + "."
	}
	out := []statement{affected}
	if len(fixed) > 0 {
		out = append(out, statement{Vulnerability: vuln, Products: fixed, Status: "fixed"})
	}
	return out
}

// withdrawalText says when the advisory was withdrawn and, when its last
// revision gives one ("Withdrawn: …"), why.
func withdrawalText(a embargo.Advisory, when time.Time) string {
	text := "Advisory " + a.Ref + " was withdrawn on " + when.UTC().Format("2006-01-02") + ": the products are not affected by it."
	if n := len(a.Revisions); n > 0 {
		s := strings.TrimSpace(a.Revisions[n-1].Summary)
		const w = "withdrawn"
		if len(s) > len(w) && strings.EqualFold(s[:len(w)], w) {
			if reason := strings.TrimSpace(strings.TrimLeft(s[len(w):], ":-– ")); reason != "" {
				text += " Reason: " + reason
				if !strings.ContainsAny(reason[len(reason)-1:], ".!?") {
					text += "."
				}
			}
		}
	}
	return text
}

// stamp formats an instant as RFC 3339 in UTC, whole seconds.
func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}
