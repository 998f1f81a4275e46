package csaf

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

func TestDocumentGolden(t *testing.T) {
	for _, a := range public() {
		t.Run(a.Ref, func(t *testing.T) {
			b, err := Document(a, testPub)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "tree/"+Path(a), b)
		})
	}
}

// decode returns a document as generic JSON.
func decode(t *testing.T, a embargo.Advisory) map[string]any {
	t.Helper()
	b, err := Document(a, testPub)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// get walks a JSON value by keys and indices.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func TestDocumentContent(t *testing.T) {
	fx := fixtures()
	full, unfixed, withdrawn, bare := decode(t, fx[0]), decode(t, fx[1]), decode(t, fx[2]), decode(t, fx[3])
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"tracking id", get(full, "document", "tracking", "id"), "VIRT-2026-0001"},
		{"version is the last revision", get(full, "document", "tracking", "version"), "2"},
		{"revisions sorted by number", get(full, "document", "tracking", "revision_history", 0, "number"), "1"},
		{"initial release to the second", get(full, "document", "tracking", "initial_release_date"), "2026-03-02T10:00:00Z"},
		{"current release is the last revision", get(full, "document", "tracking", "current_release_date"), "2026-03-09T08:30:00Z"},
		{"fixed advisory is final", get(full, "document", "tracking", "status"), "final"},
		{"unfixed advisory is interim", get(unfixed, "document", "tracking", "status"), "interim"},
		{"withdrawn advisory stays final", get(withdrawn, "document", "tracking", "status"), "final"},
		{"withdrawn title", get(withdrawn, "document", "title"), "Withdrawn: Path traversal in snapshot export"},
		{"withdrawal note", get(withdrawn, "document", "notes", 2, "title"), "Reasoning for Withdrawal"},
		{"withdrawal reason", get(withdrawn, "document", "notes", 2, "text"), "This advisory was withdrawn on 2026-01-15. Reason: not a vulnerability, the export path is chosen by the administrator. Its content is kept as it was last published, for reference only."},
		{"TLP", get(full, "document", "distribution", "tlp", "label"), "WHITE"},
		{"self URL", get(full, "document", "references", 0, "url"), "https://virtrigaud.example.org/.well-known/csaf/white/2026/virt-2026-0001.json"},
		{"duplicate reference dropped", len(get(full, "document", "references").([]any)), 4},
		{"severity", get(full, "document", "aggregate_severity", "text"), "Critical"},
		{"CVE", get(full, "vulnerabilities", 0, "cve"), "CVE-2026-12345"},
		{"first known CWE", get(full, "vulnerabilities", 0, "cwe", "id"), "CWE-78"},
		{"CWE name from the catalogue", get(full, "vulnerabilities", 0, "cwe", "name"), "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"},
		{"aliases without the CVE", len(get(full, "vulnerabilities", 0, "ids").([]any)), 2},
		{"GHSA system", get(full, "vulnerabilities", 0, "ids", 0, "system_name"), "GitHub Security Advisory"},
		{"CVSS version", get(full, "vulnerabilities", 0, "scores", 0, "cvss_v3", "version"), "3.1"},
		{"CVSS severity", get(full, "vulnerabilities", 0, "scores", 0, "cvss_v3", "baseSeverity"), "CRITICAL"},
		{"CVSS 3.0", get(unfixed, "vulnerabilities", 0, "scores", 0, "cvss_v3", "version"), "3.0"},
		{"CVSS v4 as a note", get(full, "vulnerabilities", 0, "notes", 1, "title"), "CVSS v4.0"},
		{"vers range", get(full, "product_tree", "branches", 0, "branches", 0, "branches", 2, "name"), "vers:golang/>=0.3.0|<0.3.1"},
		{"vers from the start", get(full, "product_tree", "branches", 0, "branches", 0, "branches", 0, "name"), "vers:golang/<0.2.3"},
		{"fixed version", get(full, "product_tree", "branches", 0, "branches", 0, "branches", 1, "category"), "product_version"},
		{"purl", get(full, "product_tree", "branches", 0, "branches", 0, "branches", 1, "product", "product_identification_helper", "purl"), "pkg:golang/github.com/projectbeskar/virtrigaud@0.2.3"},
		{"all versions", get(unfixed, "product_tree", "branches", 0, "branches", 0, "branches", 0, "name"), "vers:all/*"},
		{"scoped npm purl", get(unfixed, "product_tree", "branches", 0, "branches", 0, "branches", 0, "product", "product_identification_helper", "purl"), "pkg:npm/%40virtrigaud/ui"},
		{"PyPI purl normalized", get(unfixed, "product_tree", "branches", 0, "branches", 1, "branches", 0, "product", "product_identification_helper", "purl"), "pkg:pypi/virtrigaud-client"},
		{"open-ended range", get(unfixed, "product_tree", "branches", 0, "branches", 1, "branches", 0, "name"), "vers:pypi/>=2.0.0"},
		{"no fix: none available", get(unfixed, "vulnerabilities", 0, "remediations", 0, "category"), "none_available"},
		{"fix: vendor_fix", get(full, "vulnerabilities", 0, "remediations", 0, "category"), "vendor_fix"},
		{"fix URL only with one fix", get(full, "vulnerabilities", 0, "remediations", 0, "url"), nil},
		{"fix URL", get(withdrawn, "vulnerabilities", 0, "remediations", 0, "url"), "https://github.com/projectbeskar/virtrigaud/pull/77"},
		{"anonymous not credited", len(get(full, "vulnerabilities", 0, "acknowledgments").([]any)), 3},
		{"credit URL", get(full, "vulnerabilities", 0, "acknowledgments", 0, "urls", 0), "https://example.net/ada"},
		{"mailto not a credit URL", get(full, "vulnerabilities", 0, "acknowledgments", 2, "urls"), nil},
		{"no package: the project", get(bare, "product_tree", "branches", 0, "branches", 0, "name"), "Virtrigaud"},
		{"synthesized first revision", get(bare, "document", "tracking", "revision_history", 0, "summary"), "Initial release"},
		{"file-name rules in the self URL", get(bare, "document", "references", 0, "url"), "https://virtrigaud.example.org/.well-known/csaf/white/2026/virt_2025_0003_web_.json"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	// The fixed versions are the only fixed products; every affected range
	// is scored and has a remediation.
	st := get(full, "vulnerabilities", 0, "product_status").(map[string]any)
	if len(st["known_affected"].([]any)) != 2 || len(st["fixed"].([]any)) != 2 {
		t.Errorf("product status: %v", st)
	}
}

