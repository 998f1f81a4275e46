package embargo

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a maintainer may do on one project.
type Role string

// Roles, from least to most privileged.
const (
	RoleViewer  Role = "viewer"  // reads reports
	RoleTriager Role = "triager" // everything on reports
	RoleOwner   Role = "owner"   // also the policy, members and keys
)

// rank orders roles; an unknown role ranks below every real one.
func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleTriager:
		return 2
	case RoleOwner:
		return 3
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r grants everything min grants.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// ParseRole returns the role of that name, or an Invalid-kind error.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", Errorf(KindInvalid, "unknown role %q: the roles are owner, triager and viewer", s)
	}
	return r, nil
}

// Member is a maintainer's role on a project.
type Member struct {
	ProjectID int64
	UserID    int64
	Email     string
	Name      string
	Role      Role
}

// Intake channels a report can arrive through (Report.Channel).
const (
	IntakeWeb   = "web"
	IntakeAPI   = "api"
	IntakeEmail = "email"
)

// CreditMode is how a reporter wants to be credited.
type CreditMode string

// Credit modes.
const (
	CreditName      CreditMode = "name"
	CreditHandle    CreditMode = "handle"
	CreditLink      CreditMode = "link"
	CreditAnonymous CreditMode = "anonymous"
)

// CreditPreference is the reporter's choice of credit.
type CreditPreference struct {
	Mode CreditMode `json:"mode"`
	// Name is the name, handle or link text to show; Link an https URL.
	Name string `json:"name,omitempty"`
	Link string `json:"link,omitempty"`
}

// Validate checks a credit preference; with no mode chosen, a name means
// credit by name and no name means anonymous.
func (c *CreditPreference) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	c.Link = strings.TrimSpace(c.Link)
	if c.Mode == "" {
		// No choice made: a name given means credit by name (with the link
		// when there is one), none means anonymous.
		switch {
		case c.Name != "" && c.Link != "":
			c.Mode = CreditLink
		case c.Name != "":
			c.Mode = CreditName
		default:
			c.Mode = CreditAnonymous
		}
	}
	switch c.Mode {
	case CreditAnonymous:
		c.Name, c.Link = "", ""
	case CreditName, CreditHandle:
		if c.Name == "" {
			return Errorf(KindInvalid, "credit: give the %s to credit, or choose anonymous", c.Mode)
		}
	case CreditLink:
		if c.Name == "" {
			return Errorf(KindInvalid, "credit: give the name to show with the link")
		}
		if u, err := url.Parse(c.Link); err != nil || u.Scheme != "https" || u.Host == "" {
			return Errorf(KindInvalid, "credit: the link must be an https:// URL")
		}
	default:
		return Errorf(KindInvalid, "credit: unknown mode %q (name, handle, link or anonymous)", c.Mode)
	}
	if utf8.RuneCountInString(c.Name) > 200 || len(c.Link) > 2000 {
		return Errorf(KindInvalid, "credit: the name or link is too long")
	}
	return nil
}

// String is how the credit reads in an advisory.
func (c CreditPreference) String() string {
	switch c.Mode {
	case CreditHandle:
		if strings.HasPrefix(c.Name, "@") {
			return c.Name
		}
		return "@" + c.Name
	case CreditName, CreditLink:
		return c.Name
	}
	return "Anonymous"
}

// ReportContent is what the reporter wrote. All of it is confidential:
// it is sealed at rest and never logged.
type ReportContent struct {
	Title            string           `json:"title"`
	Description      string           `json:"description"`
	Steps            string           `json:"steps,omitempty"`
	AffectedVersions string           `json:"affected_versions,omitempty"`
	Impact           string           `json:"impact,omitempty"`
	SuggestedFix     string           `json:"suggested_fix,omitempty"`
	Contact          string           `json:"contact,omitempty"`
	PGPKey           string           `json:"pgp_key,omitempty"`
	Credit           CreditPreference `json:"credit"`
}

// Field limits of a report, in characters.
const (
	MaxTitle = 200
	MaxText  = 100_000
	MaxKey   = 64 << 10
)

// FieldError is a validation failure of one named field, so forms can show
// the message next to it.
type FieldError struct {
	Field, Message string
}

// FieldErrors is a list of field failures; it is an Invalid-kind error.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Message
	}
	return strings.Join(msgs, "; ")
}

// Is makes FieldErrors match ErrInvalid.
func (fe FieldErrors) Is(target error) bool { return target == ErrInvalid }

