// Package osvtest holds what the tests of the OSV and Go vulnerability
// database encoders share: validation against the vendored official OSV
// schema, sample advisories, a file:// Go module proxy for the sample
// module, and finding the real consumers (osv-scanner, govulncheck).
package osvtest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// TestdataDir returns internal/publish/testdata.
func TestdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Validator validates OSV entries against the official schema.
type Validator struct{ schema *jsonschema.Schema }

// NewValidator compiles the vendored OSV schema, with format assertions
// (date-time, uri) on; it fails the test when the schema does not compile.
func NewValidator(tb testing.TB) *Validator {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(TestdataDir(), "osv-schema", "schema.json"))
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://raw.githubusercontent.com/ossf/osv-schema/main/validation/schema.json"
	if err := c.AddResource(url, doc); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		tb.Fatal(err)
	}
	return &Validator{schema: s}
}

// Validate returns the schema violations of one JSON entry, or nil.
func (v *Validator) Validate(entry []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(entry))
	if err != nil {
		return err
	}
	return v.schema.Validate(doc)
}

// Publisher is the sample publisher.
func Publisher() embargo.Publisher {
	return embargo.Publisher{
		Name:         "Virtual Project",
		Namespace:    "https://virt.example",
		BaseURL:      "https://embargo.example/p/virt/advisories",
		ContactEmail: "security@virt.example",
	}
}

// GoAdvisory is a published advisory of example.com/vulnlib, introduced in
// v0.9.0 and fixed in v1.0.1, in the symbol Parse: the gosample module's
// vulnerable variant is affected, its fixed variant is not.
func GoAdvisory() embargo.Advisory {
	published := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	return embargo.Advisory{
		ID: 1, ProjectID: 1, Ref: "VIRT-2026-0001", State: embargo.AdvisoryPublished,
		Summary:  "Parse upper-cases too much in example.com/vulnlib",
		Details:  "`vulnlib.Parse` mishandles <script> input.\n\nUpgrade to v1.0.1.",
		Severity: "high",
		CVSS3:    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", CVSS3Score: 7.5,
		CVSS4: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", CVSS4Score: 8.7,
		CWEs:    []string{"CWE-79"},
		CVE:     "CVE-2026-12345",
		Aliases: []string{"GHSA-abcd-efgh-ijkl"},
		References: []embargo.Reference{
			{Type: "FIX", URL: "https://git.example/vulnlib/commit/1234abcd"},
			{Type: "web", URL: "https://blog.example/vulnlib"},
			{Type: "SOMETHING", URL: "https://other.example/x?a=1&b=2"},
		},
		Affected: []embargo.AffectedProduct{{
			Ecosystem: "Go", Package: "example.com/vulnlib",
			Ranges:  []embargo.Range{{Introduced: "v0.9.0", Fixed: "v1.0.1"}},
			Symbols: []string{"Parse"},
		}},
		Credits: []embargo.AdvisoryCredit{
			{Name: "Ada Finder", Contact: "mailto:ada@example.org", Type: "FINDER"},
			{Name: "Bob Fixer", Type: "remediation_developer"},
		},
		Published: published, Modified: published.Add(90*time.Minute + 500*time.Millisecond),
		Version: 1, CreatedAt: published.Add(-72 * time.Hour), DisclosesAt: published,
	}
}

// Tool returns the path of a consumer installed by .ci/tools.sh, looked up
// in PATH and then in $(go env GOPATH)/bin; it skips the test when absent.
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	goEnv := exec.Command("go", "env", "GOPATH")
	goEnv.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := goEnv.Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(dir, "bin", name)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p
			}
		}
	}
	tb.Skipf("%s is not installed: run bash .ci/tools.sh (it installs the consumers the tests check outputs with)", name)
	return ""
}

