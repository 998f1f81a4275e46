package app

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/cwe"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// AdvisoryInput is what maintainers write in an advisory.
type AdvisoryInput struct {
	Summary    string                    `json:"summary"`
	Details    string                    `json:"details"`
	Severity   string                    `json:"severity"`
	CVSS3      string                    `json:"cvss3"`
	CVSS4      string                    `json:"cvss4"`
	CWEs       []string                  `json:"cwes"`
	CVE        string                    `json:"cve"`
	Aliases    []string                  `json:"aliases"`
	References []embargo.Reference       `json:"references"`
	Affected   []embargo.AffectedProduct `json:"affected"`
	Credits    []embargo.AdvisoryCredit  `json:"credits"`
}

var (
	cvePattern   = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	aliasPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{2,63}$`)
	prefixOK     = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,11}$`)
)

// referenceTypes and creditTypes are OSV's.
var (
	referenceTypes = []string{"ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION", "REPORT", "FIX", "INTRODUCED", "PACKAGE", "EVIDENCE", "WEB"}
	creditTypes    = []string{"FINDER", "REPORTER", "ANALYST", "COORDINATOR", "REMEDIATION_DEVELOPER", "REMEDIATION_REVIEWER",
		"REMEDIATION_VERIFIER", "TOOL", "SPONSOR", "OTHER"}
)

