package csaf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/cwe"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Document encodes a published or withdrawn advisory as a CSAF 2.0
// document (profile csaf_security_advisory, TLP:WHITE), indented JSON
// ending in a newline. Its self reference is the URL where Files puts it
// under pub.BaseURL. It returns an error when the advisory is not public
// (a draft or scheduled one, or no publication date), has no summary, when
// its revisions are not numbered 1, 2, … up to its Version, when the
// publisher has neither Namespace nor BaseURL, or when its CVE id or CVSS
// v3 vector is malformed.
func Document(a embargo.Advisory, pub embargo.Publisher) ([]byte, error) {
	d, err := buildDocument(a, pub)
	if err != nil {
		return nil, err
	}
	return marshal(d)
}

// marshal writes v as indented JSON with a final newline, leaving <, >
// and & as they are (the documents are data, not HTML). It encodes
// compactly first and indents into a buffer sized once, which is about
// twice as fast as an indenting json.Encoder on large documents.
func marshal(v any) ([]byte, error) {
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

var cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// buildDocument makes the document model of an advisory.
func buildDocument(a embargo.Advisory, pub embargo.Publisher) (*csafDocument, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("csaf.Document(%s): %s", a.Ref, fmt.Sprintf(format, args...))
	}
	switch {
	case a.State != embargo.AdvisoryPublished && a.State != embargo.AdvisoryWithdrawn:
		return nil, fail("the advisory is %s, not public", a.State)
	case a.Published.IsZero():
		return nil, fail("no publication date")
	case strings.TrimSpace(a.Ref) == "" || strings.ContainsAny(a.Ref, "\r\n") || strings.TrimSpace(a.Ref) != a.Ref:
		return nil, fail("the advisory id %q cannot be a CSAF tracking id", a.Ref)
	case strings.TrimSpace(a.Summary) == "":
		return nil, fail("no summary")
	case a.CVE != "" && !cveRE.MatchString(a.CVE):
		return nil, fail("%q is not a CVE id", a.CVE)
	}
	pb, err := publisherOf(pub)
	if err != nil {
		return nil, fail("%v", err)
	}
	revs, err := history(a)
	if err != nil {
		return nil, fail("%v", err)
	}
	withdrawn := a.State == embargo.AdvisoryWithdrawn
	last := revs[len(revs)-1]

	title := oneLine(a.Summary)
	notes := []note{{Category: "summary", Title: "Summary", Text: strings.TrimSpace(a.Summary)}}
	if d := strings.TrimSpace(a.Details); d != "" {
		notes = append(notes, note{Category: "details", Title: "Details", Text: d})
	}
	if withdrawn {
		title = "Withdrawn: " + title
		notes = append(notes, note{Category: "description", Title: withdrawnNote, Text: withdrawalText(a, last)})
	}

	refs := []reference{{Category: "self", Summary: "Canonical URL of this CSAF document", URL: URL(a, pub)}}
	seen := map[string]bool{}
	fixURL := ""
	for _, r := range a.References {
		u := strings.TrimSpace(r.URL)
		if u == "" || seen[r.Type+" "+u] {
			continue
		}
		seen[r.Type+" "+u] = true
		refs = append(refs, reference{Category: "external", Summary: referenceSummary(r.Type), URL: u})
		if fixURL == "" && strings.EqualFold(r.Type, "FIX") {
			fixURL = u
		}
	}

	status := "final"
	ps := buildProducts(a, pb.Name, fixURL)
	if !withdrawn && unfixed(a) {
		// A fix is still to come, so an update is: CSAF's "interim"
		// tells consumers to look again sooner.
		status = "interim"
	}

	v, err := vulnerabilityOf(a, ps)
	if err != nil {
		return nil, fail("%v", err)
	}

	d := &csafDocument{
		Document: document{
			Category:     "csaf_security_advisory",
			CSAFVersion:  csafVersion,
			Distribution: docDistribution{TLP: tlp{Label: tlpLabel}},
			Lang:         "en",
			Notes:        notes,
			Publisher:    pb,
			References:   refs,
			Title:        title,
			Tracking: tracking{
				CurrentReleaseDate: timestamp(last.Date),
				Generator:          generator{Engine: engine{Name: engineName}},
				ID:                 a.Ref,
				InitialReleaseDate: timestamp(a.Published),
				RevisionHistory:    make([]revision, len(revs)),
				Status:             status,
				Version:            strconv.Itoa(last.Number),
			},
		},
		ProductTree:     ps.tree,
		Vulnerabilities: []vulnerability{v},
	}
	if s := strings.TrimSpace(a.Severity); s != "" {
		d.Document.AggregateSeverity = &aggregateSeverity{Namespace: pb.Namespace, Text: titleCase(s)}
	}
	for i, r := range revs {
		d.Document.Tracking.RevisionHistory[i] = revision{Date: timestamp(r.Date), Number: strconv.Itoa(r.Number), Summary: oneLine(r.Summary)}
	}
	return d, nil
}

