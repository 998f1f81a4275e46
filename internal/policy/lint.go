package policy

import (
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Check parses a policy file and lints it as of now. The policy is nil when
// the file cannot be read; the diagnostics hold every finding in file order
// of discovery.
func Check(data []byte, now time.Time) (*embargo.Policy, Diagnostics) {
	pol, diags, loc := parse(data)
	if pol == nil {
		return nil, diags
	}
	b := &builder{loc: loc, diags: diags}
	lint(b, pol, now)
	return pol, b.diags
}

// placeholderMarkers are fragments that betray a contact nobody filled in.
var placeholderMarkers = []string{
	"[insert", "please update", "[maintainer", "your-email", "youremail", "<email",
	"@example.", "example.com", "example.org", "example.net", "todo@", "changeme",
}

// reservedTLDs never deliver mail or resolve publicly (RFC 2606, RFC 6761).
var reservedTLDs = []string{".example", ".invalid", ".test", ".localhost", ".local"}

func isPlaceholder(s string) bool {
	l := strings.ToLower(s)
	if strings.Contains(l, "[") || strings.Contains(l, "]") {
		return true
	}
	for _, m := range placeholderMarkers {
		if strings.Contains(l, m) {
			return true
		}
	}
	host := l
	if i := strings.LastIndex(l, "@"); i >= 0 {
		host = l[i+1:]
	} else if u, err := url.Parse(l); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	if host == "localhost" {
		return true
	}
	for _, t := range reservedTLDs {
		if strings.HasSuffix(host, t) {
			return true
		}
	}
	return false
}

func lint(b *builder, pol *embargo.Policy, now time.Time) {
	lintContacts(b, pol)
	lintSLA(b, pol)
	lintVersions(b, pol, now)
	lintSecurityTxt(b, pol, now)
	d := pol.Disclosure
	if !d.MaxEmbargo.IsZero() && !d.DefaultEmbargo.IsZero() && approxHours(d.MaxEmbargo) < approxHours(d.DefaultEmbargo) {
		b.errorf(p("disclosure", "max_embargo"), "the maximum embargo %s is shorter than the default %s", d.MaxEmbargo, d.DefaultEmbargo)
	}
}

func lintContacts(b *builder, pol *embargo.Policy) {
	c := pol.Contacts
	usable := 0
	if c.Email != "" {
		switch {
		case isPlaceholder(c.Email):
			b.errorf(p("contacts", "email"), "placeholder contact %q: put the real security address here", c.Email)
		default:
			if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
				b.errorf(p("contacts", "email"), "%q is not an email address (write only the address, like security@project.org)", c.Email)
			} else {
				usable++
			}
		}
	}
	for i, ch := range c.Channels {
		target := ch.URL
		if ch.Type == embargo.ChannelEmail {
			target = ch.Address
		}
		if isPlaceholder(target) {
			b.errorf(p("contacts", "channels", i), "placeholder contact %q: put a real address or URL here", target)
			continue
		}
		if ch.Type == embargo.ChannelEmail {
			if a, err := mail.ParseAddress(ch.Address); err != nil || a.Address != ch.Address {
				b.errorf(p("contacts", "channels", i, "address"), "%q is not an email address", ch.Address)
				continue
			}
		}
		usable++
	}
	// security.txt carries these; RFC 9116 §2.5 requires https for web URIs.
	httpsOnly := [][]string{p("contacts", "pgp", "key_url"), p("security_txt", "policy"), p("security_txt", "acknowledgments"), p("security_txt", "hiring")}
	values := []string{c.PGP.KeyURL, pol.SecurityTxt.Policy, pol.SecurityTxt.Acknowledgments, pol.SecurityTxt.Hiring}
	for i, ch := range c.Channels {
		httpsOnly = append(httpsOnly, p("contacts", "channels", i, "url"))
		values = append(values, ch.URL)
	}
	for i, v := range values {
		if strings.HasPrefix(v, "http://") {
			b.errorf(httpsOnly[i], "%q: use https (security.txt and reporters need a secure link)", v)
		}
	}
	if c.PGP.KeyURL != "" && isPlaceholder(c.PGP.KeyURL) {
		b.errorf(p("contacts", "pgp", "key_url"), "placeholder key URL %q", c.PGP.KeyURL)
	}
	if usable == 0 && !b.diags.HasErrors() {
		b.errorf(p("contacts"), "no private channel: set contacts.email or add a channel, or reporters cannot reach you")
	}
}