// For returns the message for a field, or "".
func (fe FieldErrors) For(field string) string {
	for _, e := range fe {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Validate trims and checks a report, returning FieldErrors naming every
// bad field.
func (c *ReportContent) Validate() error {
	var errs FieldErrors
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Sprintf(format, args...)})
	}
	for _, f := range []*string{&c.Title, &c.Description, &c.Steps, &c.AffectedVersions, &c.Impact, &c.SuggestedFix, &c.Contact, &c.PGPKey} {
		*f = strings.TrimSpace(strings.ReplaceAll(*f, "\r\n", "\n"))
	}
	text := map[string]string{"title": c.Title, "description": c.Description, "steps": c.Steps,
		"affected_versions": c.AffectedVersions, "impact": c.Impact, "suggested_fix": c.SuggestedFix, "pgp_key": c.PGPKey}
	for _, field := range []string{"title", "description", "steps", "affected_versions", "impact", "suggested_fix", "pgp_key"} {
		if !utf8.ValidString(text[field]) || strings.ContainsRune(text[field], 0) {
			bad(field, "%s: the text is not valid UTF-8", field)
		}
	}
	switch n := utf8.RuneCountInString(c.Title); {
	case n == 0:
		bad("title", "give the report a title")
	case n > MaxTitle:
		bad("title", "the title has %d characters; the limit is %d", n, MaxTitle)
	case strings.ContainsAny(c.Title, "\n\r"):
		bad("title", "the title must be one line")
	}
	if c.Description == "" {
		bad("description", "describe the vulnerability")
	}
	for field, v := range map[string]string{"description": c.Description, "steps": c.Steps, "affected_versions": c.AffectedVersions, "impact": c.Impact, "suggested_fix": c.SuggestedFix} {
		if n := utf8.RuneCountInString(v); n > MaxText {
			bad(field, "%s has %d characters; the limit is %d", strings.ReplaceAll(field, "_", " "), n, MaxText)
		}
	}
	if c.Contact != "" {
		if a, err := mail.ParseAddress(c.Contact); err != nil || a.Address != c.Contact {
			bad("contact", "%q is not an email address", c.Contact)
		}
	}
	if c.PGPKey != "" && (len(c.PGPKey) > MaxKey || !strings.Contains(c.PGPKey, "-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		bad("pgp_key", "paste an ASCII-armoured OpenPGP public key (-----BEGIN PGP PUBLIC KEY BLOCK-----), at most 64 KiB")
	}
	if err := c.Credit.Validate(); err != nil {
		bad("credit", "%s", MessageOf(err))
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Report is one vulnerability report and its triage.
type Report struct {
	ID        int64
	ProjectID int64
	// Number counts reports per project from 1 (#1, #2 …).
	Number int64
	State  State
	// Resume is the state a needs-info report returns to.
	Resume   State
	Severity string
	// SeverityOverride is true when the severity was set by hand rather
	// than derived from CVSS.
	SeverityOverride bool
	CVSS3, CVSS4     string
	CWEs             []string
	AssigneeID       int64
	Labels           []string
	Affected         []Affected
	DuplicateOf      int64
	Channel          string
	// PolicyRevision is the policy in force on arrival: it sets the deadlines.
	PolicyRevision int
	// ThreadHash is the hash of the report's thread link: it identifies the
	// row its sealed content is bound to.
	ThreadHash string
	ReceivedAt time.Time
	UpdatedAt  time.Time
	// NextDue is the nearest running deadline, for sorting; zero when none.
	NextDue time.Time
	// NextActionAt is when the SLA engine next has something to do for
	// this report (a reminder, an escalation); zero when nothing is
	// pending. SLADone lists the actions already taken (sla.Action keys).
	NextActionAt time.Time
	SLADone      []string
	Content      ReportContent
}

// Affected is one package a report affects, with version ranges as OSV
// models them: each range starts at an introduced version and ends at the
// version that fixed it (empty while unfixed).
type Affected struct {
	Ecosystem string  `json:"ecosystem"`
	Package   string  `json:"package"`
	Ranges    []Range `json:"ranges"`
}

// Range is an OSV-style version range.
type Range struct {
	Introduced string `json:"introduced"`
	Fixed      string `json:"fixed,omitempty"`
}

// Ecosystems are the package ecosystems Embargo knows (OSV names).
var Ecosystems = []string{"Go", "npm", "PyPI", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist", "Docker", "GIT", "Generic"}

// ValidateAffected checks affected packages: a known ecosystem, a package
// name, and ranges with an introduced version ("0" for all earlier ones).
func ValidateAffected(as []Affected) error {
	if len(as) > 50 {
		return Errorf(KindInvalid, "at most 50 affected packages")
	}
	for i := range as {
		a := &as[i]
		a.Package = strings.TrimSpace(a.Package)
		known := false
		for _, e := range Ecosystems {
			if strings.EqualFold(e, a.Ecosystem) {
				a.Ecosystem, known = e, true
			}
		}
		if !known {
			return Errorf(KindInvalid, "unknown ecosystem %q: use one of %s", a.Ecosystem, strings.Join(Ecosystems, ", "))
		}
		if a.Package == "" || len(a.Package) > 300 || strings.ContainsAny(a.Package, " \t\n") {
			return Errorf(KindInvalid, "affected package %d: give the package name without spaces", i+1)
		}
		if len(a.Ranges) == 0 || len(a.Ranges) > 20 {
			return Errorf(KindInvalid, "%s: give 1 to 20 version ranges", a.Package)
		}
		for j := range a.Ranges {
			r := &a.Ranges[j]
			r.Introduced, r.Fixed = strings.TrimSpace(r.Introduced), strings.TrimSpace(r.Fixed)
			if r.Introduced == "" {
				return Errorf(KindInvalid, "%s: each range needs an introduced version (0 means from the start)", a.Package)
			}
			for _, v := range []string{r.Introduced, r.Fixed} {
				if len(v) > 100 || strings.ContainsAny(v, " \t\n,") {
					return Errorf(KindInvalid, "%s: %q is not a version", a.Package, v)
				}
			}
			if r.Fixed != "" && r.Fixed == r.Introduced {
				return Errorf(KindInvalid, "%s: a range cannot be fixed in the version that introduced it", a.Package)
			}
		}
	}
	return nil
}

// Ref is how people name a report: "demo#12".
func (r Report) Ref(slug string) string { return fmt.Sprintf("%s#%d", slug, r.Number) }

// Audience is who may see a timeline event.
type Audience string

// Audiences.
const (
	// AudienceThread events are seen by the reporter, collaborators and
	// maintainers.
	AudienceThread Audience = "thread"
	// AudienceInternal events are seen by maintainers only.
	AudienceInternal Audience = "internal"
)

// EventKind names what happened on a report.
type EventKind string

// Event kinds.
const (
	EventSubmitted    EventKind = "submitted"
	EventState        EventKind = "state"
	EventMessage      EventKind = "message"
	EventNote         EventKind = "note"
	EventSeverity     EventKind = "severity"
	EventCVSS3        EventKind = "cvss3"
	EventCVSS4        EventKind = "cvss4"
	EventCWE          EventKind = "cwe"
	EventAssignee     EventKind = "assignee"
	EventLabels       EventKind = "labels"
	EventCredit       EventKind = "credit"
	EventAttachment   EventKind = "attachment"
	EventDuplicate    EventKind = "duplicate"
	EventAffected     EventKind = "affected"
	EventCollaborator EventKind = "collaborator"
	// EventSLA records a reminder before a deadline (To "reminder:24h") or
	// a missed deadline (To "breach"); From is the stage. Internal.
	EventSLA EventKind = "sla"
	// EventPolicy records that a report's promises were re-applied from a
	// newer policy revision (From and To are the revision numbers).
	EventPolicy EventKind = "policy"
	// EventAdvisory records an advisory of the report: drafted, published
	// (To the advisory's reference, From the action), updated, withdrawn.
	EventAdvisory EventKind = "advisory"
	// EventDisclosure is a step of the disclosure negotiation: From
	// "proposed" or "agreed", To the instant (RFC 3339, UTC), Body the
	// reason of an extension. Shown on the thread.
	EventDisclosure EventKind = "disclosure"
)

// Event is one entry of a report's timeline: who did what, when, and what
// changed from what.
type Event struct {
	ID       int64
	ReportID int64
	At       time.Time
	Actor    Actor
	Kind     EventKind
	Audience Audience
	From, To string
	// Body is the free text of a message, note or reason: confidential.
	Body string
	// Attachments lists the files that came with the event.
	Attachments []Attachment
}

// Attachment is a file that came with a report or a message.
type Attachment struct {
	ID          int64
	ReportID    int64
	EventID     int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
}

// ActorReporter is the reporter, acting through the thread link.
const ActorReporter Actor = "reporter"

// UserActor names a maintainer in timelines and the audit log.
func UserActor(id int64) Actor { return Actor(fmt.Sprintf("user:%d", id)) }