func publisherOf(pub embargo.Publisher) (publisher, error) {
	ns := strings.TrimSpace(pub.Namespace)
	if ns == "" {
		ns = strings.TrimSpace(pub.BaseURL)
	}
	if u, err := url.Parse(ns); err != nil || u.Scheme == "" || u.Host == "" {
		return publisher{}, fmt.Errorf("the publisher's namespace %q is not an absolute URL", ns)
	}
	name := strings.TrimSpace(pub.Name)
	if name == "" {
		return publisher{}, errors.New("the publisher has no name")
	}
	p := publisher{Category: "vendor", Name: name, Namespace: ns}
	if e := strings.TrimSpace(pub.ContactEmail); e != "" {
		p.ContactDetails = "Email: " + e
	}
	return p, nil
}

// history returns the advisory's revisions in order, checked to be
// numbered 1, 2, … (CSAF's integer versioning) up to its Version. An
// advisory without any is at revision 1, its publication; a withdrawn one
// whose revisions stop before its withdrawal gets one more for it.
func history(a embargo.Advisory) ([]embargo.AdvisoryRevision, error) {
	revs := slices.Clone(a.Revisions)
	slices.SortStableFunc(revs, func(x, y embargo.AdvisoryRevision) int { return x.Number - y.Number })
	if len(revs) == 0 {
		revs = []embargo.AdvisoryRevision{{Number: 1, Date: a.Published, Summary: "Initial release"}}
	}
	for i, r := range revs {
		if r.Number != i+1 {
			return nil, fmt.Errorf("revision %d where %d was due: revisions must be numbered 1, 2, … without gaps", r.Number, i+1)
		}
		if r.Date.IsZero() {
			return nil, fmt.Errorf("revision %d has no date", r.Number)
		}
		if strings.TrimSpace(r.Summary) == "" {
			revs[i].Summary = "Revision " + strconv.Itoa(r.Number)
		}
	}
	if a.Version != 0 && a.Version != len(revs) {
		return nil, fmt.Errorf("version %d but %d revisions", a.Version, len(revs))
	}
	last := revs[len(revs)-1]
	if a.State == embargo.AdvisoryWithdrawn && !a.Withdrawn.IsZero() && last.Date.Unix() < a.Withdrawn.Unix() {
		revs = append(revs, embargo.AdvisoryRevision{Number: last.Number + 1, Date: a.Withdrawn, Summary: "Withdrawn"})
	}
	return revs, nil
}

// withdrawalText says when and why an advisory was withdrawn; the reason
// is the one its last revision records ("Withdrawn: reason").
func withdrawalText(a embargo.Advisory, last embargo.AdvisoryRevision) string {
	when := a.Withdrawn
	if when.IsZero() {
		when = last.Date
	}
	text := "This advisory was withdrawn on " + when.UTC().Format("2006-01-02") + "."
	if s := strings.TrimSpace(last.Summary); len(s) > len("withdrawn") && strings.EqualFold(s[:len("withdrawn")], "withdrawn") {
		if reason := strings.TrimSpace(strings.TrimLeft(s[len("withdrawn"):], ":-– ")); reason != "" {
			text += " Reason: " + reason
			if !strings.ContainsAny(reason[len(reason)-1:], ".!?") {
				text += "."
			}
		}
	}
	return text + " Its content is kept as it was last published, for reference only."
}

// unfixed reports whether some affected package has a range without a
// fixed version.
func unfixed(a embargo.Advisory) bool {
	for _, ap := range a.Affected {
		for _, r := range ap.Ranges {
			if r.Fixed == "" {
				return true
			}
		}
	}
	return false
}