func lintSLA(b *builder, pol *embargo.Policy) {
	for _, stage := range embargo.Stages {
		s, ok := pol.SLA.Stages[stage]
		if !ok {
			continue
		}
		if s.All.IsZero() && len(s.BySeverity) == 0 {
			b.errorf(p("sla", stage), "SLA stage %q has no deadline: give a duration (48h, 5bd, 30d) or remove the stage", stage)
			continue
		}
		for sev := range s.BySeverity {
			if _, ok := pol.SeverityNamed(sev); !ok {
				b.errorf(p("sla", stage, sev), "severity %q is used here but not defined in severities (defined: %s)", sev, severityNames(pol))
			}
		}
	}
	if _, ok := pol.SLA.Stages[embargo.StageAcknowledge]; !ok {
		b.report(LevelWarning, p("sla"), "no acknowledge deadline: reporters are not told when to expect an answer")
	}
	ack, okA := pol.SLA.Stages[embargo.StageAcknowledge]
	as, okS := pol.SLA.Stages[embargo.StageAssess]
	if okA && okS && !ack.All.IsZero() && !as.All.IsZero() && approxHours(as.All) < approxHours(ack.All) {
		b.report(LevelWarning, p("sla", "assess"), "assessment (%s) is due before acknowledgement (%s)", as.All, ack.All)
	}
}

func severityNames(pol *embargo.Policy) string {
	names := make([]string, len(pol.Severities))
	for i, s := range pol.Severities {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// approxHours orders durations of different units for lint comparisons
// only; deadlines themselves are computed by the sla package.
func approxHours(d embargo.Duration) int {
	switch d.Unit {
	case embargo.Hours:
		return d.N
	case embargo.Days:
		return d.N * 24
	case embargo.BusinessDays:
		return d.N * 24 * 7 / 5
	case embargo.Weeks:
		return d.N * 24 * 7
	}
	return 1 << 30 // next-release: unbounded
}

func lintVersions(b *builder, pol *embargo.Policy, now time.Time) {
	rows := pol.SupportedVersions.Rows
	for i := range rows {
		for j := 0; j < i; j++ {
			if rows[i].Range.Overlaps(rows[j].Range) && rows[i].Versions != "" && rows[j].Versions != "" {
				b.errorf(p("supported_versions", "table", i, "versions"), "versions %q overlap row %d (%q): a version would be both listed twice", rows[i].Versions, j+1, rows[j].Versions)
			}
		}
		if rows[i].Supported && !rows[i].Until.IsZero() && rows[i].Until.Before(now) {
			b.report(LevelWarning, p("supported_versions", "table", i, "until"), "support for %q ended on %s but the row still says supported", rows[i].Versions, rows[i].Until.Format(time.DateOnly))
		}
	}
}

func lintSecurityTxt(b *builder, pol *embargo.Policy, now time.Time) {
	st := pol.SecurityTxt
	path := p("security_txt", "expires")
	exp := ExpiresAt(pol, now)
	switch {
	case exp.Before(now):
		b.errorf(path, "security.txt expired on %s: set a later date or a span such as 180d", exp.Format(time.RFC3339))
	case exp.After(now.AddDate(1, 0, 0)):
		b.errorf(path, "security.txt expires %s, more than a year ahead (RFC 9116 §2.5.5 asks for less)", exp.Format(time.RFC3339))
	}
	for i, c := range st.Canonical {
		if !strings.HasPrefix(c, "https://") {
			b.errorf(p("security_txt", "canonical", i), "a security.txt Canonical URL must use https (RFC 9116 §2.5.2)")
		}
	}
}

// ExpiresAt returns the security.txt expiry for a rendering at now.
func ExpiresAt(pol *embargo.Policy, now time.Time) time.Time {
	st := pol.SecurityTxt
	if !st.ExpiresAt.IsZero() {
		return st.ExpiresAt
	}
	d := st.ExpiresIn
	day := now.UTC().Truncate(24 * time.Hour)
	switch d.Unit {
	case embargo.Hours:
		return now.UTC().Truncate(time.Hour).Add(time.Duration(d.N) * time.Hour)
	case embargo.Weeks:
		return day.AddDate(0, 0, 7*d.N)
	}
	return day.AddDate(0, 0, d.N)
}