// apply validates in and writes it into a, scores computed from the
// vectors. FieldErrors name each bad field.
func (in AdvisoryInput) apply(pol *embargo.Policy, a *embargo.Advisory) error {
	var fe embargo.FieldErrors
	bad := func(field, format string, args ...any) {
		fe = append(fe, embargo.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	a.Summary = strings.Join(strings.Fields(in.Summary), " ")
	switch n := utf8.RuneCountInString(a.Summary); {
	case n == 0:
		bad("summary", "write a one-line summary")
	case n > embargo.MaxTitle:
		bad("summary", "the summary is longer than %d characters", embargo.MaxTitle)
	}
	a.Details = strings.TrimSpace(strings.ReplaceAll(in.Details, "\r\n", "\n"))
	if utf8.RuneCountInString(a.Details) > embargo.MaxText || !utf8.ValidString(a.Details) {
		bad("details", "the details must be valid UTF-8 of at most %d characters", embargo.MaxText)
	}
	a.Severity = strings.ToLower(strings.TrimSpace(in.Severity))
	if a.Severity != "" && !contains(severityNames(pol), a.Severity) {
		bad("severity", "unknown severity %q: the policy's are %s", a.Severity, strings.Join(severityNames(pol), ", "))
	}
	a.CVSS3, a.CVSS3Score, a.CVSS4, a.CVSS4Score = "", 0, "", 0
	if v := strings.TrimSpace(in.CVSS3); v != "" {
		vec, score, err := ScoreCVSS(CVSS31, v)
		if err != nil {
			bad("cvss3", "%s", embargo.MessageOf(err))
		}
		a.CVSS3, a.CVSS3Score = vec, score
	}
	if v := strings.TrimSpace(in.CVSS4); v != "" {
		vec, score, err := ScoreCVSS(CVSS40, v)
		if err != nil {
			bad("cvss4", "%s", embargo.MessageOf(err))
		}
		a.CVSS4, a.CVSS4Score = vec, score
	}
	if a.Severity == "" {
		score := a.CVSS4Score
		if score == 0 {
			score = a.CVSS3Score
		}
		a.Severity = severityFor(pol, score)
	}
	a.CWEs = nil
	for _, ref := range in.CWEs {
		if strings.TrimSpace(ref) == "" {
			continue
		}
		w, ok := cwe.Lookup(ref)
		if !ok {
			bad("cwes", "%s is not in the CWE catalogue %s", ref, cwe.Version)
			continue
		}
		a.CWEs = append(a.CWEs, fmt.Sprintf("CWE-%d", w.ID))
	}
	a.CVE = strings.ToUpper(strings.TrimSpace(in.CVE))
	if a.CVE != "" && !cvePattern.MatchString(a.CVE) {
		bad("cve", "%q is not a CVE id (CVE-2026-12345)", in.CVE)
	}
	a.Aliases = nil
	for _, al := range in.Aliases {
		if al = strings.TrimSpace(al); al == "" || al == a.CVE {
			continue
		}
		if !aliasPattern.MatchString(al) {
			bad("aliases", "%q is not an advisory id", al)
		}
		a.Aliases = append(a.Aliases, al)
	}
	a.References = nil
	for _, r := range in.References {
		r.Type = strings.ToUpper(strings.TrimSpace(r.Type))
		if r.Type == "" {
			r.Type = "WEB"
		}
		u, err := url.Parse(strings.TrimSpace(r.URL))
		switch {
		case !contains(referenceTypes, r.Type):
			bad("references", "unknown reference type %q: use one of %s", r.Type, strings.Join(referenceTypes, ", "))
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			bad("references", "%q is not an http(s) URL", r.URL)
		default:
			a.References = append(a.References, embargo.Reference{Type: r.Type, URL: u.String()})
		}
	}
	affected := make([]embargo.Affected, len(in.Affected))
	for i, p := range in.Affected {
		affected[i] = embargo.Affected{Ecosystem: p.Ecosystem, Package: p.Package, Ranges: p.Ranges}
	}
	if err := embargo.ValidateAffected(affected); err != nil {
		bad("affected", "%s", embargo.MessageOf(err))
	}
	a.Affected = nil
	for i, p := range affected {
		a.Affected = append(a.Affected, embargo.AffectedProduct{Ecosystem: p.Ecosystem, Package: p.Package, Ranges: p.Ranges,
			Symbols: in.Affected[i].Symbols})
	}
	a.Credits = nil
	for _, c := range in.Credits {
		c.Name, c.Contact, c.Type = strings.TrimSpace(c.Name), strings.TrimSpace(c.Contact), strings.ToUpper(strings.TrimSpace(c.Type))
		if c.Type == "" {
			c.Type = "FINDER"
		}
		switch {
		case c.Name == "":
			bad("credits", "a credit needs a name")
		case !contains(creditTypes, c.Type):
			bad("credits", "unknown credit type %q: use one of %s", c.Type, strings.Join(creditTypes, ", "))
		default:
			a.Credits = append(a.Credits, c)
		}
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// InputOf returns an advisory's editable fields.
func InputOf(a embargo.Advisory) AdvisoryInput {
	return AdvisoryInput{Summary: a.Summary, Details: a.Details, Severity: a.Severity, CVSS3: a.CVSS3, CVSS4: a.CVSS4,
		CWEs: a.CWEs, CVE: a.CVE, Aliases: a.Aliases, References: a.References, Affected: a.Affected, Credits: a.Credits}
}

// creditOf is the advisory credit a report's reporter chose, or false for
// an anonymous one.
func creditOf(c embargo.CreditPreference) (embargo.AdvisoryCredit, bool) {
	switch c.Mode {
	case embargo.CreditName, embargo.CreditHandle:
		return embargo.AdvisoryCredit{Name: c.Name, Type: "FINDER"}, c.Name != ""
	case embargo.CreditLink:
		return embargo.AdvisoryCredit{Name: c.Name, Contact: c.Link, Type: "FINDER"}, c.Name != ""
	}
	return embargo.AdvisoryCredit{}, false
}

// advisoryPrefix is the project's advisory reference prefix.
func advisoryPrefix(p embargo.Project, pol *embargo.Policy) string {
	if prefixOK.MatchString(pol.Disclosure.AdvisoryPrefix) {
		return pol.Disclosure.AdvisoryPrefix
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(p.Slug) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if len(s) > 12 {
		s = s[:12]
	}
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
		s = "ADV" + s
	}
	return s
}

// CreateAdvisory drafts an advisory from reports of the project (triager
// and up): the first report's title as summary, severity, CVSS, CWE and
// affected versions gathered from the reports. The reporters' credits are
// not copied: they are taken at publication, as each reporter's choice
// stands then (see ReporterCredits); Credits holds the others. Errors: Forbidden,
// NotFound for an unknown report, Invalid without reports.
func (a *App) CreateAdvisory(ctx context.Context, u embargo.User, slug string, numbers []int64) (embargo.Advisory, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleTriager)
	if err != nil {
		return embargo.Advisory{}, err
	}
	if len(numbers) == 0 || len(numbers) > 50 {
		return embargo.Advisory{}, embargo.FieldErrors{{Field: "reports", Message: "name the reports (1 to 50) the advisory is about"}}
	}
	_, pol, _, err := a.policyInForce(ctx, slug)
	if err != nil {
		return embargo.Advisory{}, err
	}
	var reports []embargo.Report
	var ids []int64
	for _, n := range numbers {
		r, err := a.store.ReportByNumber(ctx, p.ID, n)
		if err != nil {
			return embargo.Advisory{}, err
		}
		if !slices.Contains(ids, r.ID) {
			reports, ids = append(reports, r), append(ids, r.ID)
		}
	}
	actor := embargo.UserActor(u.ID)
	adv, err := a.store.CreateAdvisory(ctx, p.ID, advisoryPrefix(p, pol), ids, actor, func(adv *embargo.Advisory) {
		first := reports[0]
		adv.Summary, adv.Severity = first.Content.Title, first.Severity
		adv.CVSS3, adv.CVSS4 = first.CVSS3, first.CVSS4
		adv.CVSS3Score, adv.CVSS4Score, _ = scores(pol, first)
		for _, r := range reports {
			for _, c := range r.CWEs {
				if !slices.Contains(adv.CWEs, c) {
					adv.CWEs = append(adv.CWEs, c)
				}
			}
			for _, af := range r.Affected {
				adv.Affected = append(adv.Affected, embargo.AffectedProduct{Ecosystem: af.Ecosystem, Package: af.Package, Ranges: af.Ranges})
			}
		}
	})
	if err != nil {
		return adv, fmt.Errorf("app.CreateAdvisory(%s): %w", slug, err)
	}
	for _, r := range reports {
		if _, _, err := a.store.ChangeReport(ctx, r.ID, func(*embargo.Report, []embargo.Event) ([]store.EventInput, error) {
			return []store.EventInput{{Event: embargo.Event{Actor: actor, Kind: embargo.EventAdvisory, Audience: embargo.AudienceInternal,
				From: "drafted", To: adv.Ref}}}, nil
		}); err != nil {
			return adv, err
		}
	}
	// Reports whose disclosure date is agreed already schedule it.
	if err := a.schedule(ctx, adv.ID, actor); err != nil {
		return adv, err
	}
	return a.store.AdvisoryByID(ctx, adv.ID)
}

// AdvisoryView is a maintainer's view of an advisory.
type AdvisoryView struct {
	Project  embargo.Project
	Policy   *embargo.Policy
	Role     embargo.Role
	Advisory embargo.Advisory
	Reports  []embargo.Report
}

// ReporterCredits are the credits the reports' reporters chose, as their
// choices stand now: what a publication now would name (anonymous
// reporters are not named).
func (v AdvisoryView) ReporterCredits() []embargo.AdvisoryCredit {
	var rs []*embargo.Report
	for i := range v.Reports {
		rs = append(rs, &v.Reports[i])
	}
	return reporterCredits(rs)
}

func reporterCredits(reports []*embargo.Report) []embargo.AdvisoryCredit {
	var out []embargo.AdvisoryCredit
	for _, r := range reports {
		if c, ok := creditOf(r.Content.Credit); ok && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Advisory shows a project's advisory, draft included, to a member.
func (a *App) Advisory(ctx context.Context, u embargo.User, slug, ref string) (AdvisoryView, error) {
	p, role, err := a.require(ctx, u, slug, embargo.RoleViewer)
	if err != nil {
		return AdvisoryView{}, err
	}
	adv, err := a.store.Advisory(ctx, p.ID, ref)
	if err != nil {
		return AdvisoryView{}, err
	}
	_, pol, _, err := a.policyInForce(ctx, slug)
	if err != nil {
		return AdvisoryView{}, err
	}
	v := AdvisoryView{Project: p, Policy: pol, Role: role, Advisory: adv}
	for _, id := range adv.ReportIDs {
		r, err := a.store.Report(ctx, id)
		if err != nil {
			return v, err
		}
		v.Reports = append(v.Reports, r)
	}
	return v, nil
}

// ProjectAdvisories lists a project's advisories for a member.
func (a *App) ProjectAdvisories(ctx context.Context, u embargo.User, slug string) (embargo.Project, []store.AdvisorySummary, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleViewer)
	if err != nil {
		return p, nil, err
	}
	list, err := a.store.Advisories(ctx, p.ID)
	return p, list, err
}

// ReserveCVEs records CVE ids the project reserved with its CNA (owners),
// one or more separated by spaces, commas or lines. Errors: Forbidden,
// FieldErrors for a malformed id, Conflict for one already reserved.
func (a *App) ReserveCVEs(ctx context.Context, u embargo.User, slug, text string) (int, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleOwner)
	if err != nil {
		return 0, err
	}
	var ids []string
	for _, f := range strings.FieldsFunc(text, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }) {
		id := strings.ToUpper(f)
		if !cvePattern.MatchString(id) {
			return 0, embargo.FieldErrors{{Field: "cves", Message: fmt.Sprintf("%q is not a CVE id (CVE-2026-12345)", f)}}
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > 500 {
		return 0, embargo.FieldErrors{{Field: "cves", Message: "give 1 to 500 CVE ids"}}
	}
	return len(ids), a.store.ReserveCVEs(ctx, p.ID, ids, embargo.UserActor(u.ID))
}

// CVEPool lists the project's reserved CVE ids for a member.
func (a *App) CVEPool(ctx context.Context, u embargo.User, slug string) ([]store.ReservedCVE, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleViewer)
	if err != nil {
		return nil, err
	}
	return a.store.CVEPool(ctx, p.ID)
}

// TakeCVE gives an advisory the next free CVE id of the project's pool
// (triager and up). Errors: NotFound for an empty pool, Conflict when the
// advisory has another CVE id already or is withdrawn.
func (a *App) TakeCVE(ctx context.Context, u embargo.User, slug, ref string) (embargo.Advisory, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleTriager)
	if err != nil {
		return embargo.Advisory{}, err
	}
	cur, err := a.store.Advisory(ctx, p.ID, ref)
	if err != nil {
		return cur, err
	}
	if cur.State == embargo.AdvisoryPublished || cur.State == embargo.AdvisoryWithdrawn {
		return cur, embargo.Errorf(embargo.KindConflict, "%s is %s: set its CVE id with an edit and a change summary", ref, cur.State)
	}
	if cur.CVE != "" {
		return cur, embargo.Errorf(embargo.KindConflict, "%s already has %s", ref, cur.CVE)
	}
	id, err := a.store.TakeCVE(ctx, p.ID, cur.ID)
	if err != nil {
		return cur, err
	}
	return a.store.ChangeAdvisory(ctx, cur.ID, embargo.UserActor(u.ID), func(adv *embargo.Advisory, _ []*embargo.Report) (store.AdvisoryChange, error) {
		if adv.State == embargo.AdvisoryPublished || adv.State == embargo.AdvisoryWithdrawn || (adv.CVE != "" && adv.CVE != id) {
			return store.AdvisoryChange{}, embargo.Errorf(embargo.KindConflict, "%s changed meanwhile: reload it", adv.Ref)
		}
		adv.CVE = id
		return store.AdvisoryChange{Action: "advisory.cve", Details: map[string]string{"cve": id}}, nil
	})
}
