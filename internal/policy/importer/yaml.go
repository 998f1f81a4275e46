package importer

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// q quotes a string as a YAML double-quoted scalar (JSON strings are).
func q(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "< 1.0" stays readable
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

type yamlWriter struct{ strings.Builder }

func (w *yamlWriter) f(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }

// from is a trailing comment naming the source line.
func from(v *sourced) string {
	if v == nil || v.line == 0 {
		return ""
	}
	return fmt.Sprintf("  # line %d", v.line)
}

// yaml writes the draft as a policy file. Values the source did not give
// are bracketed placeholders, which `embargo policy check` reports until
// they are filled in.
func (d *draft) yaml(source string) []byte {
	w := &yamlWriter{}
	w.f("# Draft policy imported by `embargo policy import` from %s.", source)
	w.f("# Review every value against the source, fill in bracketed placeholders,")
	w.f("# then run `embargo policy check` on this file.")
	w.f("version: 1")
	w.f("project:")
	name, slug := d.name, d.slug
	if name == "" {
		name = "[PROJECT NAME]"
	}
	if slug == "" {
		slug = "project"
	}
	w.f("  name: %s", q(name))
	w.f("  slug: %s", q(slug))
	if d.repository != "" {
		w.f("  repository: %s", q(d.repository))
	}
	w.f("contacts:")
	switch {
	case d.email != "":
		w.f("  email: %s", q(d.email))
	case d.placeholder != "":
		w.f("  # The source names no address, only the placeholder %s.", q(d.placeholder))
		w.f("  email: %s", q("[FILL IN THE SECURITY EMAIL ADDRESS]"))
	case len(d.channels) == 0:
		w.f("  email: %s", q("[FILL IN THE SECURITY EMAIL ADDRESS]"))
	}
	if d.emailSubject != "" {
		w.f("  email_subject: %s", q(d.emailSubject))
	}
	if len(d.channels) > 0 {
		w.f("  channels:")
		for _, c := range d.channels {
			w.f("    - type: %s", c.typ)
			if c.url != "" {
				w.f("      url: %s", q(c.url))
			}
			if c.address != "" {
				w.f("      address: %s", q(c.address))
			}
		}
	}
	if d.pgpFingerprint != "" || d.pgpKeyURL != "" || d.pgpOnRequest {
		w.f("  pgp:")
		if d.pgpFingerprint != "" {
			w.f("    fingerprint: %s", q(d.pgpFingerprint))
		}
		if d.pgpKeyURL != "" {
			w.f("    key_url: %s", q(d.pgpKeyURL))
		}
		if d.pgpOnRequest {
			w.f("    on_request: true")
		}
	}
	list(w, "report_guidance", "", d.guidance)
	if len(d.scopeIn)+len(d.scopeOut) > 0 {
		w.f("scope:")
		list(w, "in", "  ", d.scopeIn)
		list(w, "out", "  ", d.scopeOut)
	}
	if len(d.versions) > 0 {
		w.f("supported_versions:")
		w.f("  table:")
		for _, v := range d.versions {
			w.f("    - versions: %s", q(v.versions))
			w.f("      supported: %t", v.supported)
			if v.until != "" {
				w.f("      until: %s", q(v.until))
			}
		}
	}
	d.writeSLA(w)
	w.f("disclosure:")
	if d.defaultEmbargo != nil {
		w.f("  default_embargo: %s%s", d.defaultEmbargo.d, from(d.defaultEmbargo))
	}
	if d.maxEmbargo != nil {
		w.f("  max_embargo: %s%s", d.maxEmbargo.d, from(d.maxEmbargo))
	}
	if d.reporterMustAgree {
		w.f("  reporter_must_agree: true")
	} else {
		w.f("  # The source does not say the disclosure date is agreed with the reporter.")
		w.f("  reporter_must_agree: false")
	}
	w.f("credit:")
	w.f("  offered: %t", d.creditOffered)
	if d.creditOffered {
		if d.creditAnonymous {
			w.f("  anonymous: true")
		}
		list(w, "where", "  ", d.creditWhere)
		if d.hallOfFame {
			w.f("  hall_of_fame: true")
		}
	}
	if d.bugBounty != nil {
		w.f("bug_bounty:")
		w.f("  offered: %t", *d.bugBounty)
	}
	if d.publicCVETracker != "" {
		w.f("intake:")
		w.f("  public_cves:")
		w.f("    tracker: %s", q(d.publicCVETracker))
	}
	w.f("languages: [en]")
	w.f("security_txt:")
	w.f("  expires: 180d")
	if d.ackURL != "" {
		w.f("  acknowledgments: %s", q(d.ackURL))
	}
	if len(d.sections) > 0 {
		w.f("sections:")
		for _, s := range d.sections {
			w.f("  - title: %s", q(s.title))
			w.f("    body: %s", q(s.body))
		}
	}
	return []byte(w.String())
}

func list(w *yamlWriter, name, indent string, items []string) {
	if len(items) == 0 {
		return
	}
	w.f("%s%s:", indent, name)
	for _, it := range items {
		w.f("%s  - %s", indent, q(it))
	}
}

func (d *draft) writeSLA(w *yamlWriter) {
	if len(d.stages) == 0 {
		w.f("sla: {}  # the source promises no deadline")
		return
	}
	w.f("sla:")
	for _, stage := range embargo.Stages {
		st := d.stages[stage]
		if st == nil {
			continue
		}
		if len(st.bySeverity) == 0 && st.all != nil {
			w.f("  %s: %s%s", stage, st.all.d, from(st.all))
			continue
		}
		w.f("  %s:", stage)
		for _, sev := range sortedKeys(st.bySeverity) {
			v := st.bySeverity[sev]
			w.f("    %s: %s%s", sev, v.d, from(v))
		}
		if st.all != nil {
			w.f("    default: %s%s", st.all.d, from(st.all))
		}
	}
}
