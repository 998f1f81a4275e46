package importer

import "github.com/embargo-cvd/embargo/internal/embargo"

// Finding is one line of the review list.
type Finding struct {
	// Kind is mapped, placeholder, guessed, conflict or unmapped.
	Kind  string
	Field string // the policy field, for mapped, guessed and conflict
	Value string
	Line  int
	Quote string // the source text it came from
}

// Finding kinds.
const (
	Mapped      = "mapped"
	Placeholder = "placeholder"
	Guessed     = "guessed"
	Conflict    = "conflict"
	Unmapped    = "could not map"
)

// sourced is a value with the line and text it came from.
type sourced struct {
	d     embargo.Duration
	line  int
	quote string
}

type channel struct {
	typ, url, address string
}

type versionRow struct {
	versions  string
	rng       embargo.VersionRange
	supported bool
	until     string // YYYY-MM-DD, when the source gives an end of support
}

type section struct {
	title string
	body  string
}

// draft accumulates what the extractor found.
type draft struct {
	name, slug, repository string
	email                  string
	emailSubject           string
	placeholder            string // a placeholder contact seen, not used
	channels               []channel
	pgpFingerprint         string
	pgpKeyURL              string
	pgpOnRequest           bool
	guidance               []string
	scopeIn, scopeOut      []string
	versions               []versionRow
	stages                 map[string]*stageDraft
	defaultEmbargo         *sourced
	maxEmbargo             *sourced
	reporterMustAgree      bool
	creditOffered          bool
	creditAnonymous        bool
	hallOfFame             bool
	creditWhere            []string
	bugBounty              *bool
	publicCVETracker       string
	ackURL                 string // a hall-of-fame page, for security.txt
	sections               []section
}

type stageDraft struct {
	all        *sourced
	bySeverity map[string]*sourced
}
