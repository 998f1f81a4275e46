package cve5

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"

	"github.com/embargo-cvd/embargo/internal/cwe"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

var cweIDRE = regexp.MustCompile(`^CWE-[1-9][0-9]{0,4}$`)

// problemTypes gives one problem type per CWE: its id and catalogue name
// when Embargo's CWE catalogue knows it, else the id as text.
func problemTypes(cwes []string) []problemType {
	var out []problemType
	seen := map[string]bool{}
	for _, c := range cwes {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		d := problemDescription{Lang: "en", Description: c, Type: "text"}
		if w, ok := cwe.Lookup(c); ok {
			d.CWEID, d.Type = w.Ref(), "CWE"
			d.Description = truncate(w.Ref()+" "+w.Name, maxDescription)
		} else if cweIDRE.MatchString(c) {
			d.CWEID, d.Type = c, "CWE"
		}
		out = append(out, problemType{Descriptions: []problemDescription{d}})
	}
	return out
}

// metrics gives the advisory's CVSS v3.x and v4.0 base scores.
func metrics(a embargo.Advisory) []metric {
	var out []metric
	general := []scenario{{Lang: "en", Value: "GENERAL"}}
	if v := strings.TrimSpace(a.CVSS4); strings.HasPrefix(v, "CVSS:4.0/") {
		out = append(out, metric{Format: "CVSS", Scenarios: general, CVSSV4_0: cvss("4.0", v, a.CVSS4Score)})
	}
	switch v := strings.TrimSpace(a.CVSS3); {
	case strings.HasPrefix(v, "CVSS:3.1/"):
		out = append(out, metric{Format: "CVSS", Scenarios: general, CVSSV3_1: cvss("3.1", v, a.CVSS3Score)})
	case strings.HasPrefix(v, "CVSS:3.0/"):
		out = append(out, metric{Format: "CVSS", Scenarios: general, CVSSV3_0: cvss("3.0", v, a.CVSS3Score)})
	}
	return out
}

func cvss(version, vector string, score float64) *cvssMetric {
	score = math.Round(math.Max(0, math.Min(10, score))*10) / 10
	return &cvssMetric{Version: version, VectorString: vector, BaseScore: score, BaseSeverity: severity(score)}
}

// severity is the CVSS qualitative rating of a base score (the same bands
// in v3.x and v4.0).
func severity(score float64) string {
	switch {
	case score == 0:
		return "NONE"
	case score < 4:
		return "LOW"
	case score < 7:
		return "MEDIUM"
	case score < 9:
		return "HIGH"
	}
	return "CRITICAL"
}

// referenceTags maps OSV reference types to CVE reference tags; ADVISORY
// is decided by host in references.
var referenceTags = map[string]string{
	"FIX":       "patch",
	"REPORT":    "issue-tracking",
	"DETECTION": "signature",
	"PACKAGE":   "product",
}

// pageURL is the address of an advisory's HTML page under the publisher's
// BaseURL, the page every format links to.
func pageURL(pub embargo.Publisher, ref string) string {
	return strings.TrimRight(pub.BaseURL, "/") + "/" + url.PathEscape(ref) + ".html"
}

// references lists the advisory's page (vendor-advisory) and its own
// references, each URL once with the tags of all its entries.
func references(a embargo.Advisory, pub embargo.Publisher) ([]reference, error) {
	own := map[string]bool{}
	for _, s := range []string{pub.BaseURL, pub.Namespace} {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			own[strings.ToLower(u.Hostname())] = true
		}
	}
	var out []reference
	index := map[string]int{}
	add := func(raw, tag string) {
		i, ok := index[raw]
		if !ok {
			if len(out) == 512 { // the schema's maxItems
				return
			}
			i = len(out)
			index[raw] = i
			out = append(out, reference{URL: raw})
		}
		if tag == "" {
			return
		}
		for _, t := range out[i].Tags {
			if t == tag {
				return
			}
		}
		out[i].Tags = append(out[i].Tags, tag)
	}
	if strings.TrimSpace(pub.BaseURL) != "" {
		page := pageURL(pub, a.Ref)
		if !isURL(page) {
			return nil, fmt.Errorf("the publisher's BaseURL %q is not an absolute URL", pub.BaseURL)
		}
		add(page, "vendor-advisory")
	}
	for _, r := range a.References {
		raw := strings.TrimSpace(r.URL)
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Host == "" || len(raw) > maxName {
			return nil, fmt.Errorf("reference %q is not an absolute URL", r.URL)
		}
		tag := referenceTags[strings.ToUpper(r.Type)]
		if strings.EqualFold(r.Type, "ADVISORY") {
			tag = "third-party-advisory"
			if own[strings.ToLower(u.Hostname())] {
				tag = "vendor-advisory"
			}
		}
		add(raw, tag)
	}
	return out, nil
}

// creditTypes maps OSV credit types to the CVE credit types.
var creditTypes = map[string]string{
	"FINDER":                "finder",
	"REPORTER":              "reporter",
	"ANALYST":               "analyst",
	"COORDINATOR":           "coordinator",
	"REMEDIATION_DEVELOPER": "remediation developer",
	"REMEDIATION_REVIEWER":  "remediation reviewer",
	"REMEDIATION_VERIFIER":  "remediation verifier",
	"TOOL":                  "tool",
	"SPONSOR":               "sponsor",
	"OTHER":                 "other",
}

// credits lists the credited people with their CVE credit type (other for
// a type CVE does not know).
func credits(cs []embargo.AdvisoryCredit) []credit {
	var out []credit
	seen := map[credit]bool{}
	for _, c := range cs {
		name := truncate(oneLine(c.Name), maxDescription)
		if name == "" {
			continue
		}
		t, ok := creditTypes[strings.ToUpper(strings.TrimSpace(c.Type))]
		if !ok {
			t = "other"
		}
		cr := credit{Lang: "en", Value: name, Type: t}
		if !seen[cr] {
			seen[cr] = true
			out = append(out, cr)
		}
	}
	return out
}
