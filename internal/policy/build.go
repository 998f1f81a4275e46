package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on hosts without /usr/share/zoneinfo

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// builder converts a schema-valid raw policy into an embargo.Policy and
// collects semantic errors with their positions.
type builder struct {
	loc   locator
	diags Diagnostics
}

func (b *builder) report(level Level, path []string, format string, args ...any) {
	l, c := b.loc.find(path)
	where := dotted(path)
	b.diags = append(b.diags, Diagnostic{Line: l, Col: c, Level: level, Path: where,
		Message: where + ": " + fmt.Sprintf(format, args...)})
}

func (b *builder) errorf(path []string, format string, args ...any) {
	b.report(LevelError, path, format, args...)
}

func p(segs ...any) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		switch v := s.(type) {
		case int:
			out[i] = strconv.Itoa(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}

func (b *builder) duration(s string, path []string) embargo.Duration {
	d, err := embargo.ParseDuration(s)
	if err != nil {
		b.errorf(path, "%s", embargo.MessageOf(err))
	}
	return d
}

func (b *builder) date(s string, loc *time.Location, path []string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		b.errorf(path, "%q is not a calendar date", s)
	}
	return t
}

func (b *builder) build(r *rawPolicy) *embargo.Policy {
	pol := &embargo.Policy{
		Version: r.Version,
		Project: embargo.ProjectInfo{Name: r.Project.Name, Slug: r.Project.Slug,
			Homepage: r.Project.Homepage, Repository: r.Project.Repository},
		Intro:          r.Intro,
		ReportGuidance: r.ReportGuidance,
		Scope:          embargo.Scope{In: r.Scope.In, Out: r.Scope.Out, Notes: r.Scope.Notes},
		Languages:      r.Languages,
	}
	if len(pol.Languages) == 0 {
		pol.Languages = []string{"en"}
	}
	pol.Contacts = embargo.Contacts{
		Email:        r.Contacts.Email,
		EmailSubject: r.Contacts.EmailSubject,
		PGP: embargo.PGP{
			Fingerprint: strings.ToUpper(strings.ReplaceAll(r.Contacts.PGP.Fingerprint, " ", "")),
			KeyURL:      r.Contacts.PGP.KeyURL,
			OnRequest:   r.Contacts.PGP.OnRequest,
		},
	}
	for i, c := range r.Contacts.Channels {
		ch := embargo.Channel{Type: c.Type, URL: c.URL, Address: c.Address, Label: c.Label}
		if c.Type == embargo.ChannelEmail && c.Address == "" {
			b.errorf(p("contacts", "channels", i), "an email channel needs an address")
		}
		if c.Type != embargo.ChannelEmail && c.URL == "" {
			b.errorf(p("contacts", "channels", i), "a %s channel needs a url", c.Type)
		}
		pol.Contacts.Channels = append(pol.Contacts.Channels, ch)
	}

	pol.Calendar = b.calendar(r)
	b.severities(r, pol)
	b.sla(r, pol)
	b.versions(r, pol)

	pol.Disclosure.Notes = r.Disclosure.Notes
	pol.Disclosure.AdvisoryPrefix = r.Disclosure.AdvisoryPrefix
	pol.Disclosure.ReporterMustAgree = r.Disclosure.ReporterMustAgree == nil || *r.Disclosure.ReporterMustAgree
	if r.Disclosure.DefaultEmbargo != "" {
		pol.Disclosure.DefaultEmbargo = b.duration(r.Disclosure.DefaultEmbargo, p("disclosure", "default_embargo"))
	}
	if r.Disclosure.MaxEmbargo != "" {
		pol.Disclosure.MaxEmbargo = b.duration(r.Disclosure.MaxEmbargo, p("disclosure", "max_embargo"))
	}

	if bb := r.BugBounty; bb != nil {
		pol.BugBounty = &embargo.BugBounty{Offered: bb.Offered, Notes: bb.Notes}
	}
	pol.Credit = embargo.Credit{
		Offered:    r.Credit.Offered == nil || *r.Credit.Offered,
		Anonymous:  r.Credit.Anonymous == nil || *r.Credit.Anonymous,
		Where:      r.Credit.Where,
		HallOfFame: r.Credit.HallOfFame,
	}

	st := r.SecurityTxt
	pol.SecurityTxt = embargo.SecurityTxt{Canonical: st.Canonical, Policy: st.Policy,
		Acknowledgments: st.Acknowledgments, Hiring: st.Hiring}
	b.expires(st.Expires, &pol.SecurityTxt)

	if pc := r.Intake.PublicCVEs; pc != nil {
		pol.Intake = embargo.Intake{PublicCVETracker: pc.Tracker, PublicCVENote: pc.Note}
	}
	for _, s := range r.Sections {
		pol.Sections = append(pol.Sections, embargo.Section{Title: s.Title, Body: s.Body})
	}
	return pol
}

func (b *builder) expires(s string, st *embargo.SecurityTxt) {
	path := p("security_txt", "expires")
	switch {
	case s == "":
		st.ExpiresIn = embargo.Duration{N: 180, Unit: embargo.Days}
		return
	case len(s) == len(time.DateOnly):
		st.ExpiresAt = b.date(s, time.UTC, path)
		return
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		st.ExpiresAt = t.UTC()
		return
	}
	d, err := embargo.ParseDuration(s)
	if err != nil || d.Unit == embargo.NextRelease || d.Unit == embargo.BusinessDays {
		b.errorf(path, "want an RFC 3339 instant (2027-06-30T00:00:00Z), a date (2027-06-30), or a span from rendering time (180d, 26w)")
		return
	}
	st.ExpiresIn = d
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday,
	"tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday,
	"friday": time.Friday, "saturday": time.Saturday}

