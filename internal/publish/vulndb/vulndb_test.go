package vulndb_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
	"github.com/embargo-cvd/embargo/internal/publish/vulndb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// advisories are the golden tree's input: a Go advisory, one that affects
// Go and npm and is withdrawn, one for npm only, and a draft.
func advisories() []embargo.Advisory {
	at := time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)
	mixed := embargo.Advisory{
		Ref: "VIRT-2026-0002", State: embargo.AdvisoryWithdrawn, Summary: "Two bindings",
		Affected: []embargo.AffectedProduct{
			{Ecosystem: "npm", Package: "virt", Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.0.0"}}},
			{Ecosystem: "Go", Package: "example.com/vulnlib", Ranges: []embargo.Range{
				{Introduced: "0", Fixed: "v0.5.2"}, {Introduced: "v0.6.0", Fixed: "v0.6.3"},
			}},
			{Ecosystem: "Go", Package: "example.com/other/v2", Ranges: []embargo.Range{{Introduced: "v2.0.0"}},
				Symbols: []string{"other.Open", "example.com/other/v2/sub.(*T).Close"}},
		},
		Published: at, Modified: at.Add(time.Hour), Withdrawn: at.Add(time.Hour),
	}
	npmOnly := embargo.Advisory{
		Ref: "VIRT-2026-0003", State: embargo.AdvisoryPublished, Summary: "npm only",
		Affected:  []embargo.AffectedProduct{{Ecosystem: "npm", Package: "virt", Ranges: []embargo.Range{{Introduced: "0"}}}},
		Published: at, Modified: at.Add(240 * time.Hour),
	}
	draft := osvtest.GoAdvisory()
	draft.Ref, draft.State, draft.Modified = "VIRT-2026-0004", embargo.AdvisoryDraft, at.Add(480*time.Hour)
	return []embargo.Advisory{npmOnly, mixed, osvtest.GoAdvisory(), draft}
}

func TestFiles(t *testing.T) {
	files, err := vulndb.Files(advisories(), osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range []string{"ID/x_VIRT-2026-0001", "ID/x_VIRT-2026-0002", "index/db", "index/modules", "index/vulns"} {
		want = append(want, "govulndb/"+n+".json", "govulndb/"+n+".json.gz")
	}
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(files))); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	v := osvtest.NewValidator(t)
	for name, b := range files {
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, files[strings.TrimSuffix(name, ".gz")]) {
				t.Errorf("%s does not hold the .json file (%v)", name, err)
			}
			continue
		}
		if strings.HasPrefix(name, "govulndb/ID/") {
			if err := v.Validate(b); err != nil {
				t.Errorf("%s: not valid OSV: %v", name, err)
			}
		}
		golden(t, name, b)
	}
	again, err := vulndb.Files(advisories(), osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	for name := range files {
		if !bytes.Equal(files[name], again[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// TestFilesIndex checks what the client relies on beyond the golden files:
// the modified time of the database, and each module's exact fix.
func TestFilesIndex(t *testing.T) {
	files, err := vulndb.Files(advisories(), osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	var db struct{ Modified time.Time }
	if err := json.Unmarshal(files["govulndb/index/db.json"], &db); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC); !db.Modified.Equal(want) {
		t.Errorf("db modified %v, want %v (the latest public Go entry)", db.Modified, want)
	}
	var mods []struct {
		Path  string
		Vulns []struct{ ID, Fixed string }
	}
	if err := json.Unmarshal(files["govulndb/index/modules.json"], &mods); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range mods {
		for _, v := range m.Vulns {
			got[m.Path+" "+v.ID] = v.Fixed
		}
	}
	want := map[string]string{
		"example.com/other/v2 x_VIRT-2026-0002": "",
		"example.com/vulnlib x_VIRT-2026-0001":  "1.0.1",
		"example.com/vulnlib x_VIRT-2026-0002":  "0.6.3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modules index (-want +got):\n%s", diff)
	}
}

func TestFilesEmpty(t *testing.T) {
	files, err := vulndb.Files(nil, osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"govulndb/index/db.json":      "{\n  \"modified\": \"0001-01-01T00:00:00Z\"\n}\n",
		"govulndb/index/modules.json": "[]\n",
		"govulndb/index/vulns.json":   "[]\n",
	} {
		if got := string(files[name]); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestFilesErrors(t *testing.T) {
	a := osvtest.GoAdvisory()
	if _, err := vulndb.Files([]embargo.Advisory{a, a}, osvtest.Publisher()); !errors.Is(err, embargo.ErrConflict) {
		t.Errorf("duplicate ref: err = %v, want a conflict", err)
	}
	a.Affected[0].Ranges[0].Fixed = "1.0"
	if _, err := vulndb.Files([]embargo.Advisory{a}, osvtest.Publisher()); !errors.Is(err, embargo.ErrInvalid) {
		t.Errorf("bad version: err = %v, want invalid", err)
	}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(name))
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