func TestDocumentMultiEcosystem(t *testing.T) {
	d := decode(t, fixtures()[4])
	pkgs := get(d, "product_tree", "branches", 0, "branches").([]any)
	var names, purls []string
	for _, p := range pkgs {
		names = append(names, get(p, "name").(string))
		if h, ok := get(p, "branches", 0, "product", "product_identification_helper", "purl").(string); ok {
			purls = append(purls, h)
		}
	}
	wantNames := "virt-rs|virtrigaud (RubyGems)|Virtrigaud.Client|virtrigaud/sdk|ghcr.io/projectbeskar/virtrigaud|https://github.com/projectbeskar/virtrigaud|virtrigaud-firmware|virtrigaud (npm)|virtrigaud-extra"
	if got := strings.Join(names, "|"); got != wantNames {
		t.Errorf("package branches:\n got %s\nwant %s", got, wantNames)
	}
	wantPurls := "pkg:cargo/virt-rs|pkg:gem/virtrigaud|pkg:nuget/Virtrigaud.Client|pkg:composer/virtrigaud/sdk|" +
		"pkg:docker/projectbeskar/virtrigaud?repository_url=ghcr.io|pkg:generic/virtrigaud?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fprojectbeskar%2Fvirtrigaud|" +
		"pkg:generic/virtrigaud-firmware|pkg:npm/virtrigaud|pkg:pypi/virtrigaud-extra"
	if got := strings.Join(purls, "|"); got != wantPurls {
		t.Errorf("purls:\n got %s\nwant %s", got, wantPurls)
	}
	// virt-rs: two ranges from two entries, merged; the npm range given
	// twice appears once; the PyPI package without ranges is all versions.
	if n := len(get(pkgs[0], "branches").([]any)); n != 4 {
		t.Errorf("virt-rs has %d branches, want 4", n)
	}
	if n := len(get(pkgs[7], "branches").([]any)); n != 2 {
		t.Errorf("npm virtrigaud has %d branches, want 2", n)
	}
	if got := get(pkgs[8], "branches", 0, "name"); got != "vers:all/*" {
		t.Errorf("package without ranges: %v", got)
	}
	if got := get(d, "vulnerabilities", 0, "scores", 0, "cvss_v3", "vectorString"); got != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:P/RL:O" {
		t.Errorf("temporal metrics dropped from the vector: %v", got)
	}
	if got := get(d, "vulnerabilities", 0, "acknowledgments"); got != nil {
		t.Errorf("a blank credit was listed: %v", got)
	}
}

// Product ids name what they identify: removing a package leaves the ids
// of the others alone.
func TestProductIDsStable(t *testing.T) {
	a := fixtures()[4]
	ids := func(a embargo.Advisory) map[string]bool {
		out := map[string]bool{}
		for _, id := range buildProducts(a, "V", "").affected {
			out[id] = true
		}
		return out
	}
	before := ids(a)
	a.Affected = a.Affected[1:]
	after := ids(a)
	for id := range after {
		if !before[id] {
			t.Errorf("product id %s changed when another package was removed", id)
		}
	}
	if len(after) >= len(before) {
		t.Errorf("removing a package removed no product: %d then %d", len(before), len(after))
	}
}

