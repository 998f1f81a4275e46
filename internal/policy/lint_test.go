package policy

import (
	"strings"
	"testing"
)

const minimal = `version: 1
project:
  name: Demo
  slug: demo
contacts:
  email: security@demo.org
sla:
  acknowledge: 48h
`

func TestCheckFindings(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// want is "line:col: fragment" of an error that must be reported;
		// "" means no error at all.
		want string
	}{
		{"minimal policy is clean", minimal, ""},
		{"insert placeholder", strings.Replace(minimal, "security@demo.org", `"[INSERT SECURITY EMAIL]"`, 1),
			"6:10|placeholder contact"},
		{"maintainer placeholder", strings.Replace(minimal, "security@demo.org", `"[maintainer email - please update this]"`, 1),
			"6:10|placeholder contact"},
		{"example.com", strings.Replace(minimal, "security@demo.org", "security@example.com", 1),
			"6:10|placeholder contact"},
		{"reserved tld in a channel URL", minimal + "  # \n", ""},
		{"not an address", strings.Replace(minimal, "security@demo.org", "Security Team", 1),
			"6:10|\"Security Team\" is not an email address"},
		{"stage without deadline", minimal + "  assess:\n", "9:|SLA stage \"assess\" has no deadline"},
		{"stage with empty map", minimal + "  fix: {}\n", "9:8|SLA stage \"fix\" has no deadline"},
		{"severity not defined", minimal + "  fix:\n    urgent: 24h\n", "10:13|severity \"urgent\" is used here but not defined"},
		{"bad duration", minimal + "  assess: 5 days\n", "9:11|sla.assess: want a deadline"},
		{"duration too large", minimal + "  assess: 9999999h\n", "9:11|sla.assess: duration \"9999999h\": the number must be between 1"},
		{"overlapping versions", minimal + "supported_versions:\n  table:\n    - versions: 1.x\n      supported: true\n    - versions: \">= 1.2, < 2.0\"\n      supported: false\n",
			"13:17|versions \">= 1.2, < 2.0\" overlap row 1"},
		{"overlapping relative versions", minimal + "supported_versions:\n  table:\n    - versions: latest\n      supported: true\n    - versions: N\n      supported: false\n",
			"13:17|versions \"N\" overlap row 1"},
		{"unreadable version", minimal + "supported_versions:\n  table:\n    - versions: the good ones\n      supported: true\n",
			"11:17|version range \"the good ones\""},
		{"expires in the past", minimal + "security_txt:\n  expires: 2020-01-01\n", "10:12|security.txt expired"},
		{"expires too far ahead", minimal + "security_txt:\n  expires: 400d\n", "10:12|security.txt expires"},
		{"unknown key", minimal + "colour: blue\n", "1:1|policy: additional properties 'colour' not allowed"},
		{"missing contacts channel", strings.Replace(minimal, "  email: security@demo.org\n", "  email_subject: hi\n", 1),
			"6:3|contacts: no private channel"},
		{"yaml syntax", minimal + "sla: [\n", "YAML:"},
		{"duplicate key", minimal + "version: 1\n", "YAML:"},
		{"bad time zone", minimal + "calendar:\n  time_zone: Mars/Olympus\n", "10:14|calendar.time_zone: unknown time zone"},
		{"all weekend", minimal + "calendar:\n  weekend: [monday, tuesday, wednesday, thursday, friday, saturday, sunday]\n", "every day is a weekend day"},
		{"max below default", minimal + "disclosure:\n  default_embargo: 90d\n  max_embargo: 30d\n", "11:16|the maximum embargo 30d is shorter"},
		{"http canonical", minimal + "security_txt:\n  canonical: [http://demo.org/.well-known/security.txt]\n", "10:15|must use https"},
		{"bad slug", strings.Replace(minimal, "slug: demo", "slug: Demo Project", 1), "4:9|project.slug"},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n", "1:4|anchors and aliases"},
		{"line break in an email channel", strings.Replace(minimal, "sla:", "  channels:\n    - type: email\n      address: \"a@b.org\\nHiring: https://evil.test/x\"\nsla:", 1), "is not an email address"},
		{"http channel", strings.Replace(minimal, "sla:", "  channels:\n    - type: web\n      url: http://demo.org/report\nsla:", 1), "use https"},
		{"http acknowledgments", minimal + "security_txt:\n  acknowledgments: http://demo.org/thanks\n", "use https"},
		{"tagged key position", minimal + "  fix:\n    !!str urgent: 1d\n", "10:18|severity \"urgent\""},
		{"not a mapping", "- a\n- b\n", "a policy file is a YAML mapping"},
		{"two documents", minimal + "---\n" + minimal, "exactly one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Check([]byte(tt.yaml), fixedNow)
			var got []string
			for _, d := range diags {
				if d.Level == LevelError {
					got = append(got, d.Format("p.yaml"))
				}
			}
			if tt.want == "" {
				if len(got) > 0 {
					t.Fatalf("want no errors, got %q", got)
				}
				return
			}
			pos, frag, ok := strings.Cut(tt.want, "|")
			if !ok {
				pos, frag = "", tt.want
			}
			for _, g := range got {
				if strings.HasPrefix(g, "p.yaml:"+pos) && strings.Contains(g, frag) {
					return
				}
			}
			t.Fatalf("want an error containing %q, got %q", tt.want, got)
		})
	}
}

func TestDiagnosticsErr(t *testing.T) {
	_, diags := Check([]byte(strings.Replace(minimal, "48h", "soon", 1)), fixedNow)
	err := diags.Err("demo.yaml")
	if err == nil || !strings.Contains(err.Error(), "demo.yaml:8:16:") {
		t.Fatalf("want a positioned error, got %v", err)
	}
}

func TestDefaults(t *testing.T) {
	pol, diags := Parse([]byte(minimal))
	if pol == nil {
		t.Fatal(diags)
	}
	if len(pol.Severities) != 4 || pol.Severities[0].Name != "critical" {
		t.Errorf("default severities: %+v", pol.Severities)
	}
	if !pol.SLA.PauseOnNeedsInfo || !pol.Credit.Offered || !pol.Credit.Anonymous || !pol.Disclosure.ReporterMustAgree {
		t.Errorf("defaults: %+v %+v %+v", pol.SLA, pol.Credit, pol.Disclosure)
	}
	if len(pol.SLA.Reminders) != 2 || pol.SLA.Reminders[0].String() != "24h" {
		t.Errorf("default reminders: %v", pol.SLA.Reminders)
	}
	if pol.BugBounty != nil {
		t.Errorf("bug bounty stated without the policy saying so")
	}
}
