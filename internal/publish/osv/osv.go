// Package osv encodes advisories as OSV JSON
// (https://ossf.github.io/osv-schema/), the format osv.dev, osv-scanner and
// many scanners read.
//
// The encoders are pure functions of an embargo.Advisory and its
// embargo.Publisher: no I/O, no clock. Every entry they write validates
// against the official OSV schema (vendored in
// internal/publish/testdata/osv-schema) and carries only fields that schema
// defines, because osv-scanner silently drops entries with unknown fields.
//
// Identifiers: the OSV schema only admits ids that start with the prefix of a
// home database registered with osv.dev, or with "x_", which marks a local
// database (https://ossf.github.io/osv-schema/#id-modified-fields). An entry's
// id is therefore ID(a.Ref), "x_VIRT-2026-0001", and the Ref itself is its
// first alias, so a search for either finds it.
//
// Ecosystems: Go, npm and crates.io get SEMVER ranges (a leading "v" is
// stripped, as OSV requires); PyPI, Maven, RubyGems, NuGet and Packagist get
// ECOSYSTEM ranges; GIT gets a GIT range when its versions are full commit
// hashes and an ECOSYSTEM range (tags) otherwise. Docker and Generic are not
// OSV ecosystems: their packages are left out of "affected" (the entry and
// its other packages are still written).
package osv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// SchemaVersion is the OSV schema version the entries follow.
const SchemaVersion = "1.7.5"

// Vulnerability is one OSV entry. Field order is the order of the JSON
// output; only fields the OSV schema defines are present.
type Vulnerability struct {
	SchemaVersion    string            `json:"schema_version"`
	ID               string            `json:"id"`
	Modified         string            `json:"modified"`
	Published        string            `json:"published,omitempty"`
	Withdrawn        string            `json:"withdrawn,omitempty"`
	Aliases          []string          `json:"aliases,omitempty"`
	Summary          string            `json:"summary,omitempty"`
	Details          string            `json:"details,omitempty"`
	Severity         []Severity        `json:"severity,omitempty"`
	Affected         []Affected        `json:"affected,omitempty"`
	References       []Reference       `json:"references,omitempty"`
	Credits          []Credit          `json:"credits,omitempty"`
	DatabaseSpecific *DatabaseSpecific `json:"database_specific,omitempty"`
}

// Severity is a CVSS vector typed CVSS_V3 or CVSS_V4.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected is one affected package with its version ranges.
type Affected struct {
	Package           Package            `json:"package"`
	Ranges            []Range            `json:"ranges,omitempty"`
	EcosystemSpecific *EcosystemSpecific `json:"ecosystem_specific,omitempty"`
}

// Package names a package in an OSV ecosystem.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
}

// Range is a SEMVER, ECOSYSTEM or GIT range; Repo is set for GIT only.
type Range struct {
	Type   string  `json:"type"`
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// Range types.
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// Event is one event of a range: exactly one field is set.
type Event struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

// EcosystemSpecific holds what the Go vulnerability database reads for
// govulncheck's symbol analysis.
type EcosystemSpecific struct {
	Imports []Import `json:"imports,omitempty"`
}

// Import is an affected Go package and its affected symbols ("Func",
// "Type.Method"); no symbols means all of the package.
type Import struct {
	Path    string   `json:"path"`
	Symbols []string `json:"symbols,omitempty"`
}

// Reference is a typed link.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Credit is a credited person.
type Credit struct {
	Name    string   `json:"name"`
	Contact []string `json:"contact,omitempty"`
	Type    string   `json:"type,omitempty"`
}

// DatabaseSpecific is Embargo's own data: the advisory page (which
// govulncheck prints as "More info" and must be present), the CWEs and the
// project's severity name.
type DatabaseSpecific struct {
	URL      string   `json:"url"`
	CWEIDs   []string `json:"cwe_ids,omitempty"`
	Severity string   `json:"severity,omitempty"`
}

// ID returns the OSV id of the advisory with the given Ref: the Ref behind
// the schema's local-database prefix "x_".
func ID(ref string) string { return "x_" + ref }

// PageURL returns the advisory's HTML page under pub.BaseURL, which the
// entries name as database_specific.url and as their ADVISORY reference.
func PageURL(pub embargo.Publisher, ref string) string {
	return strings.TrimRight(pub.BaseURL, "/") + "/" + ref + ".html"
}

var refPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Build returns the OSV entry of a, for callers (the Go vulnerability
// database) that adjust it before Marshal. It returns an embargo KindInvalid
// error when the advisory cannot make a valid entry: no Ref or one unfit for
// a file name, no BaseURL, no time to use as "modified", an unknown
// ecosystem, a version that is not SemVer in a SEMVER ecosystem, a range
// that is fixed before it is introduced, or a symbol outside its module.
func Build(a embargo.Advisory, pub embargo.Publisher) (*Vulnerability, error) {
	if !refPattern.MatchString(a.Ref) {
		return nil, embargo.Errorf(embargo.KindInvalid, "osv: advisory ref %q is not a valid identifier", a.Ref)
	}
	if pub.BaseURL == "" {
		return nil, embargo.Errorf(embargo.KindInvalid, "osv: %s: the publisher has no base URL for the advisory page", a.Ref)
	}
	modified := a.Modified
	if modified.IsZero() {
		modified = latest(a.Published, a.Withdrawn, a.CreatedAt)
	}
	if modified.IsZero() {
		return nil, embargo.Errorf(embargo.KindInvalid, "osv: %s: the advisory has no modification time", a.Ref)
	}
	v := &Vulnerability{
		SchemaVersion: SchemaVersion,
		ID:            ID(a.Ref),
		Modified:      timestamp(modified),
		Published:     timestamp(a.Published),
		Withdrawn:     timestamp(a.Withdrawn),
		Aliases:       aliases(a),
		Summary:       strings.TrimSpace(a.Summary),
		Details:       strings.TrimSpace(a.Details),
		Severity:      severity(a),
		References:    references(a, pub),
		Credits:       credits(a.Credits),
		DatabaseSpecific: &DatabaseSpecific{
			URL:      PageURL(pub, a.Ref),
			CWEIDs:   nonEmpty(a.CWEs),
			Severity: a.Severity,
		},
	}
	for _, p := range a.Affected {
		af, ok, err := affected(p)
		if err != nil {
			return nil, fmt.Errorf("osv: %s: %w", a.Ref, err)
		}
		if ok {
			v.Affected = append(v.Affected, af)
		}
	}
	return v, nil
}

// Marshal encodes v (a Vulnerability, or an index document of the Go
// vulnerability database) as indented JSON (two spaces, fields in struct
// order, no HTML escaping) with a final newline. It returns encoding/json's
// error for a value JSON cannot hold.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("osv.Marshal: %w", err)
	}
	return buf.Bytes(), nil
}