// vulnerabilityOf is the advisory's one vulnerability.
func vulnerabilityOf(a embargo.Advisory, ps products) (vulnerability, error) {
	v := vulnerability{
		CVE:           a.CVE,
		Title:         oneLine(a.Summary),
		ProductStatus: productStatus{KnownAffected: ps.affected, Fixed: ps.fixed},
		Remediations:  ps.remediations,
	}
	desc := strings.TrimSpace(a.Details)
	if desc == "" {
		desc = strings.TrimSpace(a.Summary)
	}
	v.Notes = []note{{Category: "description", Title: "Description", Text: desc}}
	for _, ref := range a.CWEs {
		if w, ok := cwe.Lookup(ref); ok {
			v.CWE = &cweRef{ID: w.Ref(), Name: w.Name}
			break
		}
	}
	seen := map[string]bool{}
	for _, alias := range a.Aliases {
		alias = strings.TrimSpace(alias)
		switch {
		case alias == "" || alias == a.Ref || seen[alias]:
			continue
		case cveRE.MatchString(alias):
			// A CVE id belongs in cve, not ids (CSAF test 6.2.17).
			if v.CVE == "" {
				v.CVE = alias
			}
			continue
		}
		seen[alias] = true
		v.IDs = append(v.IDs, vulnID{SystemName: idSystem(alias), Text: alias})
	}
	if a.CVSS3 != "" {
		c, err := parseCVSS3(a.CVSS3, a.CVSS3Score)
		if err != nil {
			return v, err
		}
		v.Scores = []score{{CVSSV3: c, Products: ps.affected}}
	}
	if a.CVSS4 != "" {
		// CSAF 2.0 knows CVSS up to v3.1: a v4.0 vector goes in a note.
		v.Notes = append(v.Notes, note{Category: "other", Title: "CVSS v4.0",
			Text: fmt.Sprintf("%s (base score %.1f)", a.CVSS4, a.CVSS4Score)})
	}
	credited := map[string]bool{}
	for _, c := range a.Credits {
		name := strings.TrimSpace(c.Name)
		if name == "" || strings.EqualFold(name, "anonymous") || credited[name+"\x00"+c.Type] {
			continue
		}
		credited[name+"\x00"+c.Type] = true
		ack := acknowledgment{Names: []string{name}, Summary: creditSummary(c.Type)}
		if u, err := url.Parse(strings.TrimSpace(c.Contact)); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			ack.URLs = []string{u.String()}
		}
		v.Acknowledgments = append(v.Acknowledgments, ack)
	}
	return v, nil
}

// idSystem names the database an alias comes from.
func idSystem(id string) string {
	prefix, _, _ := strings.Cut(id, "-")
	switch strings.ToUpper(prefix) {
	case "GHSA":
		return "GitHub Security Advisory"
	case "GO":
		return "Go Vulnerability Database"
	case "PYSEC":
		return "PyPI Advisory Database"
	case "RUSTSEC":
		return "RustSec Advisory Database"
	case "OSV":
		return "OSV"
	}
	if prefix == "" || prefix == id {
		return "Other"
	}
	return prefix
}

// creditSummary says what an OSV credit type did.
func creditSummary(t string) string {
	switch strings.ToUpper(t) {
	case "FINDER":
		return "finding the vulnerability"
	case "REPORTER":
		return "reporting the vulnerability"
	case "ANALYST":
		return "analysing the vulnerability"
	case "COORDINATOR":
		return "coordinating the disclosure"
	case "REMEDIATION_DEVELOPER":
		return "developing the fix"
	case "REMEDIATION_REVIEWER":
		return "reviewing the fix"
	case "REMEDIATION_VERIFIER":
		return "verifying the fix"
	case "TOOL":
		return "the tool that found the vulnerability"
	case "SPONSOR":
		return "sponsoring the work"
	}
	return ""
}

// referenceSummary describes an OSV reference type.
func referenceSummary(t string) string {
	switch strings.ToUpper(t) {
	case "ADVISORY":
		return "Advisory"
	case "ARTICLE":
		return "Article"
	case "DETECTION":
		return "Detection"
	case "DISCUSSION":
		return "Discussion"
	case "REPORT":
		return "Report"
	case "FIX":
		return "Fix"
	case "INTRODUCED":
		return "Change that introduced the vulnerability"
	case "PACKAGE":
		return "Package"
	case "EVIDENCE":
		return "Evidence"
	}
	return "Web page"
}

// timestamp is the RFC 3339 form CSAF dates take, in UTC to the second.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// oneLine joins the lines of s with spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// titleCase capitalizes the first letter of s.
func titleCase(s string) string {
	s = strings.TrimSpace(s)
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
