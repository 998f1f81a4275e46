package embargo

import "time"

// Stage names of the SLA: each is a promise with a deadline.
const (
	StageAcknowledge = "acknowledge"
	StageAssess      = "assess"
	StageFix         = "fix"
	StageDisclose    = "disclose"
)

// Stages lists the SLA stages in the order a report goes through them.
var Stages = []string{StageAcknowledge, StageAssess, StageFix, StageDisclose}

// StageTitle returns the human name of an SLA stage.
func StageTitle(stage string) string {
	switch stage {
	case StageAcknowledge:
		return "Acknowledgement of your report"
	case StageAssess:
		return "Initial assessment and severity"
	case StageFix:
		return "Fix released"
	case StageDisclose:
		return "Public disclosure"
	}
	return stage
}

// Policy is a project's security policy: every promise its SECURITY.md makes,
// as data. It is produced by the policy package from a policy file and is
// immutable once parsed.
type Policy struct {
	Version           int
	Project           ProjectInfo
	Intro             string
	Contacts          Contacts
	ReportGuidance    []string
	Scope             Scope
	SupportedVersions SupportedVersions
	Severities        []Severity
	SLA               SLA
	Calendar          Calendar
	Disclosure        Disclosure
	Credit            Credit
	// BugBounty is nil when the policy does not say.
	BugBounty   *BugBounty
	Languages   []string
	SecurityTxt SecurityTxt
	Intake      Intake
	Sections    []Section
}

// ProjectInfo names the project a policy belongs to.
type ProjectInfo struct {
	Name       string
	Slug       string
	Homepage   string
	Repository string
}

// Contacts are the private channels a reporter may use.
type Contacts struct {
	// Email is the security address; empty when the project has none.
	Email string
	// EmailSubject is a subject line the project asks for, if any.
	EmailSubject string
	Channels     []Channel
	PGP          PGP
}

// Channel types.
const (
	ChannelGitHub   = "github"   // GitHub private vulnerability reporting
	ChannelWeb      = "web"      // a report form or page
	ChannelPlatform = "platform" // HackerOne, Intigriti, huntr and the like
	ChannelEmail    = "email"    // an additional address
)

// Channel is one alternative way to report privately.
type Channel struct {
	Type    string
	URL     string
	Address string
	Label   string
}

// PGP describes the OpenPGP key reporters may encrypt to.
type PGP struct {
	Fingerprint string
	KeyURL      string
	// OnRequest means a key is sent on request through a private channel.
	OnRequest bool
}

// Offered reports whether the policy offers any encryption at all.
func (p PGP) Offered() bool { return p.Fingerprint != "" || p.KeyURL != "" || p.OnRequest }

// Scope lists what is in and out of scope, in the project's words.
type Scope struct {
	In    []string
	Out   []string
	Notes string
}

// SupportedVersions is the supported-versions table.
type SupportedVersions struct {
	Rows []VersionRow
	Note string
}

// VersionRow is one row of the supported-versions table.
type VersionRow struct {
	Versions  string
	Range     VersionRange
	Supported bool
	// Until is the last day of support, zero when open-ended.
	Until time.Time
	Note  string
}

// Severity is one level of the project's severity scale, most severe first.
type Severity struct {
	Name        string
	Description string
	// CVSSMin is the lowest CVSS (v3.1 or v4.0) base score in this band;
	// HasCVSS is false for a named scale with no CVSS mapping.
	CVSSMin float64
	HasCVSS bool
}

// DefaultSeverities are the CVSS v3.1/v4.0 qualitative severity bands.
func DefaultSeverities() []Severity {
	return []Severity{
		{Name: "critical", CVSSMin: 9.0, HasCVSS: true},
		{Name: "high", CVSSMin: 7.0, HasCVSS: true},
		{Name: "medium", CVSSMin: 4.0, HasCVSS: true},
		{Name: "low", CVSSMin: 0.1, HasCVSS: true},
	}
}

// SLA holds the deadline of every stage the policy promises.
type SLA struct {
	// Stages maps a stage name to its deadline(s). A stage absent from the
	// map is not promised.
	Stages map[string]StageSLA
	// PauseOnNeedsInfo stops the clock while the project waits for the
	// reporter.
	PauseOnNeedsInfo bool
	// Reminders are offsets before a deadline at which reminders go out.
	Reminders []Duration
	// PublicStatistics publishes the project's response statistics (how
	// fast it acknowledged, assessed and fixed, and how often within its
	// promises) at /p/{slug}/stats.
	PublicStatistics bool
}

// StageSLA is a stage's deadline: one for every severity (All), or one per
// severity name (BySeverity), or both (All then applies to the others).
type StageSLA struct {
	All        Duration
	BySeverity map[string]Duration
}

// For returns the deadline of the stage for a severity ("" when unknown)
// and whether the stage promises one.
func (s StageSLA) For(severity string) (Duration, bool) {
	if d, ok := s.BySeverity[severity]; ok {
		return d, true
	}
	if !s.All.IsZero() {
		return s.All, true
	}
	return Duration{}, false
}

// Disclosure is the coordinated-disclosure policy.
type Disclosure struct {
	// DefaultEmbargo is the first offer for the disclosure date, counted
	// from the report's arrival.
	DefaultEmbargo Duration
	// MaxEmbargo is the longest embargo the project agrees to.
	MaxEmbargo        Duration
	ReporterMustAgree bool
	Notes             string
	// AdvisoryPrefix starts the project's advisory references
	// ("VIRT" gives VIRT-2026-0001); empty: the slug, upper-cased.
	AdvisoryPrefix string
}

// Credit is the credit policy.
type Credit struct {
	Offered bool
	// Anonymous means reporters may choose not to be named.
	Anonymous  bool
	Where      []string
	HallOfFame bool
}

// BugBounty says whether the project pays for reports.
type BugBounty struct {
	Offered bool
	Notes   string
}

// SecurityTxt holds the security.txt fields the policy sets.
type SecurityTxt struct {
	// Expires is either absolute (ExpiresAt) or relative to the moment of
	// rendering (ExpiresIn).
	ExpiresAt       time.Time
	ExpiresIn       Duration
	Canonical       []string
	Policy          string
	Acknowledgments string
	Hiring          string
}

// Intake holds rules applied to incoming reports.
type Intake struct {
	// PublicCVETracker is where reports about already-public CVEs belong;
	// when set, a report naming an assigned CVE is flagged.
	PublicCVETracker string
	PublicCVENote    string
}

// Section is a free-text Markdown section carried verbatim into the
// rendered SECURITY.md.
type Section struct {
	Title string
	Body  string
}

// SeverityNamed returns the policy's severity of that name.
func (p *Policy) SeverityNamed(name string) (Severity, bool) {
	for _, s := range p.Severities {
		if s.Name == name {
			return s, true
		}
	}
	return Severity{}, false
}
