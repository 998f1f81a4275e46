package importer

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

func TestFindDurations(t *testing.T) {
	tests := []struct {
		s    string
		want string // durations joined by space; "" for none
	}{
		{"We'll acknowledge receipt within 48 hours", "48h"},
		{"We'll provide an initial assessment within 5 business days", "5bd"},
		{"Initial acknowledgement: within 3 business days of receipt.", "3bd"},
		{"within 30 days for High/Critical severity, 90 days for Medium/Low.", "30d 90d"},
		{"Emergency releases will be published within 24-48 hours", "48h"},
		{"The security team will respond within 2 working days", "2bd"},
		{"We aim to release a fix within two weeks", "2w"},
		{"within one week", "1w"},
		{"within a week", "1w"},
		{"We will fix it within 1 month", "30d"},
		{"response time: 72h", "72h"},
		{"Low: Patch in next regular release", "next-release"},
		{"fixed in the next minor release", "next-release"},
		{"You will receive a reply from one of the maintainers within 7 acknowledging receipt", "7d"},
		{"within 10 business-days", "10bd"},
		{"Embargoes last at most 14 days.", "14d"},
		// must not match
		{"Use TLS 1.2 or higher", ""},
		{"patch releases (e.g. 1.8.5 and 1.7.12)", ""},
		{"Version: v1.0 (2022-06-17)", ""},
		{"Expose port 8080 only internally", ""},
		{"See CVE-2024-12345 for details", ""},
		{"Do not commit secrets", ""},
		{"within 5% of the budget", ""},
		{"a d-bus service", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, d := range findDurations(tt.s) {
			got = append(got, d.d.String())
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("findDurations(%q) = %q, want %q", tt.s, g, tt.want)
		}
	}
}

func TestStageOf(t *testing.T) {
	tests := []struct{ s, want string }{
		{"We'll acknowledge receipt within 48 hours", embargo.StageAcknowledge},
		{"You should receive a response within 48 hours.", embargo.StageAcknowledge},
		{"We will respond to your report within 72 hours", embargo.StageAcknowledge},
		{"Expect an initial response within 2 days", embargo.StageAcknowledge},
		{"We'll provide an initial assessment within 5 business days", embargo.StageAssess},
		{"Triage and severity assignment", embargo.StageAssess},
		{"We will investigate and confirm the issue within 10 days", embargo.StageAssess},
		{"We aim to resolve critical vulnerabilities within 30 days", embargo.StageFix},
		{"Critical: Immediate action required, patch within 24 hours", embargo.StageFix},
		{"Fix or coordinated disclosure plan", embargo.StageFix},
		{"We typically aim to disclose within 90 days of initial report.", embargo.StageDisclose},
		{"We publish a security advisory within 7 days of the fix", embargo.StageDisclose},
		{"Embargo periods last no more than 14 days", embargo.StageDisclose},
		{"Embargoes last at most 90 days", embargo.StageDisclose},
		{"This person will coordinate the fix and release process: confirm the problem within 3 working days", embargo.StageFix},
		// no stage
		{"Emergency releases will be published within 24-48 hours", ""},
		{"Rotate tokens every 90 days", ""},
		{"Use TLS 1.2 or higher", ""},
	}
	for _, tt := range tests {
		if got, _ := stageOf(tt.s); got != tt.want {
			t.Errorf("stageOf(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestSeveritiesIn(t *testing.T) {
	for s, want := range map[string]string{
		"within 30 days for High/Critical severity": "high critical",
		"Medium/Low":                     "medium low",
		"Moderate issues":                "medium",
		"Critical: Immediate action":     "critical",
		"Triage and severity assignment": "",
		"highly unlikely":                "",
	} {
		if got := strings.Join(severitiesIn(s), " "); got != want {
			t.Errorf("severitiesIn(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestSplitSentences(t *testing.T) {
	s := "We support N (e.g. 1.8) and N-1. Fixes ship in 1.8.5 too! Read https://x.org/a.b now. Done"
	var got []string
	for _, sp := range splitSentences(s) {
		got = append(got, s[sp.start:sp.end])
	}
	want := []string{"We support N (e.g. 1.8) and N-1.", "Fixes ship in 1.8.5 too!", "Read https://x.org/a.b now.", "Done"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitSentences = %q", got)
	}
}

// patternCases: each regexp with the sentences it was written for and
// sentences it must leave alone.
func TestPatterns(t *testing.T) {
	tests := []struct {
		name      string
		re        *regexp.Regexp
		match, no []string
	}{
		{"placeholder", placeholderRe,
			[]string{"Send details to [maintainer email - please update this]", "Email your findings to: [INSERT SECURITY EMAIL]", "contact [security contact]"},
			[]string{"Use \"SECURITY: [brief description]\"", "see [the docs](https://x.org)", "[VERSION]"}},
		{"subject line (pattern)", subjectRe,
			[]string{`Subject Line: Use "SECURITY: [brief description]"`, `Please use the subject "Vulnerability report"`},
			[]string{"The subject of this policy is security"}},
		{"agreement on disclosure", agreeRe,
			[]string{"we will agree on a public-disclosure date with the reporter", "coordinate disclosure timeline with you", "to coordinate a fix and disclosure with you", "We follow a coordinated-disclosure model"},
			[]string{"Please do not disclose the vulnerability publicly", "We disclose vulnerabilities in our advisories"}},
		{"credit", creditRe,
			[]string{"We'll credit you in the fix announcement", "We maintain a security hall of fame", "Recognition: We will credit you", "acknowledged in our security advisories"},
			[]string{"We acknowledge receipt within 48 hours", "Credentials are rotated"}},
		{"no bug bounty", noBountyRe,
			[]string{"We currently do not have a bug bounty program.", "There is no bug bounty.", "This project does not offer bounties or rewards",
				"we do not have a budget to award security bounties", "The project no longer has a bug bounty program."},
			[]string{"We run a bug bounty program on HackerOne", "Bounties are paid for critical issues"}},
		{"public CVE goes to the tracker", publicCVERe,
			[]string{"If there is a CVE assigned to the issue, please do open an issue on our GitHub tracker instead of writing to the security contact e-mail"},
			[]string{"We request a CVE for every confirmed vulnerability", "Please do not open an issue for vulnerabilities"}},
		{"hedge", hedgeRe,
			[]string{"we may decide to provide a forward-fix only", "fixes on a best effort basis", "it might take longer"},
			[]string{"We will acknowledge within 48 hours", "We typically aim to disclose within 90 days"}},
		{"GitHub private vulnerability reporting", githubPVR,
			[]string{"Use GitHub private vulnerability reporting for this repository.", "Please privately report it via GitHub's Security tab"},
			[]string{"Do not open a public GitHub issue"}},
		{"N and N-1", nAndN1,
			[]string{"We currently support the most recent release (N, e.g. 1.8) and the release previous to the most recent one (N-1, e.g. 1.7)", "We support the latest two minor releases"},
			[]string{"Only the latest release is supported"}},
		{"only the latest", onlyLatest,
			[]string{"Only the latest minor release of main is supported with security fixes", "We recommend always using the latest version"},
			[]string{"We support the latest two minor releases", "Security updates are announced in releases"}},
	}
	for _, tt := range tests {
		for _, s := range tt.match {
			if !tt.re.MatchString(s) {
				t.Errorf("%s: does not match %q", tt.name, s)
			}
		}
		for _, s := range tt.no {
			if tt.re.MatchString(s) {
				t.Errorf("%s: matches %q", tt.name, s)
			}
		}
	}
}

func TestVersionRows(t *testing.T) {
	tests := []struct {
		versions, mark string
		want           string // "" when the row is refused
	}{
		{"latest", ":white_check_mark:", "latest supported"},
		{"< 1.0", ":x:", "< 1.0 not supported"},
		{"1.8.x", "✅", "1.8.x supported"},
		{"1.7.x", "❌ end of life", "1.7.x not supported"},
		{"`2.x`", "Yes", "2.x supported"},
		{"0.1.x", "", "0.1.x supported"},
		{"< 0.1", "", "< 0.1 not supported"},
		{"Version", "Supported", ""},
		{"the good ones", "yes", ""},
	}
	for _, tt := range tests {
		x := &extractor{used: map[string]bool{}}
		x.versionRow(tt.versions, tt.mark, 1, tt.versions)
		got := ""
		if len(x.d.versions) == 1 {
			v := x.d.versions[0]
			got = v.versions + map[bool]string{true: " supported", false: " not supported"}[v.supported]
		}
		if got != tt.want {
			t.Errorf("row %q %q: got %q, want %q", tt.versions, tt.mark, got, tt.want)
		}
	}
}

func TestLabels(t *testing.T) {
	for s, want := range map[string]string{
		"Initial Assessment: We'll provide an initial assessment":                      "Initial Assessment",
		"Triage and severity assignment: within 7 business days":                       "Triage and severity assignment",
		"This person will coordinate the fix and release process: confirm the problem": "",
		"See https://example.org/security: details":                                    "",
	} {
		if got, _ := splitLabel(s); got != want {
			t.Errorf("splitLabel(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		src  string
		want Format
	}{
		{"# Security Policy\n\n## Reporting\n\nMail us.\n", Markdown},
		{"Security Policy\n===============\n\nReporting\n---------\n\nMail us.\n", RST},
		{"<html><body><h1>Security</h1><p>Mail us.</p></body></html>", HTML},
		{"Security Policy\n\nReporting a Vulnerability\n\nMail us.\n\nScope\n\nAll of it.\n\n# Install the CLI\ngh install\n", Text},
	}
	for _, tt := range tests {
		if got := detect([]byte(tt.src)); got != tt.want {
			t.Errorf("detect(%q) = %s, want %s", tt.src, got, tt.want)
		}
	}
}

// TestEachDurationTakesTheNearestStage: one sentence, two promises, and a
// long clause before a colon that is not a label.
func TestEachDurationTakesTheNearestStage(t *testing.T) {
	src := "# Security\n\n## Process\n\nThis person will coordinate the fix and release process: confirm the problem within 3 working days. " +
		"These fixes will be released as fast as possible, typically within two weeks.\n\n" +
		"We will acknowledge your report within 2 business days and send an initial assessment within 7 days.\n\n" +
		"Embargoes last at most 90 days; we may extend once by up to 30 days.\n"
	res, err := Import([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := string(res.YAML)
	for _, want := range []string{"acknowledge: 2bd", "assess: 3bd", "fix: 2w", "disclose: 90d", "max_embargo: 90d"} {
		if !strings.Contains(y, want) {
			t.Errorf("draft lacks %q:\n%s", want, y)
		}
	}
	if !strings.Contains(fmt.Sprint(res.Review), "we may extend once by up to 30 days. (hedged") {
		t.Errorf("the hedged half is not reported: %v", res.Review)
	}
}

func TestSubjectWithoutPunctuationIsRead(t *testing.T) {
	res, _ := Import([]byte("# Security\n\nMail security@x.org. Please use the subject \"Vulnerability report\"\n"), Options{})
	if !strings.Contains(string(res.YAML), `email_subject: "Vulnerability report"`) {
		t.Fatalf("%s", res.YAML)
	}
}

// Real-world phrasings, paraphrased: promises, escalation rules, anchored
// durations, and contacts that are not reporting channels.
func TestRealWorldPhrasings(t *testing.T) {
	src := `# Security

## Reporting

Send reports to security@gizmo.dev; this address also covers our commercial products.
Your report will be acknowledged within 3 days, and you will receive a more detailed response within 8 days indicating the next steps.
If you do not receive an acknowledgement within 6 business days, escalate to escalation@foundation.org.
If the project acknowledges your report but does not respond further within 14 days, escalation is appropriate.
Within 6 hours of the mailing list being notified, the advisory is published on our blog.
No more than 5 days before release, we inform the distributors list.
Once you have reported, you should receive an acknowledgment within 2 days, and you may receive further emails.
Press enquiries go to press@gizmo.dev.

## Supported Versions

We support the last 3 minor versions.
`
	res, err := Import([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := string(res.YAML)
	for _, want := range []string{`email: "security@gizmo.dev"`, "acknowledge: 3d", "assess: 8d", `address: "escalation@foundation.org"`, `versions: "N-2"`, `versions: "< N-2"`} {
		if !strings.Contains(y, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	for _, not := range []string{"press@gizmo.dev", "disclose:", "fix:", "14d", "6h"} {
		if strings.Contains(y, not) {
			t.Errorf("draft has %q", not)
		}
	}
	review := fmt.Sprint(res.Review)
	for _, want := range []string{"(an escalation rule", "(counted from another event than the report)"} {
		if !strings.Contains(review, want) {
			t.Errorf("review lacks %q", want)
		}
	}
}

func TestSourceNameCannotBreakTheHeaderComment(t *testing.T) {
	res, _ := Import([]byte("# Security\n\nWe reply within 2 days.\n"), Options{Source: "x\nversion: 2\r\u2028y"})
	lines := strings.Split(string(res.YAML), "\n")
	if !strings.HasPrefix(lines[0], "# Draft policy imported") || !strings.Contains(lines[0], "xversion: 2y") {
		t.Fatalf("header: %q", lines[0])
	}
	for _, l := range lines {
		if l == "version: 2" {
			t.Fatal("the source name injected YAML")
		}
	}
}

func TestLabelGovernsItsFirstSentenceOnly(t *testing.T) {
	res, _ := Import([]byte("# Security\n\n- Acknowledgement: we reply within 2 days. A fix for critical issues is released within 30 days.\n"), Options{})
	y := string(res.YAML)
	if !strings.Contains(y, "acknowledge: 2d") || !strings.Contains(y, "critical: 30d") || strings.Contains(y, "acknowledge:\n") {
		t.Fatalf("%s", y)
	}
}

func TestMorePhrasingsFromTheReview(t *testing.T) {
	src := `# Security

## Reporting

Please [email us](mailto:security@acme.io) with the details.
The team responds within one (1) business day.
Version 1.2 was released 3 days ago and fixes high severity bugs.
Once a fix is available, we will publish an advisory within 7 days.

## Response times

| Severity | First response | Fix |
|---|---|---|
| Critical | 24 hours | 7 days |
| High | 48 hours | 30 days |
`
	res, err := Import([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := string(res.YAML)
	for _, want := range []string{`email: "security@acme.io"`, "acknowledge:", "critical: 24h", "high: 48h", "critical: 7d", "high: 30d"} {
		if !strings.Contains(y, want) {
			t.Errorf("draft lacks %q:\n%s", want, y)
		}
	}
	if strings.Contains(y, "1bd") == false {
		t.Errorf("'one (1) business day' not read:\n%s", y)
	}
	for _, not := range []string{"3d", "disclose:", "default_embargo"} {
		if strings.Contains(y, not) {
			t.Errorf("draft has %q:\n%s", not, y)
		}
	}
}