func (b *builder) calendar(r *rawPolicy) embargo.Calendar {
	cal := embargo.DefaultCalendar()
	if tz := r.Calendar.TimeZone; tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || strings.EqualFold(tz, "local") {
			b.errorf(p("calendar", "time_zone"), "unknown time zone %q: want an IANA name such as Europe/Berlin or UTC", tz)
		} else {
			cal.Location = loc
		}
	}
	if r.Calendar.Weekend != nil {
		cal.Weekend = map[time.Weekday]bool{}
		for _, w := range r.Calendar.Weekend {
			cal.Weekend[weekdays[w]] = true
		}
		if len(cal.Weekend) == 7 {
			b.errorf(p("calendar", "weekend"), "every day is a weekend day: no business day would ever come")
		}
	}
	for i, h := range r.Calendar.Holidays {
		t := b.date(h, time.UTC, p("calendar", "holidays", i))
		cal.Holidays[embargo.DateOf(t)] = true
	}
	return cal
}

func (b *builder) severities(r *rawPolicy, pol *embargo.Policy) {
	if len(r.Severities) == 0 {
		pol.Severities = embargo.DefaultSeverities()
		return
	}
	seen := map[string]bool{}
	last := 11.0
	for i, s := range r.Severities {
		if seen[s.Name] {
			b.errorf(p("severities", i, "name"), "severity %q is defined twice", s.Name)
		}
		seen[s.Name] = true
		sev := embargo.Severity{Name: s.Name, Description: s.Description}
		if s.CVSSMin != nil {
			sev.CVSSMin, sev.HasCVSS = *s.CVSSMin, true
			if sev.CVSSMin >= last {
				b.errorf(p("severities", i, "cvss_min"), "list severities most severe first: cvss_min %.1f is not below the previous level's %.1f", sev.CVSSMin, last)
			}
			last = sev.CVSSMin
		}
		pol.Severities = append(pol.Severities, sev)
	}
}

// defaultKey in a per-severity map applies to every severity not listed.
const defaultKey = "default"

func (b *builder) sla(r *rawPolicy, pol *embargo.Policy) {
	pol.SLA.Stages = map[string]embargo.StageSLA{}
	pol.SLA.PauseOnNeedsInfo = r.SLA.PauseOnNeedsInfo == nil || *r.SLA.PauseOnNeedsInfo
	pol.SLA.PublicStatistics = r.SLA.PublicStatistics
	raws := map[string]json.RawMessage{
		embargo.StageAcknowledge: r.SLA.Acknowledge, embargo.StageAssess: r.SLA.Assess,
		embargo.StageFix: r.SLA.Fix, embargo.StageDisclose: r.SLA.Disclose,
	}
	for _, stage := range embargo.Stages {
		raw := raws[stage]
		if len(raw) == 0 {
			continue // not promised
		}
		if string(raw) == "null" {
			pol.SLA.Stages[stage] = embargo.StageSLA{} // the lint reports it
			continue
		}
		path := p("sla", stage)
		var one string
		if json.Unmarshal(raw, &one) == nil {
			pol.SLA.Stages[stage] = embargo.StageSLA{All: b.duration(one, path)}
			continue
		}
		var per map[string]string
		if err := json.Unmarshal(raw, &per); err != nil || len(per) == 0 {
			// null or {}: the lint reports the stage without a deadline.
			pol.SLA.Stages[stage] = embargo.StageSLA{}
			continue
		}
		s := embargo.StageSLA{BySeverity: map[string]embargo.Duration{}}
		keys := make([]string, 0, len(per))
		for k := range per {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d := b.duration(per[k], append(path, k))
			if k == defaultKey {
				s.All = d
			} else {
				s.BySeverity[k] = d
			}
		}
		pol.SLA.Stages[stage] = s
	}
	if r.SLA.Reminders == nil {
		pol.SLA.Reminders = []embargo.Duration{{N: 24, Unit: embargo.Hours}, {N: 1, Unit: embargo.Hours}}
	}
	for i, s := range r.SLA.Reminders {
		d := b.duration(s, p("sla", "reminders", i))
		if d.Unit == embargo.BusinessDays || d.Unit == embargo.NextRelease {
			b.errorf(p("sla", "reminders", i), "a reminder offset is in hours, days or weeks, not %s", d.Unit)
		}
		pol.SLA.Reminders = append(pol.SLA.Reminders, d)
	}
}

func (b *builder) versions(r *rawPolicy, pol *embargo.Policy) {
	pol.SupportedVersions.Note = r.SupportedVersions.Note
	for i, row := range r.SupportedVersions.Table {
		vr, err := embargo.ParseVersionRange(row.Versions)
		if err != nil {
			b.errorf(p("supported_versions", "table", i, "versions"), "%s", embargo.MessageOf(err))
		}
		out := embargo.VersionRow{Versions: row.Versions, Range: vr, Supported: row.Supported, Note: row.Note}
		if row.Until != "" {
			out.Until = b.date(row.Until, pol.Calendar.Loc(), p("supported_versions", "table", i, "until"))
		}
		pol.SupportedVersions.Rows = append(pol.SupportedVersions.Rows, out)
	}
}
