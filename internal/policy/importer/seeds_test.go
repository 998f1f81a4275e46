package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/policy"
)

// seeds pairs each seed SECURITY.md with the example policy that makes the
// same promises.
var seeds = []struct {
	file, example string
	placeholder   bool // the seed names a placeholder instead of an address
}{
	{"000_6a3847b04035b5b1.txt", "netbird-api-exporter.yaml", true},
	{"001_ffdb41f7b163b172.txt", "metricsd.yaml", true},
	{"002_af7fa0d4392d43bf.txt", "bpfcompat.yaml", false},
	{"003_e4929d3b8f68262b.txt", "virtrigaud.yaml", false},
	{"004_989e0929dc25ff4b.txt", "aeraki.yaml", false},
}

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fill replaces the draft's bracketed placeholders as a maintainer would.
func fill(yaml string) string {
	r := strings.NewReplacer(
		"[FILL IN THE SECURITY EMAIL ADDRESS]", "security@project.dev",
		"[OWNER]/[REPOSITORY]", "owner/repository",
		"[ISSUE TRACKER URL]", "https://github.com/owner/repository/issues",
		"[PROJECT NAME]", "Project")
	return r.Replace(yaml)
}

// promises is what a policy promises, in comparable form.
type promises struct {
	SLA               map[string]string
	Versions          []string
	ReporterMustAgree bool
	DefaultEmbargo    string
	CreditOffered     bool
	CreditAnonymous   bool
	HallOfFame        bool
	BugBounty         string
	PGPOffered        bool
	GitHubChannel     bool
	ScopeIn, ScopeOut []string
	PublicCVERule     bool
}

func promisesOf(p *embargo.Policy) promises {
	out := promises{SLA: map[string]string{}, ReporterMustAgree: p.Disclosure.ReporterMustAgree,
		DefaultEmbargo: p.Disclosure.DefaultEmbargo.String(), CreditOffered: p.Credit.Offered,
		CreditAnonymous: p.Credit.Anonymous, HallOfFame: p.Credit.HallOfFame, PGPOffered: p.Contacts.PGP.Offered(),
		ScopeIn: p.Scope.In, ScopeOut: p.Scope.Out, PublicCVERule: p.Intake.PublicCVETracker != ""}
	if p.Disclosure.DefaultEmbargo.IsZero() {
		out.DefaultEmbargo = ""
	}
	for stage, s := range p.SLA.Stages {
		if !s.All.IsZero() {
			out.SLA[stage] = s.All.String()
		}
		for sev, d := range s.BySeverity {
			out.SLA[stage+"."+sev] = d.String()
		}
	}
	for _, r := range p.SupportedVersions.Rows {
		out.Versions = append(out.Versions, fmt.Sprintf("%+v supported=%t", r.Range, r.Supported))
	}
	sort.Strings(out.Versions)
	if p.BugBounty != nil {
		out.BugBounty = fmt.Sprint(p.BugBounty.Offered)
	}
	for _, c := range p.Contacts.Channels {
		out.GitHubChannel = out.GitHubChannel || c.Type == embargo.ChannelGitHub
	}
	return out
}

func TestSeedsImportToTheExamplesPromises(t *testing.T) {
	for _, s := range seeds {
		t.Run(s.example, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", "seeds", s.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Import(src, Options{Source: s.file})
			if err != nil {
				t.Fatal(err)
			}
			// As drafted, a placeholder contact must fail the check.
			_, diags := policy.Check(res.YAML, now)
			if s.placeholder != diags.HasErrors() {
				t.Errorf("check of the unfilled draft: errors=%v, want %v:\n%v", diags.HasErrors(), s.placeholder, diags.Err("draft"))
			}
			if s.placeholder && !hasKind(res.Review, Placeholder) {
				t.Error("the placeholder contact is not in the review list")
			}
			got, diags := policy.Check([]byte(fill(string(res.YAML))), now)
			if diags.HasErrors() {
				t.Fatalf("the filled draft does not pass policy check:\n%v\n%s", diags.Err("draft"), res.YAML)
			}
			exData, err := os.ReadFile(filepath.Join("../../../examples/policies", s.example))
			if err != nil {
				t.Fatal(err)
			}
			want, diags := policy.Check(exData, now)
			if want == nil {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(promisesOf(want), promisesOf(got)); diff != "" {
				t.Errorf("promises differ from %s (-example +import):\n%s", s.example, diff)
			}
			if !s.placeholder && got.Contacts.Email != want.Contacts.Email {
				t.Errorf("email %q, want %q", got.Contacts.Email, want.Contacts.Email)
			}
			if got.Project.Slug != want.Project.Slug {
				t.Errorf("slug %q, want %q", got.Project.Slug, want.Project.Slug)
			}
		})
	}
}

func hasKind(fs []Finding, kind string) bool {
	for _, f := range fs {
		if f.Kind == kind {
			return true
		}
	}
	return false
}

// TestReviewListNamesWhatItCouldNotMap pins the example the design gives.
func TestReviewListNamesWhatItCouldNotMap(t *testing.T) {
	src, _ := os.ReadFile(filepath.Join("testdata", "seeds", "000_6a3847b04035b5b1.txt"))
	res, _ := Import(src, Options{})
	var lines []string
	for _, f := range res.Review {
		lines = append(lines, f.String())
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"could not map: 'Emergency releases will be published within 24-48 hours' (line 157)",
		"mapped: sla.acknowledge = 48h (line 36): 'Acknowledgment: We'll acknowledge receipt within 48 hours'",
		"placeholder, not used: [maintainer email - please update this] (line 25)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("review list lacks %q:\n%s", want, all)
		}
	}
}
