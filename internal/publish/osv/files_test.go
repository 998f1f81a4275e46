package osv_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/osv"
	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
)

// unzip returns the files of a zip archive by name.
func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestFiles(t *testing.T) {
	draft, scheduled := minimalAdvisory(), osvtest.GoAdvisory()
	draft.Ref = "VIRT-2026-0009"
	scheduled.Ref, scheduled.State = "VIRT-2026-0010", embargo.AdvisoryScheduled
	advs := []embargo.Advisory{multiAdvisory(), draft, osvtest.GoAdvisory(), scheduled}
	files, err := osv.Files(advs, osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"osv/GIT/all.zip", "osv/Go/all.zip", "osv/Maven/all.zip", "osv/PyPI/all.zip",
		"osv/VIRT-2026-0001.json", "osv/VIRT-2026-0002.json",
		"osv/all.zip", "osv/crates.io/all.zip", "osv/npm/all.zip",
	}
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(files))); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	v := osvtest.NewValidator(t)
	for name, b := range files {
		if strings.HasSuffix(name, ".json") {
			if err := v.Validate(b); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	all := unzip(t, files["osv/all.zip"])
	if diff := cmp.Diff(map[string][]byte{
		"VIRT-2026-0001.json": files["osv/VIRT-2026-0001.json"],
		"VIRT-2026-0002.json": files["osv/VIRT-2026-0002.json"],
	}, all); diff != "" {
		t.Errorf("all.zip (-want +got):\n%s", diff)
	}
	goZip := unzip(t, files["osv/Go/all.zip"])
	if len(goZip) != 2 || goZip["VIRT-2026-0001.json"] == nil || goZip["VIRT-2026-0002.json"] == nil {
		t.Errorf("Go/all.zip holds %v, want both advisories (0002 affects a Go module too)", slices.Sorted(maps.Keys(goZip)))
	}
	if npm := unzip(t, files["osv/npm/all.zip"]); len(npm) != 1 || npm["VIRT-2026-0002.json"] == nil {
		t.Errorf("npm/all.zip holds %v", slices.Sorted(maps.Keys(npm)))
	}

	again, err := osv.Files(slices.Clone(advs), osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	for name := range files {
		if !bytes.Equal(files[name], again[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestFilesEmpty(t *testing.T) {
	files, err := osv.Files(nil, osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || len(unzip(t, files["osv/all.zip"])) != 0 {
		t.Errorf("files %v, want an empty all.zip alone", slices.Sorted(maps.Keys(files)))
	}
}

func TestFilesDuplicateRef(t *testing.T) {
	a := osvtest.GoAdvisory()
	_, err := osv.Files([]embargo.Advisory{a, a}, osvtest.Publisher())
	if !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("err = %v, want a conflict", err)
	}
}

// TestValidatorRejects makes sure the schema check is not vacuous: the
// mistakes osv-scanner silently drops entries for fail validation.
func TestValidatorRejects(t *testing.T) {
	v := osvtest.NewValidator(t)
	good, err := osv.Entry(osvtest.GoAdvisory(), osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"unknown field":  bytes.Replace(good, []byte(`"summary":`), []byte(`"title": "x", "summary":`), 1),
		"bad timestamp":  bytes.Replace(good, []byte(`"2026-03-14T10:56:53Z"`), []byte(`"2026-03-14 10:56:53"`), 1),
		"local time":     bytes.Replace(good, []byte(`"2026-03-14T10:56:53Z"`), []byte(`"2026-03-14T11:56:53+01:00"`), 1),
		"unregistered":   bytes.Replace(good, []byte(`"x_VIRT-2026-0001"`), []byte(`"VIRT-2026-0001"`), 1),
		"bad ecosystem":  bytes.Replace(good, []byte(`"ecosystem": "Go"`), []byte(`"ecosystem": "Docker"`), 1),
		"bad range type": bytes.Replace(good, []byte(`"SEMVER"`), []byte(`"SEMVERS"`), 1),
	} {
		if bytes.Equal(bad, good) {
			t.Errorf("%s: the replacement did not apply", name)
			continue
		}
		if v.Validate(bad) == nil {
			t.Errorf("%s: the schema accepted it", name)
		}
	}
}
