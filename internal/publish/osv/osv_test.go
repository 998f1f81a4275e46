package osv_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/osv"
	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
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
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

// multiAdvisory affects several ecosystems, is withdrawn, and has no CVSS.
func multiAdvisory() embargo.Advisory {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	return embargo.Advisory{
		Ref: "VIRT-2026-0002", State: embargo.AdvisoryWithdrawn,
		Summary: "  Prototype pollution in several bindings  ",
		Details: "Details.",
		CWEs:    []string{"CWE-1321", ""},
		Affected: []embargo.AffectedProduct{
			{Ecosystem: "npm", Package: "@virt/client", Ranges: []embargo.Range{
				{Introduced: "0", Fixed: "v1.4.2"}, {Introduced: "2.0.0-beta.1", Fixed: "2.0.0"}, {Introduced: "3.0.0"},
			}},
			{Ecosystem: "PyPI", Package: "virt-client", Ranges: []embargo.Range{{Introduced: "1.0", Fixed: "1.4.post1"}}},
			{Ecosystem: "Maven", Package: "org.virt:client", Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.4.2.Final"}}},
			{Ecosystem: "crates.io", Package: "virt-client", Ranges: []embargo.Range{{Introduced: "0.1.0", Fixed: "0.3.1"}}},
			{Ecosystem: "GIT", Package: "https://git.example/virt/client.git", Ranges: []embargo.Range{
				{Introduced: "0", Fixed: "0123456789abcdef0123456789abcdef01234567"},
			}},
			{Ecosystem: "GIT", Package: "https://git.example/virt/other.git", Ranges: []embargo.Range{{Introduced: "v1.0", Fixed: "v1.2"}}},
			{Ecosystem: "Docker", Package: "virt/client", Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.4.2"}}},
			{Ecosystem: "Go", Package: "gopkg.in/virt.v2", Ranges: []embargo.Range{{Introduced: "0", Fixed: "v2.1.0+incompatible"}},
				Symbols: []string{"virt.Open", "(*Client).Do", "gopkg.in/virt.v2/internal/wire.Decode", "gopkg.in/virt.v2.Close", "Open"}},
		},
		Credits:   []embargo.AdvisoryCredit{{Name: "Eve"}, {Name: " "}, {Name: "Mallory", Type: "hacker"}},
		Published: at, Modified: at.Add(48 * time.Hour), Withdrawn: at.Add(48 * time.Hour),
	}
}

// minimalAdvisory has only what a draft preview may have: no times but
// its creation, and a package of an ecosystem OSV lacks.
func minimalAdvisory() embargo.Advisory {
	return embargo.Advisory{
		Ref: "VIRT-2026-0003", State: embargo.AdvisoryDraft, Summary: "Generic thing",
		Affected:  []embargo.AffectedProduct{{Ecosystem: "Generic", Package: "virt-firmware", Ranges: []embargo.Range{{Introduced: "0"}}}},
		CreatedAt: time.Date(2026, 6, 1, 0, 0, 0, 123, time.UTC),
	}
}

func TestEntry(t *testing.T) {
	v := osvtest.NewValidator(t)
	for _, tc := range []struct {
		name string
		adv  embargo.Advisory
	}{
		{"go", osvtest.GoAdvisory()},
		{"multi", multiAdvisory()},
		{"minimal", minimalAdvisory()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := osv.Entry(tc.adv, osvtest.Publisher())
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Validate(b); err != nil {
				t.Errorf("not valid OSV: %v", err)
			}
			golden(t, tc.name+".json", b)
			again, _ := osv.Entry(tc.adv, osvtest.Publisher())
			if !bytes.Equal(b, again) {
				t.Error("two encodings differ")
			}
		})
	}
}

// TestEntryFields checks what consumers rely on, beyond the golden file.
func TestEntryFields(t *testing.T) {
	b, err := osv.Entry(osvtest.GoAdvisory(), osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		ID, Modified, Published string
		Aliases                 []string
		Affected                []struct {
			Ranges []struct {
				Type   string
				Events []map[string]string
			}
		}
		DatabaseSpecific struct{ URL string } `json:"database_specific"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if e.ID != "x_VIRT-2026-0001" || e.Aliases[0] != "VIRT-2026-0001" {
		t.Errorf("id %q, aliases %q: want the x_ id and the Ref as first alias", e.ID, e.Aliases)
	}
	if e.Modified != "2026-03-14T10:56:53Z" || e.Published != "2026-03-14T09:26:53Z" {
		t.Errorf("modified %q, published %q", e.Modified, e.Published)
	}
	if got := e.Affected[0].Ranges[0]; got.Type != "SEMVER" || got.Events[0]["introduced"] != "0.9.0" || got.Events[1]["fixed"] != "1.0.1" {
		t.Errorf("range %+v: want SEMVER without v", got)
	}
	if e.DatabaseSpecific.URL != "https://embargo.example/p/virt/advisories/VIRT-2026-0001.html" {
		t.Errorf("url %q", e.DatabaseSpecific.URL)
	}
}

func TestEntryErrors(t *testing.T) {
	pub := osvtest.Publisher()
	for _, tc := range []struct {
		name string
		edit func(*embargo.Advisory, *embargo.Publisher)
		want string
	}{
		{"no ref", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Ref = "" }, "not a valid identifier"},
		{"ref with slash", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Ref = "../x" }, "not a valid identifier"},
		{"no base URL", func(_ *embargo.Advisory, p *embargo.Publisher) { p.BaseURL = "" }, "no base URL"},
		{"no time", func(a *embargo.Advisory, _ *embargo.Publisher) {
			a.Modified, a.Published, a.CreatedAt = time.Time{}, time.Time{}, time.Time{}
		}, "no modification time"},
		{"unknown ecosystem", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Affected[0].Ecosystem = "CPAN" }, "unknown ecosystem"},
		{"not semver", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Affected[0].Ranges[0].Fixed = "v1.0" }, "not a semantic version"},
		{"fixed before introduced", func(a *embargo.Advisory, _ *embargo.Publisher) {
			a.Affected[0].Ranges[0] = embargo.Range{Introduced: "v1.2.0", Fixed: "v1.1.0"}
		}, "not after it was introduced"},
		{"symbol outside module", func(a *embargo.Advisory, _ *embargo.Publisher) {
			a.Affected[0].Symbols = []string{"example.com/other.F"}
		}, "not in module"},
		{"bad symbol", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Affected[0].Symbols = []string{"a.b.c"} }, "Func or Type.Method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, p := osvtest.GoAdvisory(), pub
			tc.edit(&a, &p)
			_, err := osv.Entry(a, p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if !errors.Is(err, embargo.ErrInvalid) {
				t.Errorf("err = %v, want kind invalid", err)
			}
		})
	}
}

func TestCompareSemver(t *testing.T) {
	// In precedence order, from semver.org's examples.
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0"}
	for i := range order {
		for j := range order {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := osv.CompareSemver(order[i], order[j]); got != want {
				t.Errorf("CompareSemver(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
	if osv.CompareSemver("1.0.0+build.1", "1.0.0") != 0 || osv.ValidSemver("v1.0.0") || osv.ValidSemver("1.0") || !osv.ValidSemver("2.1.0+incompatible") {
		t.Error("build metadata or validity wrong")
	}
}
