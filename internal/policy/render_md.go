package policy

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// RenderOptions carries what a rendering needs beyond the policy.
type RenderOptions struct {
	// BaseURL is the instance's public URL (https://embargo.example.org);
	// when set, links to the project's pages on the instance are added.
	BaseURL string
	// WellKnown adds BaseURL/.well-known/security.txt to the Canonical
	// URIs: the project is the instance's default.
	WellKnown bool
	// CSAF is the URL of the project's CSAF provider-metadata.json, for
	// security.txt's CSAF field (CSAF 2.0 section 7.1.8); "" for none.
	CSAF string
}

// projectURL returns the instance URL of a project page, or "".
func (o RenderOptions) projectURL(pol *embargo.Policy, rest string) string {
	if o.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(o.BaseURL, "/") + "/p/" + pol.Project.Slug + rest
}

// RenderSecurityMD renders the policy as a SECURITY.md. The output depends
// only on its inputs: the same policy always gives the same bytes.
func RenderSecurityMD(pol *embargo.Policy, o RenderOptions) []byte {
	w := &mdWriter{}
	w.line("# Security Policy for %s", pol.Project.Name)
	if pol.Intro != "" {
		w.para(pol.Intro)
	} else {
		w.para(fmt.Sprintf("The %s maintainers take security seriously. This document says how to report a vulnerability privately, what we promise to do and by when, and which versions receive security fixes.", pol.Project.Name))
	}
	reporting(w, pol)
	expectations(w, pol)
	disclosure(w, pol)
	credit(w, pol)
	versions(w, pol)
	scope(w, pol)
	for _, s := range pol.Sections {
		w.line("## %s", s.Title)
		w.para(strings.TrimSpace(s.Body))
	}
	w.line("---")
	w.blank()
	footer := "This policy is kept as a policy file and enforced by Embargo: the deadlines above are timers, not intentions."
	if u := o.projectURL(pol, "/security.txt"); u != "" {
		footer += fmt.Sprintf(" Machine-readable contact details: <%s>.", u)
	}
	w.line("%s", footer)
	return []byte(w.String())
}

type mdWriter struct{ strings.Builder }

func (w *mdWriter) line(format string, args ...any) {
	fmt.Fprintf(w, format, args...)
	w.WriteString("\n")
	if strings.HasPrefix(format, "#") {
		w.blank()
	}
}

func (w *mdWriter) blank() { w.WriteString("\n") }

func (w *mdWriter) para(text string) {
	w.WriteString(strings.TrimSpace(text))
	w.WriteString("\n\n")
}

