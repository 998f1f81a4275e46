package openvex

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
	"github.com/openvex/go-vex/pkg/vex"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// parse reads a document with go-vex and validates each of its statements
// as go-vex does.
func parse(t *testing.T, name string, b []byte) *vex.VEX {
	t.Helper()
	doc, err := vex.Parse(b)
	if err != nil {
		t.Fatalf("%s: go-vex cannot parse it: %v", name, err)
	}
	if doc.Context != Context {
		t.Errorf("%s: @context %q", name, doc.Context)
	}
	if doc.ID == "" || doc.Author == "" || doc.Timestamp == nil || doc.Version < 1 {
		t.Errorf("%s: incomplete metadata: %+v", name, doc.Metadata)
	}
	if len(doc.Statements) == 0 {
		t.Errorf("%s: no statement", name)
	}
	for i := range doc.Statements {
		s := &doc.Statements[i]
		if err := s.Validate(); err != nil {
			t.Errorf("%s: statement %d (%s): %v", name, i, s.Status, err)
		}
		if len(s.Products) == 0 {
			t.Errorf("%s: statement %d names no product", name, i)
		}
		for _, p := range s.Products {
			if id := p.Identifiers[vex.PURL]; !vex.PurlMatches(id, id) {
				t.Errorf("%s: statement %d: %q is not a purl", name, i, id)
			}
		}
	}
	return doc
}

func TestFilesGolden(t *testing.T) {
	files, err := Files(fixtures(), testPub)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"openvex/VIRT-2026-0001.json", "openvex/VIRT-2026-0002.json", "openvex/VIRT-2026-0003.json"}
	var got []string
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
		parse(t, name, b)
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

func TestDocumentStatements(t *testing.T) {
	fx := fixtures()
	b, err := Document(fx[0], testPub)
	if err != nil {
		t.Fatal(err)
	}
	doc := parse(t, fx[0].Ref, b)
	if doc.ID != "https://virtrigaud.example.org/advisories/openvex/VIRT-2026-0001.json" || doc.Author != "Virtrigaud" || doc.Version != 2 || !doc.Timestamp.Equal(fx[0].Modified) {
		t.Errorf("metadata: %+v", doc.Metadata)
	}
	v := doc.Statements[0].Vulnerability
	if v.Name != "CVE-2026-12345" || !slices.Equal(v.Aliases, []vex.VulnerabilityID{"VIRT-2026-0001", "GHSA-abcd-efgh-ijkl"}) {
		t.Errorf("vulnerability: %+v", v)
	}
	const mod = "pkg:golang/github.com/projectbeskar/virtrigaud"
	for _, tt := range []struct {
		product string
		status  vex.Status
	}{
		{mod + "@v0.1.0", vex.StatusAffected},
		{mod + "@v0.2.3", vex.StatusFixed},
		{mod + "@v0.3.0", vex.StatusAffected},
		{mod + "@v0.3.1", vex.StatusFixed},
		{mod + "@v1.0.0", vex.StatusAffected},
	} {
		s := doc.EffectiveStatement(tt.product, "CVE-2026-12345")
		if s == nil || s.Status != tt.status {
			t.Errorf("effective statement for %s: %+v, want %s", tt.product, s, tt.status)
		}
		if s != nil && s.Status == vex.StatusAffected && !strings.Contains(s.ActionStatement, "v0.3.1 for versions from v0.3.0") {
			t.Errorf("action statement %q does not name the fix of the 0.3 line", s.ActionStatement)
		}
	}
	if s := doc.EffectiveStatement(mod+"@v0.2.3", "GHSA-abcd-efgh-ijkl"); s == nil {
		t.Error("the statements do not match the alias GHSA-abcd-efgh-ijkl")
	}
	notes := doc.Statements[0].StatusNotes
	for _, want := range []string{"before v0.2.3", "v0.3.0 up to but not including v0.3.1", "v1.0.0 and later, not fixed yet"} {
		if !strings.Contains(notes, want) {
			t.Errorf("status_notes %q lacks %q", notes, want)
		}
	}

	// Without a CVE id the advisory's Ref names the vulnerability.
	b, _ = Document(fx[1], testPub)
	doc = parse(t, fx[1].Ref, b)
	if name := doc.Statements[0].Vulnerability.Name; name != "VIRT-2026-0002" {
		t.Errorf("vulnerability named %q", name)
	}

	// A withdrawn advisory: not affected, with an impact statement.
	b, _ = Document(fx[2], testPub)
	doc = parse(t, fx[2].Ref, b)
	s := doc.EffectiveStatement(mod+"@v0.1.0", "CVE-2026-0003")
	if s == nil || s.Status != vex.StatusNotAffected || s.Justification != "" ||
		s.ImpactStatement != "Advisory VIRT-2026-0003 was withdrawn on 2026-02-10: the products are not affected by it. Reason: the export path is validated upstream." {
		t.Errorf("withdrawn: %+v", s)
	}
}