func TestDocumentErrors(t *testing.T) {
	good := fixtures()[0]
	tests := []struct {
		name   string
		change func(a *embargo.Advisory, p *embargo.Publisher)
		want   string
	}{
		{"draft", func(a *embargo.Advisory, _ *embargo.Publisher) { a.State = embargo.AdvisoryDraft }, "is draft, not public"},
		{"scheduled", func(a *embargo.Advisory, _ *embargo.Publisher) { a.State = embargo.AdvisoryScheduled }, "not public"},
		{"no date", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Published = time.Time{} }, "no publication date"},
		{"no summary", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Summary = " " }, "no summary"},
		{"bad id", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Ref = " X" }, "cannot be a CSAF tracking id"},
		{"bad CVE", func(a *embargo.Advisory, _ *embargo.Publisher) { a.CVE = "CVE-26-1" }, "is not a CVE id"},
		{"revision gap", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Revisions[0].Number = 3 }, "revision 3 where 2 was due"},
		{"version mismatch", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Version = 3 }, "version 3 but 2 revisions"},
		{"CVSS prefix", func(a *embargo.Advisory, _ *embargo.Publisher) { a.CVSS3 = "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }, "does not start with CVSS:3.0/"},
		{"CVSS missing metric", func(a *embargo.Advisory, _ *embargo.Publisher) { a.CVSS3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H" }, "base metric A is missing"},
		{"CVSS bad value", func(a *embargo.Advisory, _ *embargo.Publisher) {
			a.CVSS3 = "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
		}, "unknown value in AV:X"},
		{"CVSS repeated", func(a *embargo.Advisory, _ *embargo.Publisher) { a.CVSS3 += "/AV:N" }, "repeated metric"},
		{"CVSS score", func(a *embargo.Advisory, _ *embargo.Publisher) { a.CVSS3Score = 11 }, "out of range"},
		{"no namespace", func(_ *embargo.Advisory, p *embargo.Publisher) { p.Namespace, p.BaseURL = "", "" }, "not an absolute URL"},
		{"no publisher name", func(_ *embargo.Advisory, p *embargo.Publisher) { p.Name = "" }, "no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, p := good, testPub
			a.Revisions = append([]embargo.AdvisoryRevision(nil), good.Revisions...)
			tt.change(&a, &p)
			_, err := Document(a, p)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "csaf.Document(") {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// A withdrawn advisory whose revisions stop before the withdrawal gets a
// revision for it, so the history says so.
func TestWithdrawnWithoutRevision(t *testing.T) {
	a := fixtures()[2]
	a.Revisions, a.Version = a.Revisions[:1], 1
	d := decode(t, a)
	if got := get(d, "document", "tracking", "version"); got != "2" {
		t.Errorf("version %v, want 2", got)
	}
	if got := get(d, "document", "tracking", "revision_history", 1, "summary"); got != "Withdrawn" {
		t.Errorf("last revision %v", got)
	}
	if got := get(d, "document", "tracking", "current_release_date"); got != "2026-01-15T16:00:00Z" {
		t.Errorf("current release %v", got)
	}
}

func TestFileName(t *testing.T) {
	for id, want := range map[string]string{
		"VIRT-2026-0001":                "virt-2026-0001.json",
		"Example Company - 2019-YH3234": "example_company_-_2019-yh3234.json",
		"RHBA-2019:0024":                "rhba-2019_0024.json",
		"cisco-sa-20190513-secureboot":  "cisco-sa-20190513-secureboot.json",
		"2022_#01-A":                    "2022_01-a.json",
		"a+b":                           "a+b.json",
		"Virt_2025:0003 (web)":          "virt_2025_0003_web_.json",
		"ÄÖÜ-1":                         "_-1.json",
	} {
		if got := FileName(id); got != want {
			t.Errorf("FileName(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestVers(t *testing.T) {
	for _, tt := range []struct {
		scheme string
		r      embargo.Range
		want   string
	}{
		{"golang", embargo.Range{Introduced: "1.0.0", Fixed: "1.2.5"}, "vers:golang/>=1.0.0|<1.2.5"},
		{"npm", embargo.Range{Introduced: "0", Fixed: "2.0.1"}, "vers:npm/<2.0.1"},
		{"pypi", embargo.Range{Introduced: "2.0"}, "vers:pypi/>=2.0"},
		{"generic", embargo.Range{Introduced: "0"}, "vers:all/*"},
		{"generic", embargo.Range{Introduced: "a|b", Fixed: "c%d"}, "vers:generic/>=a%7Cb|<c%25d"},
	} {
		if got := vers(tt.scheme, tt.r); got != tt.want {
			t.Errorf("vers(%s, %+v) = %q, want %q", tt.scheme, tt.r, got, tt.want)
		}
	}
}

func TestSecurityTxtLine(t *testing.T) {
	got := SecurityTxtLine(embargo.Publisher{BaseURL: "https://demo.example/p/demo/advisories/"})
	if want := "CSAF: https://demo.example/p/demo/advisories/.well-known/csaf/provider-metadata.json"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
