package importer

import (
	"strings"
	"testing"

	"github.com/embargo-cvd/embargo/internal/policy"
)

const mdPolicy = `# Security Policy for Gizmo

## Supported Versions

| Version | Supported          |
| ------- | ------------------ |
| 2.x     | :white_check_mark: |
| < 2.0   | :x:                |

## Reporting a Vulnerability

Please email security@gizmo.dev. Please include:

- Affected version
- Steps to reproduce

We will acknowledge your report within 2 business days and send an
initial assessment within 7 days.

Critical issues are fixed within 14 days, high within 30 days.

We will agree on a disclosure date with you, and credit you in the advisory
unless you prefer to remain anonymous. We do not offer a bug bounty.
`

const rstPolicy = `Security Policy for Gizmo
=========================

Supported Versions
------------------

+---------+-----------+
| Version | Supported |
+=========+===========+
| 2.x     | yes       |
+---------+-----------+
| < 2.0   | no        |
+---------+-----------+

Reporting a Vulnerability
-------------------------

Please email security@gizmo.dev. Please include:

* Affected version
* Steps to reproduce

We will acknowledge your report within 2 business days and send an
initial assessment within 7 days.

Critical issues are fixed within 14 days, high within 30 days.

We will agree on a disclosure date with you, and credit you in the advisory
unless you prefer to remain anonymous. We do not offer a bug bounty.
`

const htmlPolicy = `<!doctype html>
<html><head><title>Security</title><style>h1{color:red}</style></head>
<body>
<h1>Security Policy for Gizmo</h1>
<h2>Supported Versions</h2>
<table>
<tr><th>Version</th><th>Supported</th></tr>
<tr><td>2.x</td><td><img alt="yes" src="ok.png"></td></tr>
<tr><td>&lt; 2.0</td><td>no</td></tr>
</table>
<h2>Reporting a Vulnerability</h2>
<p>Please email <a href="mailto:security@gizmo.dev">security@gizmo.dev</a>. Please include:</p>
<ul><li>Affected version</li><li>Steps to reproduce</li></ul>
<p>We will acknowledge your report within 2 business days and send an
initial assessment within 7 days.</p>
<p>Critical issues are fixed within 14 days, high within 30 days.</p>
<p>We will agree on a disclosure date with you, and credit you in the advisory
unless you prefer to remain anonymous. We do not offer a bug bounty.</p>
<script>var x = "within 3 days";</script>
</body></html>
`

func TestFormatsGiveTheSamePromises(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		format  Format
		ackLine int
	}{
		{"markdown", mdPolicy, Markdown, 17},
		{"restructuredtext", rstPolicy, RST, 23},
		{"html", htmlPolicy, HTML, 14},
	}
	var first promises
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Import([]byte(tt.src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tt.format {
				t.Errorf("format %s, want %s", res.Format, tt.format)
			}
			pol, diags := policy.Check(res.YAML, now)
			if diags.HasErrors() {
				t.Fatalf("%v\n%s", diags.Err("draft"), res.YAML)
			}
			p := promisesOf(pol)
			want := map[string]string{"acknowledge": "2bd", "assess": "7d", "fix.critical": "14d", "fix.high": "30d"}
			for k, v := range want {
				if p.SLA[k] != v {
					t.Errorf("sla %s = %q, want %q (all: %v)", k, p.SLA[k], v, p.SLA)
				}
			}
			if pol.Project.Name != "Gizmo" || pol.Contacts.Email != "security@gizmo.dev" || !p.ReporterMustAgree ||
				!p.CreditOffered || !p.CreditAnonymous || p.BugBounty != "false" || len(pol.ReportGuidance) != 2 || len(p.Versions) != 2 {
				t.Errorf("promises: %+v\n%s", p, res.YAML)
			}
			for _, f := range res.Review {
				if f.Field == "sla.acknowledge" && f.Line != tt.ackLine {
					t.Errorf("acknowledge mapped from line %d, want %d", f.Line, tt.ackLine)
				}
				if strings.Contains(f.Quote, "within 3 days") {
					t.Error("script content was read as text")
				}
			}
			if i == 0 {
				first = p
			} else if p.SLA["acknowledge"] != first.SLA["acknowledge"] || len(p.Versions) != len(first.Versions) {
				t.Errorf("%s differs from markdown: %+v vs %+v", tt.name, p, first)
			}
		})
	}
}
