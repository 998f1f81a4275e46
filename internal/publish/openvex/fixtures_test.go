package openvex

import (
	"fmt"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

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

// fixtures: a Go advisory with two fixed ranges, an unfixed one and a
// duplicate fix; one with a package of every other ecosystem and no CVE
// id; a withdrawal with its reason; a draft that gives no document.
func fixtures() []embargo.Advisory {
	return []embargo.Advisory{
		{
			Ref: "VIRT-2026-0001", State: embargo.AdvisoryPublished,
			Summary: "Command injection in the VM provisioning API",
			CVE:     "CVE-2026-12345",
			Aliases: []string{"GHSA-abcd-efgh-ijkl", "CVE-2026-12345"},
			Affected: []embargo.AffectedProduct{{
				Ecosystem: "Go", Package: "github.com/projectbeskar/virtrigaud",
				Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}, {Introduced: "0.3.0", Fixed: "0.3.1"}, {Introduced: "1.0.0"}, {Introduced: "0", Fixed: "0.2.3"}},
			}},
			Published: at("2026-03-02T11:00:00.5+01:00"), Modified: at("2026-03-09T08:30:00Z"),
			Version: 2,
		},
		{
			Ref: "VIRT-2026-0002", State: embargo.AdvisoryPublished,
			Summary: "Prototype pollution in the dashboard client",
			Affected: []embargo.AffectedProduct{
				{Ecosystem: "npm", Package: "@virtrigaud/Dashboard", Ranges: []embargo.Range{{Introduced: "1.0.0", Fixed: "1.4.2"}}},
				{Ecosystem: "PyPI", Package: "Virtrigaud_Client", Ranges: []embargo.Range{{Introduced: "0", Fixed: "2.0.1"}}},
				{Ecosystem: "Maven", Package: "org.virtrigaud:virtrigaud-sdk", Ranges: []embargo.Range{{Introduced: "3.0", Fixed: "3.0.7"}}},
				{Ecosystem: "crates.io", Package: "virtrigaud", Ranges: []embargo.Range{{Introduced: "0.1.0", Fixed: "0.1.5"}}},
				{Ecosystem: "RubyGems", Package: "virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.2.0"}}},
				{Ecosystem: "NuGet", Package: "Virtrigaud.Client", Ranges: []embargo.Range{{Introduced: "0", Fixed: "5.1.0"}}},
				{Ecosystem: "Packagist", Package: "Virtrigaud/Client", Ranges: []embargo.Range{{Introduced: "2.0.0", Fixed: "2.3.4"}}},
				{Ecosystem: "Docker", Package: "ghcr.io/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}}},
				{Ecosystem: "GIT", Package: "https://github.com/projectbeskar/virtrigaud.git", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0123456789abcdef0123456789abcdef01234567"}}},
				{Ecosystem: "Generic", Package: "virtrigaud appliance", Ranges: []embargo.Range{{Introduced: "2024.1", Fixed: "2024.1+hotfix.2"}}},
			},
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
				{Number: 2, Date: at("2026-02-10T09:00:00Z"), Summary: "Withdrawn - the export path is validated upstream"},
			},
			Version: 2,
		},
		{
			Ref: "VIRT-2026-0004", State: embargo.AdvisoryScheduled, CVE: "CVE-2026-0004",
			Summary:  "Not yet public",
			Affected: []embargo.AffectedProduct{{Ecosystem: "Go", Package: "github.com/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0"}}}},
		},
	}
}

// many returns n published advisories, alike but distinct, for benchmarks.
func many(n int) []embargo.Advisory {
	base := fixtures()[0]
	out := make([]embargo.Advisory, n)
	for i := range out {
		a := base
		a.ID = int64(i + 1)
		a.Ref = fmt.Sprintf("VIRT-2026-%05d", i+1)
		a.CVE = fmt.Sprintf("CVE-2026-%05d", 10000+i)
		a.Modified = a.Modified.Add(time.Duration(i) * time.Minute)
		out[i] = a
	}
	return out
}