func (w *mdWriter) list(items []string) {
	for _, it := range items {
		w.WriteString("- " + strings.TrimSpace(it) + "\n")
	}
	w.blank()
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func reporting(w *mdWriter, pol *embargo.Policy) {
	w.line("## Reporting a vulnerability")
	w.para("Please do not report security vulnerabilities through public issues, discussions or pull requests. Report them privately through one of these channels:")
	var items []string
	c := pol.Contacts
	if c.Email != "" {
		it := fmt.Sprintf("Email: [%s](mailto:%s)", c.Email, c.Email)
		if c.EmailSubject != "" {
			it += fmt.Sprintf(", with the subject line `%s`", c.EmailSubject)
		}
		items = append(items, it)
	}
	for _, ch := range c.Channels {
		items = append(items, channelLine(ch))
	}
	w.list(items)
	if pgp := c.PGP; pgp.Offered() {
		w.line("### Encrypting your report")
		switch {
		case pgp.KeyURL != "" && pgp.Fingerprint != "":
			w.para(fmt.Sprintf("Encrypt sensitive details with our OpenPGP key <%s> (fingerprint `%s`).", pgp.KeyURL, pgp.Fingerprint))
		case pgp.KeyURL != "":
			w.para(fmt.Sprintf("Encrypt sensitive details with our OpenPGP key: <%s>.", pgp.KeyURL))
		case pgp.Fingerprint != "":
			w.para(fmt.Sprintf("Encrypt sensitive details with our OpenPGP key, fingerprint `%s`.", pgp.Fingerprint))
		default:
			w.para("If you need encrypted transport, ask for our OpenPGP key through one of the channels above.")
		}
	}
	if len(pol.ReportGuidance) > 0 {
		w.line("### What to include")
		w.para("A good report lets us reproduce the problem quickly. Please include:")
		w.list(pol.ReportGuidance)
	}
	if t := pol.Intake.PublicCVETracker; t != "" {
		w.line("### Findings that already have a CVE")
		text := fmt.Sprintf("A finding that already has a CVE assigned, such as one reported by a scanner, is public already: please open an issue at <%s> instead of writing to us privately, so that the discussion benefits everyone.", t)
		if pol.Intake.PublicCVENote != "" {
			text += " " + strings.TrimSpace(pol.Intake.PublicCVENote)
		}
		w.para(text)
	}
}

func channelLine(ch embargo.Channel) string {
	switch ch.Type {
	case embargo.ChannelEmail:
		label := ch.Label
		if label == "" {
			label = "Email"
		}
		return fmt.Sprintf("%s: [%s](mailto:%s)", label, ch.Address, ch.Address)
	case embargo.ChannelGitHub:
		label := ch.Label
		if label == "" {
			label = "GitHub private vulnerability reporting"
		}
		return fmt.Sprintf("%s: <%s>", label, ch.URL)
	}
	label := ch.Label
	if label == "" {
		label = map[string]string{embargo.ChannelWeb: "Report form", embargo.ChannelPlatform: "Bug bounty platform"}[ch.Type]
	}
	return fmt.Sprintf("%s: <%s>", label, ch.URL)
}

// stageFrom says what each stage's clock counts from.
var stageFrom = map[string]string{
	embargo.StageAcknowledge: "of your report",
	embargo.StageAssess:      "of your report",
	embargo.StageFix:         "of the severity assessment",
	embargo.StageDisclose:    "of your report",
}

func within(d embargo.Duration) string {
	if d.Unit == embargo.NextRelease {
		return "in the next regular release"
	}
	return "within " + d.Human()
}

func expectations(w *mdWriter, pol *embargo.Policy) {
	if len(pol.SLA.Stages) == 0 {
		return
	}
	w.line("## What to expect")
	w.line("| Stage | Our promise |")
	w.line("|---|---|")
	bySeverity := false
	usesBD := false
	for _, stage := range embargo.Stages {
		s, ok := pol.SLA.Stages[stage]
		if !ok {
			continue
		}
		var promise string
		switch {
		case len(s.BySeverity) > 0:
			bySeverity = bySeverity || stage == embargo.StageFix
			promise = perSeveritySummary(pol, s)
		case !s.All.IsZero():
			promise = within(s.All)
			if s.All.Unit != embargo.NextRelease {
				promise += " " + stageFrom[stage]
			}
		}
		for _, d := range append(mapValues(s.BySeverity), s.All) {
			usesBD = usesBD || d.Unit == embargo.BusinessDays
		}
		w.line("| %s | %s |", embargo.StageTitle(stage), cell(promise))
	}
	w.blank()
	var notes []string
	if usesBD {
		notes = append(notes, fmt.Sprintf("Business days are counted %s.", calendarText(pol.Calendar)))
	}
	if pol.SLA.PauseOnNeedsInfo {
		notes = append(notes, "While we wait for information we asked you for, the clock is paused.")
	}
	notes = append(notes, "We keep you informed of our progress until the issue is resolved.")
	w.para(strings.Join(notes, " "))
	if fix, ok := pol.SLA.Stages[embargo.StageFix]; ok && bySeverity {
		fixTable(w, pol, fix)
	}
}

func mapValues(m map[string]embargo.Duration) []embargo.Duration {
	out := make([]embargo.Duration, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// perSeveritySummary lists a per-severity stage in severity order.
func perSeveritySummary(pol *embargo.Policy, s embargo.StageSLA) string {
	var parts []string
	for _, sev := range pol.Severities {
		if d, ok := s.BySeverity[sev.Name]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", title(sev.Name), within(d)))
		}
	}
	if !s.All.IsZero() {
		parts = append(parts, "other severities "+within(s.All))
	}
	return strings.Join(parts, "; ")
}

func fixTable(w *mdWriter, pol *embargo.Policy, fix embargo.StageSLA) {
	w.line("### Fix windows by severity")
	w.line("| Severity | Meaning | Fixed |")
	w.line("|---|---|---|")
	missing := false
	for _, sev := range pol.Severities {
		d, ok := fix.For(sev.Name)
		if !ok {
			missing = true
			continue
		}
		meaning := sev.Description
		if sev.HasCVSS {
			band := fmt.Sprintf("CVSS %.1f or higher", sev.CVSSMin)
			if meaning == "" {
				meaning = band
			} else {
				meaning += " (" + band + ")"
			}
		}
		w.line("| %s | %s | %s |", title(sev.Name), cell(meaning), within(d))
	}
	w.blank()
	text := "The fix window starts when we assign the severity."
	if missing {
		text += " Severities not listed have no fixed deadline; we fix them as priorities allow."
	}
	w.para(text)
}

func calendarText(c embargo.Calendar) string {
	var off []string
	for d := 0; d < 7; d++ {
		if c.Weekend[timeWeekday(d)] {
			off = append(off, timeWeekday(d).String()+"s")
		}
	}
	s := "in the " + c.Loc().String() + " time zone"
	if len(off) > 0 {
		s += ", excluding " + strings.Join(off, " and ")
	}
	if len(c.Holidays) > 0 {
		s += " and the project's listed holidays"
	}
	return s
}

func disclosure(w *mdWriter, pol *embargo.Policy) {
	d := pol.Disclosure
	w.line("## Coordinated disclosure")
	var s []string
	s = append(s, "Please keep the vulnerability private until it is fixed and disclosed.")
	if d.ReporterMustAgree {
		s = append(s, "We agree the public disclosure date with you.")
	} else {
		s = append(s, "We tell you the public disclosure date in advance.")
	}
	if !d.DefaultEmbargo.IsZero() {
		s = append(s, fmt.Sprintf("Our first proposal is a disclosure %s after your report.", d.DefaultEmbargo.Human()))
	}
	if dl, ok := pol.SLA.Stages[embargo.StageDisclose]; ok && !dl.All.IsZero() {
		s = append(s, fmt.Sprintf("We aim to disclose %s of your report.", within(dl.All)))
	}
	if !d.MaxEmbargo.IsZero() {
		s = append(s, fmt.Sprintf("An embargo lasts at most %s; extensions carry a reason.", d.MaxEmbargo.Human()))
	}
	w.para(strings.Join(s, " "))
	if d.Notes != "" {
		w.para(d.Notes)
	}
}

func credit(w *mdWriter, pol *embargo.Policy) {
	c := pol.Credit
	w.line("## Credit")
	if !c.Offered {
		w.para("We do not publish reporter credits.")
	} else {
		where := "the security advisory"
		if len(c.Where) > 0 {
			where = joinAnd(c.Where)
		}
		s := fmt.Sprintf("We credit you in %s", where)
		if c.Anonymous {
			s += " (unless you prefer to remain anonymous)"
		}
		s += "."
		if c.HallOfFame {
			s += " We also keep a hall of fame of the researchers who reported vulnerabilities to us."
		}
		w.para(s)
	}
	b := pol.BugBounty
	switch {
	case b == nil:
	case b.Offered:
		w.para(strings.TrimSpace("We run a bug bounty program. " + b.Notes))
	default:
		text := "We do not run a bug bounty program."
		if b.Notes != "" {
			text += " " + b.Notes
		}
		w.para(text)
	}
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

func versions(w *mdWriter, pol *embargo.Policy) {
	sv := pol.SupportedVersions
	if len(sv.Rows) == 0 && sv.Note == "" {
		return
	}
	w.line("## Supported versions")
	if len(sv.Rows) > 0 {
		w.line("| Version | Supported | Until | Notes |")
		w.line("|---|---|---|---|")
		for _, r := range sv.Rows {
			yes := "No"
			if r.Supported {
				yes = "Yes"
			}
			until := ""
			if !r.Until.IsZero() {
				until = r.Until.Format("2006-01-02")
			}
			w.line("| %s | %s | %s | %s |", cell(r.Versions), yes, until, cell(r.Note))
		}
		w.blank()
	}
	if sv.Note != "" {
		w.para(sv.Note)
	}
}

func scope(w *mdWriter, pol *embargo.Policy) {
	s := pol.Scope
	if len(s.In) > 0 || len(s.Out) > 0 || s.Notes != "" {
		w.line("## Scope")
		if len(s.In) > 0 {
			w.line("### In scope")
			w.list(s.In)
		}
		if len(s.Out) > 0 {
			w.line("### Out of scope")
			w.list(s.Out)
		}
		if s.Notes != "" {
			w.para(s.Notes)
		}
	}
	if len(pol.Languages) > 0 {
		w.line("## Languages")
		w.para(fmt.Sprintf("We prefer reports in %s.", joinAnd(languageNames(pol.Languages))))
	}
}

func languageNames(tags []string) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t
		if tag, err := language.Parse(t); err == nil {
			if name := display.English.Tags().Name(tag); name != "" {
				out[i] = name
			}
		}
	}
	return out
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// timeWeekday lists weekdays from Monday, the order people read a week in.
func timeWeekday(i int) time.Weekday { return time.Weekday((i + 1) % 7) }