// CopySample copies testdata/gosample/<name> into a temporary directory and
// returns it: go writes go.sum next to go.mod.
func CopySample(tb testing.TB, name string) string {
	tb.Helper()
	dst := tb.TempDir()
	src := filepath.Join(TestdataDir(), "gosample", name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// GoProxy writes a file:// module proxy serving example.com/vulnlib at
// each version in testdata/gosample/vulnlib, and returns its directory.
func GoProxy(tb testing.TB) string {
	tb.Helper()
	const mod = "example.com/vulnlib"
	src := filepath.Join(TestdataDir(), "gosample", "vulnlib")
	versions, err := os.ReadDir(src)
	if err != nil {
		tb.Fatal(err)
	}
	proxy := tb.TempDir()
	dir := filepath.Join(proxy, filepath.FromSlash(mod), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	var list []string
	for _, v := range versions {
		ver := v.Name()
		list = append(list, ver)
		files, err := os.ReadDir(filepath.Join(src, ver))
		if err != nil {
			tb.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(src, ver, f.Name()))
			if err != nil {
				tb.Fatal(err)
			}
			if f.Name() == "go.mod" {
				write(tb, filepath.Join(dir, ver+".mod"), b)
			}
			w, err := zw.Create(mod + "@" + ver + "/" + f.Name())
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := w.Write(b); err != nil {
				tb.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			tb.Fatal(err)
		}
		write(tb, filepath.Join(dir, ver+".zip"), buf.Bytes())
		write(tb, filepath.Join(dir, ver+".info"), []byte(`{"Version":"`+ver+`","Time":"2026-01-01T00:00:00Z"}`+"\n"))
	}
	write(tb, filepath.Join(dir, "list"), []byte(strings.Join(list, "\n")+"\n"))
	return proxy
}

func write(tb testing.TB, path string, b []byte) {
	tb.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// GoEnv returns an environment in which the go command (and the tools
// that run it) resolves modules only from proxy, with no checksum database
// and no user configuration, and keeps HOME, its module cache and its
// build cache in a temporary directory, so nothing touches the network or
// the user's caches. (govulncheck type-checks from source: a cold build
// cache costs it nothing measurable.)
func GoEnv(tb testing.TB, proxy string) []string {
	tb.Helper()
	home := tb.TempDir()
	env := []string{
		"HOME=" + home,
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"GOENV=off",
		"GOTOOLCHAIN=local",
		"GOPROXY=file://" + filepath.ToSlash(proxy),
		"GOSUMDB=off",
		"GONOSUMDB=", "GONOPROXY=", "GOPRIVATE=", "GOINSECURE=",
		"GOFLAGS=-mod=mod -modcacherw",
		"GOWORK=off",
		"GOMODCACHE=" + filepath.Join(home, "gomodcache"),
		"GOCACHE=" + filepath.Join(home, "gocache"),
		"CGO_ENABLED=0",
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH", "TMPDIR", "GOROOT", "SYSTEMROOT":
			env = append(env, kv)
		}
	}
	return env
}

// Advisories returns n public advisories for benchmarks: each a copy of
// GoAdvisory with its own Ref and module, every other one also affecting
// an npm package, every tenth one withdrawn.
func Advisories(n int) []embargo.Advisory {
	advs := make([]embargo.Advisory, n)
	for i := range advs {
		a := GoAdvisory()
		a.ID = int64(i + 1)
		a.Ref = fmt.Sprintf("VIRT-%d-%04d", 2000+i/10000, i%10000)
		a.Modified = a.Modified.Add(time.Duration(i) * time.Minute)
		a.Affected[0].Package = fmt.Sprintf("example.com/mod%d", i%500)
		if i%2 == 0 {
			a.Affected = append(a.Affected, embargo.AffectedProduct{Ecosystem: "npm", Package: fmt.Sprintf("pkg%d", i%300),
				Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.2.3"}, {Introduced: "2.0.0"}}})
		}
		if i%10 == 0 {
			a.State, a.Withdrawn = embargo.AdvisoryWithdrawn, a.Modified
		}
		advs[i] = a
	}
	return advs
}