// Entry returns the OSV JSON of a. It returns Build's errors.
func Entry(a embargo.Advisory, pub embargo.Publisher) ([]byte, error) {
	v, err := Build(a, pub)
	if err != nil {
		return nil, err
	}
	return Marshal(v)
}

// timestamp formats t as OSV wants it: RFC 3339 in UTC with "Z", to the
// second; "" for the zero time.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

func aliases(a embargo.Advisory) []string {
	id := ID(a.Ref)
	var out []string
	seen := map[string]bool{id: true}
	for _, s := range append([]string{a.Ref, a.CVE}, a.Aliases...) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func severity(a embargo.Advisory) []Severity {
	var out []Severity
	if v := strings.TrimSpace(a.CVSS3); v != "" {
		out = append(out, Severity{Type: "CVSS_V3", Score: v})
	}
	if v := strings.TrimSpace(a.CVSS4); v != "" {
		out = append(out, Severity{Type: "CVSS_V4", Score: v})
	}
	return out
}

var referenceTypes = map[string]bool{
	"ADVISORY": true, "ARTICLE": true, "DETECTION": true, "DISCUSSION": true, "REPORT": true,
	"FIX": true, "INTRODUCED": true, "GIT": true, "PACKAGE": true, "EVIDENCE": true, "WEB": true,
}

// references lists the advisory page first (ADVISORY), then a's references
// with their types upper-cased; a type OSV does not know becomes WEB.
func references(a embargo.Advisory, pub embargo.Publisher) []Reference {
	page := PageURL(pub, a.Ref)
	out := []Reference{{Type: "ADVISORY", URL: page}}
	seen := map[string]bool{page: true}
	for _, r := range a.References {
		u := strings.TrimSpace(r.URL)
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		t := strings.ToUpper(strings.TrimSpace(r.Type))
		if !referenceTypes[t] {
			t = "WEB"
		}
		out = append(out, Reference{Type: t, URL: u})
	}
	return out
}

var creditTypes = map[string]bool{
	"FINDER": true, "REPORTER": true, "ANALYST": true, "COORDINATOR": true,
	"REMEDIATION_DEVELOPER": true, "REMEDIATION_REVIEWER": true, "REMEDIATION_VERIFIER": true,
	"TOOL": true, "SPONSOR": true, "OTHER": true,
}

func credits(cs []embargo.AdvisoryCredit) []Credit {
	var out []Credit
	for _, c := range cs {
		name := strings.TrimSpace(c.Name)
		if name == "" {
			continue
		}
		cr := Credit{Name: name}
		if u := strings.TrimSpace(c.Contact); u != "" {
			cr.Contact = []string{u}
		}
		if t := strings.ToUpper(strings.TrimSpace(c.Type)); t != "" {
			if !creditTypes[t] {
				t = "OTHER"
			}
			cr.Type = t
		}
		out = append(out, cr)
	}
	return out
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
