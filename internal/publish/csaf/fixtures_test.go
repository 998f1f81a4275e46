package csaf

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden (and testdata/signer.key if missing)")

// testPub publishes at a domain's root, as a static site would.
var testPub = embargo.Publisher{
	Name:         "Virtrigaud",
	Namespace:    "https://virtrigaud.example.org",
	BaseURL:      "https://virtrigaud.example.org/",
	ContactEmail: "security@virtrigaud.example.org",
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixtures are advisories covering what the encoder handles: ranges fixed
// and unfixed in every ecosystem, CVSS v3.0, v3.1 and v4.0, known and
// unknown CWEs, credits (one anonymous), revisions, a withdrawal, an id
// that needs CSAF's file-name rules, a publication whose UTC year differs
// from its local one, and a draft that must stay out of the tree.
func fixtures() []embargo.Advisory {
	return []embargo.Advisory{
		{
			Ref: "VIRT-2026-0001", State: embargo.AdvisoryPublished,
			Summary:  "Command injection in the VM provisioning API",
			Details:  "The `provision` handler passed the VM name to a shell.\n\nAn attacker who can create VMs can run commands as the controller.",
			Severity: "critical",
			CVSS3:    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CVSS3Score: 9.8,
			CVSS4: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", CVSS4Score: 9.3,
			CWEs:    []string{"CWE-999999", "CWE-78", "CWE-77"},
			CVE:     "CVE-2026-12345",
			Aliases: []string{"GHSA-abcd-efgh-ijkl", "CVE-2026-12345", "GO-2026-4242"},
			References: []embargo.Reference{
				{Type: "FIX", URL: "https://github.com/projectbeskar/virtrigaud/commit/0123456789abcdef"},
				{Type: "ADVISORY", URL: "https://github.com/projectbeskar/virtrigaud/security/advisories/GHSA-abcd-efgh-ijkl"},
				{Type: "WEB", URL: "https://virtrigaud.example.org/blog/vm-names"},
				{Type: "WEB", URL: "https://virtrigaud.example.org/blog/vm-names"},
			},
			Affected: []embargo.AffectedProduct{{
				Ecosystem: "Go", Package: "github.com/projectbeskar/virtrigaud",
				Ranges:  []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}, {Introduced: "0.3.0", Fixed: "0.3.1"}},
				Symbols: []string{"Provisioner.Provision"},
			}},
			Credits: []embargo.AdvisoryCredit{
				{Name: "Ada Lovelace", Contact: "https://example.net/ada", Type: "FINDER"},
				{Name: "@bob", Type: "REPORTER"},
				{Name: "Anonymous", Type: "FINDER"},
				{Name: "Grace Hopper", Contact: "mailto:grace@example.net", Type: "REMEDIATION_REVIEWER"},
			},
			Published: at("2026-03-02T10:00:00.123456Z"), Modified: at("2026-03-09T08:30:00Z"),
			Revisions: []embargo.AdvisoryRevision{
				{Number: 2, Date: at("2026-03-09T08:30:00Z"), Summary: "Fixed version of the 0.3 line"},
				{Number: 1, Date: at("2026-03-02T10:00:00.123456Z"), Summary: "Initial release"},
			},
			Version: 2,
		},
		{
			Ref: "VIRT-2026-0002", State: embargo.AdvisoryPublished,
			Summary:  "Stored XSS in the dashboard's VM notes",
			Severity: "medium",
			CVSS3:    "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", CVSS3Score: 6.1,
			CWEs: []string{"CWE-79"},
			Affected: []embargo.AffectedProduct{
				{Ecosystem: "npm", Package: "@virtrigaud/ui", Ranges: []embargo.Range{{Introduced: "0"}}},
				{Ecosystem: "PyPI", Package: "Virtrigaud_Client", Ranges: []embargo.Range{{Introduced: "2.0.0"}}},
			},
			Credits:   []embargo.AdvisoryCredit{{Name: "Eve Example", Type: "OTHER"}},
			Published: at("2026-04-01T12:00:00Z"), Modified: at("2026-04-01T12:00:00Z"),
			Revisions: []embargo.AdvisoryRevision{{Number: 1, Date: at("2026-04-01T12:00:00Z"), Summary: "Initial release"}},
			Version:   1,
		},
		{
			Ref: "VIRT-2025-0007", State: embargo.AdvisoryWithdrawn,
			Summary:  "Path traversal in snapshot export",
			Details:  "Exporting a snapshot to a path with `..` wrote outside the export directory.",
			Severity: "high",
			CVSS3:    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N", CVSS3Score: 6.5,
			CWEs:       []string{"CWE-22"},
			References: []embargo.Reference{{Type: "FIX", URL: "https://github.com/projectbeskar/virtrigaud/pull/77"}},
			Affected: []embargo.AffectedProduct{{Ecosystem: "Maven", Package: "org.example.virtrigaud:virt-core",
				Ranges: []embargo.Range{{Introduced: "1.0.0", Fixed: "1.4.2"}}}},
			Published: at("2025-11-20T09:00:00Z"), Modified: at("2026-01-15T16:00:00Z"), Withdrawn: at("2026-01-15T16:00:00Z"),
			Revisions: []embargo.AdvisoryRevision{
				{Number: 1, Date: at("2025-11-20T09:00:00Z"), Summary: "Initial release"},
				{Number: 2, Date: at("2026-01-15T16:00:00Z"), Summary: "Withdrawn: not a vulnerability, the export path is chosen by the administrator"},
			},
			Version: 2,
		},
		{
			// New Year's Eve in New York is New Year's Day in UTC: the
			// year folder is 2026. The id needs CSAF's file-name rules.
			Ref: "Virt_2025:0003 (web)", State: embargo.AdvisoryPublished,
			Summary:   "Session cookie without the Secure flag",
			CWEs:      []string{"CWE-614"},
			Published: at("2025-12-31T23:30:00-05:00"), Modified: at("2025-12-31T23:30:00-05:00"),
			Version: 1,
		},
		{
			Ref: "VIRT-2026-0003", State: embargo.AdvisoryPublished,
			Summary: "Denial of service through oversized VM specs in every client",
			CVSS3:   "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:P/RL:O", CVSS3Score: 7.5,
			Affected: []embargo.AffectedProduct{
				{Ecosystem: "crates.io", Package: "virt-rs", Ranges: []embargo.Range{{Introduced: "0.1.0", Fixed: "0.1.4"}}},
				{Ecosystem: "RubyGems", Package: "virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.0.1"}}},
				{Ecosystem: "NuGet", Package: "Virtrigaud.Client", Ranges: []embargo.Range{{Introduced: "0", Fixed: "2.0.0"}}},
				{Ecosystem: "Packagist", Package: "virtrigaud/sdk", Ranges: []embargo.Range{{Introduced: "0", Fixed: "3.1.0"}}},
				{Ecosystem: "Docker", Package: "ghcr.io/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}}},
				{Ecosystem: "GIT", Package: "https://github.com/projectbeskar/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "a1b2c3d4e5f6"}}},
				{Ecosystem: "Generic", Package: "virtrigaud-firmware", Ranges: []embargo.Range{{Introduced: "1.0", Fixed: "1.2"}}},
				{Ecosystem: "npm", Package: "virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.0.0"}, {Introduced: "0", Fixed: "1.0.0"}}},
				{Ecosystem: "PyPI", Package: "virtrigaud-extra"},
				{Ecosystem: "crates.io", Package: "virt-rs", Ranges: []embargo.Range{{Introduced: "0.2.0", Fixed: "0.2.1"}}},
			},
			Credits:   []embargo.AdvisoryCredit{{Name: "  ", Type: "FINDER"}},
			Published: at("2026-04-01T12:00:00Z"), Modified: at("2026-04-01T12:00:00Z"),
			Revisions: []embargo.AdvisoryRevision{{Number: 1, Date: at("2026-04-01T12:00:00Z"), Summary: "Initial release"}},
			Version:   1,
		},
		{
			Ref: "VIRT-2026-0009", State: embargo.AdvisoryDraft,
			Summary: "Not yet public",
		},
	}
}

// public is the fixtures Files publishes.
func public() []embargo.Advisory {
	var out []embargo.Advisory
	for _, a := range fixtures() {
		if a.State == embargo.AdvisoryPublished || a.State == embargo.AdvisoryWithdrawn {
			out = append(out, a)
		}
	}
	return out
}

// testSigner is the project key of the golden tree, kept in testdata so
// that the fingerprint and key file stay the same (signatures do not:
// they carry the instant they were made).
func testSigner(t testing.TB) *pgp.Key {
	t.Helper()
	path := filepath.Join("testdata", "signer.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && *update {
		k, err := pgp.Generate("Virtrigaud CSAF test key", "security@virtrigaud.example.org", at("2026-01-01T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = k.PrivateBinary(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	k, err := pgp.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	path = filepath.Join("testdata", "golden", filepath.FromSlash(path))
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

// writeTree writes files under dir.
func writeTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// documentPaths lists the CSAF documents in files.
func documentPaths(files map[string][]byte) []string {
	var out []string
	for p := range files {
		if strings.HasPrefix(p, distDir+"/2") && strings.HasSuffix(p, ".json") {
			out = append(out, p)
		}
	}
	return out
}
