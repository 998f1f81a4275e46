package vulndb_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/osv"
	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
	"github.com/embargo-cvd/embargo/internal/publish/vulndb"
)

// writeDB writes the database of advs under a temporary directory and
// returns its file:// URL.
func writeDB(t *testing.T, advs ...embargo.Advisory) string {
	t.Helper()
	files, err := vulndb.Files(advs, osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "file://" + filepath.ToSlash(filepath.Join(dir, "govulndb"))
}

// serveDB serves the database of advs over HTTP, as the embargo binary or
// a static host would, and returns its URL.
func serveDB(t *testing.T, advs ...embargo.Advisory) string {
	t.Helper()
	files, err := vulndb.Files(advs, osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files["govulndb"+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestGovulncheck checks the database with the real consumer, on the
// gosample module resolved through a file:// module proxy (a replace
// directive would lose the version, and nothing would match).
func TestGovulncheck(t *testing.T) {
	tool := osvtest.Tool(t, "govulncheck")
	if out, err := exec.Command(tool, "-version").Output(); err == nil {
		t.Logf("%s", bytes.TrimSpace(out))
	}
	env := osvtest.GoEnv(t, osvtest.GoProxy(t))
	adv := osvtest.GoAdvisory()
	id := osv.ID(adv.Ref)
	unused := osvtest.GoAdvisory()
	unused.Affected[0].Symbols = []string{"Unused"}
	withdrawn := osvtest.GoAdvisory()
	withdrawn.State, withdrawn.Withdrawn = embargo.AdvisoryWithdrawn, withdrawn.Modified

	for _, tc := range []struct {
		name     string
		sample   string
		db       func(*testing.T) string
		args     []string
		wantExit int
		want     []string // in the output
	}{
		{"vulnerable", "vulnerable", func(t *testing.T) string { return writeDB(t, adv) }, nil, 3, []string{
			"Vulnerability #1: " + id,
			"More info: " + osv.PageURL(osvtest.Publisher(), adv.Ref),
			"Found in: example.com/vulnlib@v1.0.0",
			"Fixed in: example.com/vulnlib@v1.0.1",
			"calls vulnlib.Parse",
		}},
		{"fixed", "fixed", func(t *testing.T) string { return writeDB(t, adv) }, nil, 0, []string{"No vulnerabilities found."}},
		{"module scan", "vulnerable", func(t *testing.T) string { return writeDB(t, adv) }, []string{"-scan", "module"}, 3, []string{"Vulnerability #1: " + id}},
		{"over http", "vulnerable", func(t *testing.T) string { return serveDB(t, adv) }, []string{"-scan", "module"}, 3, []string{"Vulnerability #1: " + id}},
		// The symbols reach the call analysis: naming one the sample does
		// not call leaves it imported, not affected.
		{"other symbol", "vulnerable", func(t *testing.T) string { return writeDB(t, unused) }, nil, 0, []string{"Your code is affected by 0 vulnerabilities", "also found 1 vulnerability in packages you import"}},
		{"empty database", "vulnerable", func(t *testing.T) string { return writeDB(t) }, []string{"-scan", "module"}, 0, []string{"No vulnerabilities found."}},
		{"withdrawn", "vulnerable", func(t *testing.T) string { return writeDB(t, withdrawn) }, nil, 0, []string{"No vulnerabilities found."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"-db", tc.db(t)}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "module") {
				args = append(args, "./...")
			}
			out, code := govulncheck(t, tool, env, tc.sample, args...)
			if code != tc.wantExit {
				t.Errorf("exit status %d, want %d", code, tc.wantExit)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		out, code := govulncheck(t, tool, env, "vulnerable", "-format", "json", "-db", writeDB(t, adv), "./...")
		if code != 0 {
			t.Errorf("exit status %d, want 0 (json output)", code)
		}
		// The output is a stream of JSON messages; a finding whose trace
		// starts at Parse is a symbol-level (called) finding.
		dec := json.NewDecoder(strings.NewReader(out))
		var called, entry bool
		for {
			var msg struct {
				OSV     *struct{ ID string } `json:"osv"`
				Finding *struct {
					OSV   string `json:"osv"`
					Trace []struct{ Module, Package, Function string }
				} `json:"finding"`
			}
			if err := dec.Decode(&msg); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("json output: %v\n%s", err, out)
				}
				break
			}
			if msg.OSV != nil && msg.OSV.ID == id {
				entry = true
			}
			if f := msg.Finding; f != nil && f.OSV == id && len(f.Trace) > 0 && f.Trace[0].Function == "Parse" {
				called = true
			}
		}
		if !entry || !called {
			t.Errorf("entry %s read: %v; finding at Parse: %v\n%s", id, entry, called, out)
		}
	})
}

// govulncheck runs the tool on a copy of a gosample variant and returns
// its output and exit status; it fails the test when the tool cannot run.
func govulncheck(t *testing.T, tool string, env []string, sample string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Dir = osvtest.CopySample(t, sample)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("govulncheck %s on %s: %v in %v", strings.Join(args, " "), sample, err, time.Since(start).Round(time.Millisecond))
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), 0
	case errors.As(err, &exit) && exit.ExitCode() == 3:
		return stdout.String(), 3
	}
	t.Fatalf("govulncheck: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
	return "", 0
}
