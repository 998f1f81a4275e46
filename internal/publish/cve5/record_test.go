package cve5

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestFilesGolden(t *testing.T) {
	files, err := Files(fixtures(), testPub, testOrg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cve/CVE-2026-0002.json", "cve/CVE-2026-0003.json", "cve/CVE-2026-12345.json"}
	got := make([]string, 0, len(files))
	for name := range files {
		got = append(got, name)
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("file names (-want +got):\n%s", diff)
	}
	golden := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range files {
		validate(t, name, b)
		path := filepath.Join(golden, filepath.FromSlash(name))
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		wantB, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if diff := cmp.Diff(string(wantB), string(b)); diff != "" {
			t.Errorf("%s differs from its golden file (-want +got):\n%s", name, diff)
		}
	}
}

func TestRecordIsDeterministic(t *testing.T) {
	for _, a := range fixtures()[:3] {
		first, err := Record(a, testPub, testOrg)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			again, _ := Record(a, testPub, testOrg)
			if string(again) != string(first) {
				t.Fatalf("%s: two encodings differ", a.Ref)
			}
		}
	}
}

// decoded is the part of a record the mapping tests look at.
type decoded struct {
	DataVersion string `json:"dataVersion"`
	CVEMetadata struct {
		State, DatePublished, DateUpdated, DateRejected string
	} `json:"cveMetadata"`
	Containers struct {
		CNA struct {
			Title        string
			Descriptions []struct{ Value string }
			Affected     []struct {
				Vendor, Product, CollectionURL, PackageName, Repo, DefaultStatus string
				Versions                                                         []version
				ProgramRoutines                                                  []routine
			}
			ProblemTypes []problemType
			Metrics      []metric
			References   []reference
			Credits      []credit
			Rejected     []struct{ Value string } `json:"rejectedReasons"`
		} `json:"cna"`
	} `json:"containers"`
}

