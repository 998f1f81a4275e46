package embargo

import "time"

// AdvisoryState is where an advisory stands.
type AdvisoryState string

// Advisory states: a draft is private; scheduled waits for its disclosure
// instant; published is public; withdrawn stays public, marked withdrawn.
const (
	AdvisoryDraft     AdvisoryState = "draft"
	AdvisoryScheduled AdvisoryState = "scheduled"
	AdvisoryPublished AdvisoryState = "published"
	AdvisoryWithdrawn AdvisoryState = "withdrawn"
)

// Advisory is a security advisory of a project, drafted from one or more
// reports and published in every format its consumers read (OSV, the Go
// vulnerability database, CSAF 2.0, CVE JSON 5, OpenVEX, HTML, Atom).
// The encoders in internal/publish are pure functions of it.
type Advisory struct {
	ID        int64
	ProjectID int64
	// Ref is the advisory's public identifier: the project's prefix, the
	// year and a sequence number ("VIRT-2026-0001").
	Ref   string
	State AdvisoryState
	// Summary is one line; Details is Markdown.
	Summary string
	Details string
	// Severity is the project's severity name ("critical", "high", …);
	// CVSS3 and CVSS4 are vectors ("CVSS:3.1/AV:N/…", "CVSS:4.0/AV:N/…")
	// with their base scores computed by the CVSS library.
	Severity    string
	CVSS3       string
	CVSS3Score  float64
	CVSS4       string
	CVSS4Score  float64
	CWEs        []string // "CWE-79"
	CVE         string   // "CVE-2026-12345", or ""
	Aliases     []string // other ids of the same vulnerability (GHSA-…)
	References  []Reference
	Affected    []AffectedProduct
	Credits     []AdvisoryCredit
	ReportIDs   []int64
	Published   time.Time // zero until published
	Modified    time.Time // last published change
	Withdrawn   time.Time // zero unless withdrawn
	Revisions   []AdvisoryRevision
	Version     int // 1 at first publication, +1 for each published change
	CreatedAt   time.Time
	DisclosesAt time.Time // the agreed disclosure instant (scheduled)
}

// Reference is a link about the advisory, typed as OSV types them: ADVISORY,
// ARTICLE, DETECTION, DISCUSSION, REPORT, FIX, INTRODUCED, PACKAGE,
// EVIDENCE, WEB.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// AffectedProduct is one package with its affected version ranges (OSV
// semantics: each range from Introduced, "0" for all earlier versions, up
// to the Fixed version, "" while unfixed).
type AffectedProduct struct {
	Ecosystem string  `json:"ecosystem"` // one of Ecosystems
	Package   string  `json:"package"`   // module path for Go, package name elsewhere, image for Docker
	Ranges    []Range `json:"ranges"`
	// Symbols optionally names the affected functions (Go: "pkg.Func",
	// "Type.Method"), for govulncheck's call analysis.
	Symbols []string `json:"symbols,omitempty"`
}

// AdvisoryCredit is one credited person, as their report's credit
// preference stood at publication: anonymous reporters are not listed.
type AdvisoryCredit struct {
	Name string `json:"name"`
	// Contact is a URL (https://…, mailto:…), or "".
	Contact string `json:"contact,omitempty"`
	// Type is an OSV credit type: FINDER, REPORTER, ANALYST, COORDINATOR,
	// REMEDIATION_DEVELOPER, REMEDIATION_REVIEWER, REMEDIATION_VERIFIER,
	// TOOL, SPONSOR, OTHER.
	Type string `json:"type"`
}

// AdvisoryRevision is one published version of an advisory (CSAF's
// revision history): its number (1, 2, …), date and what changed.
type AdvisoryRevision struct {
	Number  int       `json:"number"`
	Date    time.Time `json:"date"`
	Summary string    `json:"summary"`
}

// Publisher describes who publishes: the project, as the outputs need it.
type Publisher struct {
	// Name is the project's name; Namespace its public URL (homepage or
	// the instance's project page), used by CSAF and OpenVEX.
	Name, Namespace string
	// BaseURL is where the published tree is served (the instance's
	// https URL plus "/p/SLUG/advisories", or the static site's URL);
	// advisory pages, feeds and CSAF URLs are built under it.
	BaseURL string
	// ContactEmail is the security address.
	ContactEmail string
}
