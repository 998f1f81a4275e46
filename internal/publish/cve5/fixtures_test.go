package cve5

import (
	"fmt"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// testOrg is a made-up CNA organisation UUID (version 4).
const testOrg = "6f1c2b7e-3d4a-4c5b-8e9f-0a1b2c3d4e5f"

var testPub = embargo.Publisher{
	Name:         "Virtrigaud",
	Namespace:    "https://virtrigaud.example.org",
	BaseURL:      "https://virtrigaud.example.org/advisories/",
	ContactEmail: "security@virtrigaud.example.org",
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixtures cover what the encoder maps: every ecosystem, fixed and unfixed
// ranges, duplicate ranges, Go symbols, CVSS v3.1, v3.0 and v4.0, known
// and unknown CWEs, each credit type, reference types and duplicate URLs,
// a publication time with fractions of a second and a zone, a withdrawal
// with its reason, and advisories that must give no record (a draft, one
// without a CVE id).
func fixtures() []embargo.Advisory {
	return []embargo.Advisory{
		{
			Ref: "VIRT-2026-0001", State: embargo.AdvisoryPublished,
			Summary:  "Command injection in the VM provisioning API",
			Details:  "The `provision` handler passed the VM name to a shell.\n\nAn attacker who can create VMs can run commands as the controller.",
			Severity: "critical",
			CVSS3:    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CVSS3Score: 9.8,
			CVSS4: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", CVSS4Score: 9.3,
			CWEs:    []string{"CWE-78", "cwe-77", "CWE-78", "CWE-999999"},
			CVE:     "CVE-2026-12345",
			Aliases: []string{"GHSA-abcd-efgh-ijkl"},
			References: []embargo.Reference{
				{Type: "FIX", URL: "https://github.com/projectbeskar/virtrigaud/commit/0123456789abcdef"},
				{Type: "ADVISORY", URL: "https://github.com/projectbeskar/virtrigaud/security/advisories/GHSA-abcd-efgh-ijkl"},
				{Type: "ADVISORY", URL: "https://virtrigaud.example.org/blog/vm-names"},
				{Type: "WEB", URL: "https://virtrigaud.example.org/blog/vm-names"},
				{Type: "REPORT", URL: "https://github.com/projectbeskar/virtrigaud/issues/42"},
			},
			Affected: []embargo.AffectedProduct{{
				Ecosystem: "Go", Package: "github.com/projectbeskar/virtrigaud",
				Ranges:  []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}, {Introduced: "0.3.0", Fixed: "0.3.1"}, {Introduced: "0", Fixed: "0.2.3"}},
				Symbols: []string{"Provisioner.Provision", "Provisioner.Provision", "shellName"},
			}},
			Credits: []embargo.AdvisoryCredit{
				{Name: "Ada Lovelace", Contact: "https://example.net/ada", Type: "FINDER"},
				{Name: "@bob", Type: "REPORTER"},
				{Name: "Grace Hopper", Contact: "mailto:grace@example.net", Type: "REMEDIATION_REVIEWER"},
				{Name: "Fuzzer 3000", Type: "TOOL"},
				{Name: "Someone", Type: "MYSTERY"},
			},
			Published: at("2026-03-02T11:00:00.123456+01:00"), Modified: at("2026-03-09T08:30:00Z"),
			Revisions: []embargo.AdvisoryRevision{
				{Number: 1, Date: at("2026-03-02T10:00:00Z"), Summary: "Initial release"},
				{Number: 2, Date: at("2026-03-09T08:30:00Z"), Summary: "Fixed version of the 0.3 line"},
			},
			Version: 2,
		},
		{
			Ref: "VIRT-2026-0002", State: embargo.AdvisoryPublished,
			Summary:  "Prototype pollution in the dashboard client",
			Severity: "medium",
			CVSS3:    "CVSS:3.0/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:N", CVSS3Score: 3.7,
			CWEs: []string{"CWE-1321"},
			CVE:  "CVE-2026-0002",
			Affected: []embargo.AffectedProduct{
				{Ecosystem: "npm", Package: "@virtrigaud/dashboard", Ranges: []embargo.Range{{Introduced: "1.0.0", Fixed: "1.4.2"}}},
				{Ecosystem: "PyPI", Package: "virtrigaud-client", Ranges: []embargo.Range{{Introduced: "0", Fixed: "2.0.1"}}},
				{Ecosystem: "Maven", Package: "org.virtrigaud:virtrigaud-sdk", Ranges: []embargo.Range{{Introduced: "3.0", Fixed: "3.0.7"}}},
				{Ecosystem: "crates.io", Package: "virtrigaud", Ranges: []embargo.Range{{Introduced: "0.1.0"}}},
				{Ecosystem: "RubyGems", Package: "virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.2.0"}}},
				{Ecosystem: "NuGet", Package: "Virtrigaud.Client", Ranges: []embargo.Range{{Introduced: "0", Fixed: "5.1.0"}}},
				{Ecosystem: "Packagist", Package: "virtrigaud/client", Ranges: []embargo.Range{{Introduced: "2.0.0", Fixed: "2.3.4"}}},
				{Ecosystem: "Docker", Package: "ghcr.io/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}}},
				{Ecosystem: "GIT", Package: "https://github.com/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0123456789abcdef0123456789abcdef01234567"}}},
				{Ecosystem: "Generic", Package: "virtrigaud-appliance", Ranges: []embargo.Range{{Introduced: "2024.1"}}},
			},
			Credits:   []embargo.AdvisoryCredit{{Name: "Katherine Johnson", Type: "ANALYST"}, {Name: "CERT", Type: "COORDINATOR"}, {Name: "Dorothy Vaughan", Type: "REMEDIATION_DEVELOPER"}, {Name: "Mary Jackson", Type: "REMEDIATION_VERIFIER"}, {Name: "Acme", Type: "SPONSOR"}, {Name: "Eve", Type: "OTHER"}},
			Published: at("2026-04-01T00:00:00Z"), Modified: at("2026-04-01T00:00:00Z"),
			Version: 1,
		},
		{
			Ref: "VIRT-2026-0003", State: embargo.AdvisoryWithdrawn,
			Summary: "Path traversal in snapshot export",
			CVE:     "CVE-2026-0003",
			Affected: []embargo.AffectedProduct{
				{Ecosystem: "Go", Package: "github.com/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.1"}}},
			},
			Published: at("2026-02-01T09:00:00Z"), Modified: at("2026-02-10T09:00:00Z"), Withdrawn: at("2026-02-10T09:00:00Z"),
			Revisions: []embargo.AdvisoryRevision{
				{Number: 1, Date: at("2026-02-01T09:00:00Z"), Summary: "Initial release"},
				{Number: 2, Date: at("2026-02-10T09:00:00Z"), Summary: "Withdrawn: the export path is validated upstream"},
			},
			Version: 2,
		},
		{
			Ref: "VIRT-2026-0004", State: embargo.AdvisoryDraft, CVE: "CVE-2026-0004",
			Summary:  "Not yet public",
			Affected: []embargo.AffectedProduct{{Ecosystem: "Go", Package: "github.com/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0"}}}},
		},
		{
			Ref: "VIRT-2026-0005", State: embargo.AdvisoryPublished,
			Summary:   "Denial of service without a CVE id",
			Affected:  []embargo.AffectedProduct{{Ecosystem: "Go", Package: "github.com/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.0"}}}},
			Published: at("2026-01-05T00:00:00Z"), Modified: at("2026-01-05T00:00:00Z"), Version: 1,
		},
	}
}

// many returns n published advisories with CVE ids, alike but distinct,
// for benchmarks.
func many(n int) []embargo.Advisory {
	base := fixtures()[0]
	out := make([]embargo.Advisory, n)
	for i := range out {
		a := base
		a.ID = int64(i + 1)
		a.Ref = fmt.Sprintf("VIRT-2026-%05d", i+1)
		a.CVE = fmt.Sprintf("CVE-2026-%05d", 10000+i)
		a.Summary = fmt.Sprintf("Command injection number %d in the VM provisioning API", i)
		a.Modified = a.Modified.Add(time.Duration(i) * time.Minute)
		out[i] = a
	}
	return out
}