func decode(t *testing.T, a embargo.Advisory) decoded {
	t.Helper()
	b, err := Record(a, testPub, testOrg)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, a.Ref, b)
	var d decoded
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRecordMapping(t *testing.T) {
	fx := fixtures()
	d := decode(t, fx[0])
	cna := d.Containers.CNA
	if d.DataVersion != DataVersion || d.CVEMetadata.State != "PUBLISHED" {
		t.Errorf("dataVersion %q, state %q", d.DataVersion, d.CVEMetadata.State)
	}
	if d.CVEMetadata.DatePublished != "2026-03-02T10:00:00Z" || d.CVEMetadata.DateUpdated != "2026-03-09T08:30:00Z" {
		t.Errorf("dates: published %s, updated %s", d.CVEMetadata.DatePublished, d.CVEMetadata.DateUpdated)
	}
	wantVersions := []version{
		{Version: "0", Status: "affected", VersionType: "semver", LessThan: "0.2.3"},
		{Version: "0.3.0", Status: "affected", VersionType: "semver", LessThan: "0.3.1"},
	}
	if diff := cmp.Diff(wantVersions, cna.Affected[0].Versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if got := cna.Affected[0]; got.CollectionURL != "https://pkg.go.dev" || got.PackageName != "github.com/projectbeskar/virtrigaud" || got.DefaultStatus != "unaffected" || len(got.ProgramRoutines) != 2 {
		t.Errorf("Go product: %+v", got)
	}
	wantCWE := []string{"CWE-78", "CWE-77", ""}
	var gotCWE []string
	for _, p := range cna.ProblemTypes {
		gotCWE = append(gotCWE, p.Descriptions[0].CWEID)
	}
	if diff := cmp.Diff(wantCWE, gotCWE); diff != "" {
		t.Errorf("CWE ids (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(cna.ProblemTypes[0].Descriptions[0].Description, "CWE-78 Improper Neutralization") {
		t.Errorf("CWE-78 described as %q", cna.ProblemTypes[0].Descriptions[0].Description)
	}
	wantCredits := []credit{
		{"en", "Ada Lovelace", "finder"}, {"en", "@bob", "reporter"}, {"en", "Grace Hopper", "remediation reviewer"},
		{"en", "Fuzzer 3000", "tool"}, {"en", "Someone", "other"},
	}
	if diff := cmp.Diff(wantCredits, cna.Credits); diff != "" {
		t.Errorf("credits (-want +got):\n%s", diff)
	}
	wantRefs := []reference{
		{URL: "https://virtrigaud.example.org/advisories/VIRT-2026-0001.html", Tags: []string{"vendor-advisory"}},
		{URL: "https://github.com/projectbeskar/virtrigaud/commit/0123456789abcdef", Tags: []string{"patch"}},
		{URL: "https://github.com/projectbeskar/virtrigaud/security/advisories/GHSA-abcd-efgh-ijkl", Tags: []string{"third-party-advisory"}},
		{URL: "https://virtrigaud.example.org/blog/vm-names", Tags: []string{"vendor-advisory"}},
		{URL: "https://github.com/projectbeskar/virtrigaud/issues/42", Tags: []string{"issue-tracking"}},
	}
	if diff := cmp.Diff(wantRefs, cna.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	if len(cna.Metrics) != 2 || cna.Metrics[0].CVSSV4_0 == nil || cna.Metrics[1].CVSSV3_1 == nil || cna.Metrics[1].CVSSV3_1.BaseSeverity != "CRITICAL" {
		t.Errorf("metrics: %+v", cna.Metrics)
	}

	// Every other credit type, CVSS v3.0, each ecosystem's collection.
	d = decode(t, fx[1])
	cna = d.Containers.CNA
	var types []string
	for _, c := range cna.Credits {
		types = append(types, c.Type)
	}
	if diff := cmp.Diff([]string{"analyst", "coordinator", "remediation developer", "remediation verifier", "sponsor", "other"}, types); diff != "" {
		t.Errorf("credit types (-want +got):\n%s", diff)
	}
	if m := cna.Metrics; len(m) != 1 || m[0].CVSSV3_0 == nil || m[0].CVSSV3_0.BaseSeverity != "LOW" {
		t.Errorf("CVSS v3.0 metric: %+v", m)
	}
	for _, p := range cna.Affected {
		switch p.Product {
		case "virtrigaud":
			if p.CollectionURL == "https://crates.io" && p.Versions[0].LessThan != "*" {
				t.Errorf("an unfixed range is %+v, want lessThan *", p.Versions[0])
			}
		case "https://github.com/projectbeskar/virtrigaud":
			if p.Repo != p.Product || p.CollectionURL != "" || p.Versions[0].VersionType != "git" {
				t.Errorf("GIT product: %+v", p)
			}
		case "virtrigaud-appliance":
			if p.CollectionURL != "" || p.Versions[0].VersionType != "custom" {
				t.Errorf("Generic product: %+v", p)
			}
		}
	}
}

func TestRecordRejected(t *testing.T) {
	d := decode(t, fixtures()[2])
	if d.CVEMetadata.State != "REJECTED" || d.CVEMetadata.DateRejected != "2026-02-10T09:00:00Z" {
		t.Errorf("state %q, dateRejected %q", d.CVEMetadata.State, d.CVEMetadata.DateRejected)
	}
	want := "Virtrigaud withdrew advisory VIRT-2026-0003 on 2026-02-10. Reason: the export path is validated upstream."
	if r := d.Containers.CNA.Rejected; len(r) != 1 || r[0].Value != want {
		t.Errorf("rejectedReasons %+v, want %q", r, want)
	}
	if len(d.Containers.CNA.Affected) != 0 {
		t.Error("a rejected record has affected products")
	}
}

func TestRecordErrors(t *testing.T) {
	base := fixtures()[0]
	for _, tt := range []struct {
		name  string
		edit  func(*embargo.Advisory, *embargo.Publisher, *string)
		inErr string
	}{
		{"no CVE", func(a *embargo.Advisory, _ *embargo.Publisher, _ *string) { a.CVE = "" }, "no CVE id"},
		{"bad CVE", func(a *embargo.Advisory, _ *embargo.Publisher, _ *string) { a.CVE = "CVE-26-1" }, "not a CVE id"},
		{"no org", func(_ *embargo.Advisory, _ *embargo.Publisher, o *string) { *o = "" }, "assignerOrgId is required"},
		{"bad org", func(_ *embargo.Advisory, _ *embargo.Publisher, o *string) { *o = "acme" }, "not a version 4 UUID"},
		{"draft", func(a *embargo.Advisory, _ *embargo.Publisher, _ *string) { a.State = embargo.AdvisoryDraft }, "not public"},
		{"unpublished", func(a *embargo.Advisory, _ *embargo.Publisher, _ *string) { a.Published = time.Time{} }, "no publication date"},
		{"no summary", func(a *embargo.Advisory, _ *embargo.Publisher, _ *string) { a.Summary = " " }, "no summary"},
		{"no affected", func(a *embargo.Advisory, _ *embargo.Publisher, _ *string) { a.Affected = nil }, "no affected package"},
		{"relative reference", func(a *embargo.Advisory, _ *embargo.Publisher, _ *string) {
			a.References = []embargo.Reference{{Type: "WEB", URL: "/blog"}}
		}, "not an absolute URL"},
		{"no reference at all", func(a *embargo.Advisory, p *embargo.Publisher, _ *string) { a.References = nil; p.BaseURL = "" }, "no reference"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, pub, org := base, testPub, testOrg
			tt.edit(&a, &pub, &org)
			b, err := Record(a, pub, org)
			if err == nil {
				t.Fatalf("no error; got\n%s", b)
			}
			if !errors.Is(err, embargo.ErrInvalid) || !strings.Contains(err.Error(), tt.inErr) || !strings.Contains(err.Error(), "VIRT-2026-0001") {
				t.Errorf("error %q: want an Invalid error naming the advisory and containing %q", err, tt.inErr)
			}
		})
	}
}