func TestPURL(t *testing.T) {
	for _, tt := range []struct{ eco, pkg, version, want string }{
		{"Go", "github.com/projectbeskar/virtrigaud", "0.2.3", "pkg:golang/github.com/projectbeskar/virtrigaud@v0.2.3"},
		{"Go", "golang.org/x/text", "v0.3.8", "pkg:golang/golang.org/x/text@v0.3.8"},
		{"Go", "example.com/m", "v2.0.0+incompatible", "pkg:golang/example.com/m@v2.0.0%2Bincompatible"},
		{"npm", "@Scope/Name", "1.0.0", "pkg:npm/%40scope/name@1.0.0"},
		{"npm", "lodash", "", "pkg:npm/lodash"},
		{"PyPI", "Django_Rest", "3.1", "pkg:pypi/django-rest@3.1"},
		{"Maven", "org.apache.logging.log4j:log4j-core", "2.17.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"},
		{"crates.io", "serde", "1.0.0", "pkg:cargo/serde@1.0.0"},
		{"RubyGems", "rails", "7.0.1", "pkg:gem/rails@7.0.1"},
		{"NuGet", "Newtonsoft.Json", "13.0.1", "pkg:nuget/Newtonsoft.Json@13.0.1"},
		{"Packagist", "Laravel/Framework", "9.0.0", "pkg:composer/laravel/framework@9.0.0"},
		{"Docker", "library/nginx", "1.25", "pkg:docker/library/nginx@1.25"},
		{"Docker", "ghcr.io/org/img", "1.0", "pkg:docker/org/img@1.0?repository_url=ghcr.io"},
		{"GIT", "https://github.com/Org/Repo.git", "abc123", "pkg:github/org/repo@abc123"},
		{"GIT", "https://git.example.org/team/tool", "abc123", "pkg:generic/tool@abc123?vcs_url=git%2Bhttps%3A%2F%2Fgit.example.org%2Fteam%2Ftool"},
		{"Generic", "some tool", "1.0", "pkg:generic/some%20tool@1.0"},
	} {
		got := purl(tt.eco, tt.pkg, tt.version)
		if got != tt.want {
			t.Errorf("purl(%s, %s, %s) = %s, want %s", tt.eco, tt.pkg, tt.version, got, tt.want)
		}
		// go-vex (packageurl-go) parses it, and the purl without a
		// version matches it.
		if !vex.PurlMatches(got, got) || !vex.PurlMatches(purl(tt.eco, tt.pkg, ""), got) {
			t.Errorf("%s does not parse or match as a purl", got)
		}
	}
}

func TestDocumentErrors(t *testing.T) {
	base := fixtures()[0]
	for _, tt := range []struct {
		name  string
		edit  func(*embargo.Advisory, *embargo.Publisher)
		inErr string
	}{
		{"draft", func(a *embargo.Advisory, _ *embargo.Publisher) { a.State = embargo.AdvisoryDraft }, "not public"},
		{"unpublished", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Published = time.Time{} }, "no publication date"},
		{"bad ref", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Ref = "../x" }, "cannot name a file"},
		{"no author", func(_ *embargo.Advisory, p *embargo.Publisher) { p.Name = "" }, "no name"},
		{"no base URL", func(_ *embargo.Advisory, p *embargo.Publisher) { p.BaseURL = "" }, "no BaseURL"},
		{"no package", func(a *embargo.Advisory, _ *embargo.Publisher) { a.Affected = nil }, "no affected package"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, pub := base, testPub
			tt.edit(&a, &pub)
			b, err := Document(a, pub)
			if err == nil {
				t.Fatalf("no error; got\n%s", b)
			}
			if !errors.Is(err, embargo.ErrInvalid) || !strings.Contains(err.Error(), tt.inErr) {
				t.Errorf("error %q: want an Invalid error containing %q", err, tt.inErr)
			}
		})
	}
	dup := fixtures()
	dup[1].Ref = dup[0].Ref
	if _, err := Files(dup, testPub); !errors.Is(err, embargo.ErrConflict) {
		t.Errorf("two advisories with one Ref: %v, want a Conflict error", err)
	}
}

func TestDocumentIsDeterministic(t *testing.T) {
	for _, a := range fixtures()[:3] {
		first, err := Document(a, testPub)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if again, _ := Document(a, testPub); string(again) != string(first) {
				t.Fatalf("%s: two encodings differ", a.Ref)
			}
		}
		var m map[string]any
		if err := json.Unmarshal(first, &m); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkFiles10k encodes 10,000 advisories, against a baseline that
// only json.Marshals the same slice.
func BenchmarkFiles10k(b *testing.B) {
	advs := many(10000)
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(advs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Files", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			files, err := Files(advs, testPub)
			if err != nil || len(files) != len(advs) {
				b.Fatal(len(files), err)
			}
		}
	})
}
