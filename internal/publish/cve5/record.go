package cve5

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

var (
	cveRE  = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)
	uuidRE = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-4[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$`)
)

// Schema limits the record must stay within.
const (
	maxTitle       = 256
	maxDescription = 4096
	maxMedia       = 16384
	maxVendor      = 512
	maxName        = 2048
	maxVersion     = 1024
)

// Record encodes a published or withdrawn advisory as the CVE JSON 5
// record of its CVE id, indented JSON ending in a newline: state PUBLISHED
// with the CNA container, or REJECTED with the reason when the advisory
// was withdrawn. orgID is the CNA's organisation UUID (assignerOrgId).
//
// It returns an Invalid-kind error naming what is missing or wrong: no
// CVE id or a malformed one, an empty or malformed orgID, an advisory that
// is not public or has no publication date, no summary, no affected
// package, no reference at all (neither Publisher.BaseURL nor a reference
// of its own), or a reference that is not an absolute URL.
func Record(a embargo.Advisory, pub embargo.Publisher, orgID string) ([]byte, error) {
	r, err := build(a, pub, orgID)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cve5.Record(%s): %w", a.Ref, err)
	}
	return append(b, '\n'), nil
}

func build(a embargo.Advisory, pub embargo.Publisher, orgID string) (*record, error) {
	fail := func(format string, args ...any) error {
		return embargo.Errorf(embargo.KindInvalid, "cve5.Record(%s): %s", a.Ref, fmt.Sprintf(format, args...))
	}
	switch {
	case a.CVE == "":
		return nil, fail("the advisory has no CVE id")
	case !cveRE.MatchString(a.CVE):
		return nil, fail("%q is not a CVE id (CVE-YYYY-NNNN)", a.CVE)
	case orgID == "":
		return nil, fail("no CNA organisation id: assignerOrgId is required, give the CNA's UUID")
	case !uuidRE.MatchString(orgID):
		return nil, fail("the CNA organisation id %q is not a version 4 UUID", orgID)
	case a.State != embargo.AdvisoryPublished && a.State != embargo.AdvisoryWithdrawn:
		return nil, fail("the advisory is %s, not public", a.State)
	case a.Published.IsZero():
		return nil, fail("no publication date")
	}
	modified := a.Modified
	if modified.IsZero() || modified.Before(a.Published) {
		modified = a.Published
	}
	r := &record{
		DataType:    "CVE_RECORD",
		DataVersion: DataVersion,
		CVEMetadata: metadata{
			CVEID:         a.CVE,
			AssignerOrgID: orgID,
			State:         "PUBLISHED",
			DatePublished: stamp(a.Published),
			DateUpdated:   stamp(modified),
		},
	}
	pm := providerMetadata{OrgID: orgID, DateUpdated: stamp(modified)}
	gen := generator{Engine: "Embargo"}

	if a.State == embargo.AdvisoryWithdrawn {
		rejected := a.Withdrawn
		if rejected.IsZero() {
			rejected = modified
		}
		r.CVEMetadata.State = "REJECTED"
		r.CVEMetadata.DateRejected = stamp(rejected)
		r.Containers.CNA = rejectedCNA{
			ProviderMetadata: pm,
			RejectedReasons:  []description{{Lang: "en", Value: rejectedReason(a, pub, rejected)}},
			Generator:        gen,
		}
		return r, nil
	}

	summary := strings.TrimSpace(a.Summary)
	if summary == "" {
		return nil, fail("no summary")
	}
	affected := affectedProducts(a, pub)
	if len(affected) == 0 {
		return nil, fail("no affected package")
	}
	refs, err := references(a, pub)
	if err != nil {
		return nil, fail("%v", err)
	}
	if len(refs) == 0 {
		return nil, fail("no reference: give the publisher's BaseURL or a reference")
	}
	r.Containers.CNA = publishedCNA{
		ProviderMetadata: pm,
		DatePublic:       stamp(a.Published),
		Title:            truncate(oneLine(summary), maxTitle),
		Descriptions:     descriptions(summary, a.Details),
		Affected:         affected,
		ProblemTypes:     problemTypes(a.CWEs),
		Metrics:          metrics(a),
		References:       refs,
		Credits:          credits(a.Credits),
		Generator:        gen,
	}
	return r, nil
}

// stamp formats an instant as the schema's timestamps want it: UTC, whole
// seconds.
func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// descriptions is the English description: the summary, then the details
// as plain text (they are Markdown, which reads as text), with the details
// also attached as text/markdown supporting media.
func descriptions(summary, details string) []description {
	details = strings.TrimSpace(details)
	d := description{Lang: "en", Value: summary}
	if details != "" {
		d.Value = summary + "\n\n" + details
		d.SupportingMedia = []media{{Type: "text/markdown", Value: truncate(details, maxMedia)}}
	}
	d.Value = truncate(d.Value, maxDescription)
	return []description{d}
}

// rejectedReason says why the CVE id is rejected: the advisory was
// withdrawn, with the reason its last revision gives ("Withdrawn: …").
func rejectedReason(a embargo.Advisory, pub embargo.Publisher, when time.Time) string {
	who := strings.TrimSpace(pub.Name)
	if who == "" {
		who = "The CNA"
	}
	text := fmt.Sprintf("%s withdrew advisory %s on %s.", who, a.Ref, when.UTC().Format("2006-01-02"))
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
	return truncate(text, maxDescription)
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to at most n characters, ending it with an ellipsis when
// it was cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
