package csaf

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"go/build"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// The real consumers of the tree: the BSI's csaf-validator-lib (the CSAF
// 2.0 mandatory and optional tests), and gocsaf's csaf_validator and
// csaf_checker. bash .ci/tools.sh installs them (.ci/tools.d/csaf.sh).

// tool finds a consumer's program; without it the test skips, or fails in
// CI, where .ci/tools.sh has installed it.
func tool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	p := filepath.Join(build.Default.GOPATH, "bin", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	missing(t, name+" is not installed")
	return ""
}

func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: bash .ci/tools.sh installs it", what)
	}
	t.Skipf("%s: run bash .ci/tools.sh to install the CSAF consumers", what)
}

// run runs a program with a deadline and returns its output and exit code.
func run(t *testing.T, dir string, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), errOut.String(), code
}

// cleanEnv is the environment without proxies, a home of its own (the
// gocsaf tools read configuration files from it) and the given variables.
func cleanEnv(t *testing.T, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "HOME", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR":
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "HOME="+t.TempDir()), extra...)
}

// TestBSIValidator runs the CSAF 2.0 schema, mandatory (6.1) and optional
// (6.2) tests of @secvisogram/csaf-validator-lib on every document: no
// schema or mandatory test may fail, and the optional tests may only
// miss what the advisory does not have (a CVSS score, a package to name
// by purl).
func TestBSIValidator(t *testing.T) {
	t.Parallel()
	node := tool(t, "node")
	validator, _ := filepath.Abs(filepath.Join("testdata", "validator"))
	if _, err := os.Stat(filepath.Join(validator, "node_modules", "@secvisogram", "csaf-validator-lib")); err != nil {
		missing(t, "@secvisogram/csaf-validator-lib is not installed in testdata/validator")
	}
	files, err := Files(fixtures(), testPub, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTree(t, dir, files)
	args := []string{"validate.mjs"}
	docs := documentPaths(files)
	slices.Sort(docs)
	for _, p := range docs {
		args = append(args, filepath.Join(dir, filepath.FromSlash(p)))
	}
	// And one the mandatory tests must fail: an affected product that is
	// not in the product tree (test 6.1.1).
	broken := filepath.Join(dir, "broken.json")
	b := bytes.Replace(files[distDir+"/2026/virt-2026-0001.json"], []byte(`"known_affected": [`), []byte(`"known_affected": ["CSAFPID-MISSING", `), 1)
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	args = append(args, broken)
	stdout, stderr, code := run(t, validator, cleanEnv(t), node, args...)
	if code != 0 {
		t.Fatalf("node validate.mjs: exit %d\n%s", code, stderr)
	}
	var results []struct {
		File    string
		IsValid bool
		Tests   []struct {
			Kind, Name              string
			IsValid                 bool
			Errors, Warnings, Infos []struct{ Message, InstancePath string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &results); err != nil {
		t.Fatalf("validate.mjs output: %v\n%s", err, stdout)
	}
	if len(results) != len(docs)+1 {
		t.Fatalf("%d results for %d documents", len(results), len(docs)+1)
	}
	last := results[len(results)-1]
	results = results[:len(results)-1]
	if last.IsValid || len(last.Tests) == 0 || last.Tests[0].Name != "mandatoryTest_6_1_1" {
		t.Errorf("the validator passed an undefined product id: %+v", last)
	}
	// What an advisory without a CVSS vector or without packages lacks.
	expected := map[string]map[string]bool{
		"virt_2025_0003_web_.json": {"optionalTest_6_2_3": true, "optionalTest_6_2_16": true},
	}
	for _, r := range results {
		name := filepath.Base(r.File)
		if !r.IsValid {
			t.Errorf("%s is not valid", name)
		}
		for _, tr := range r.Tests {
			msgs := fmt.Sprint(tr.Errors, tr.Warnings, tr.Infos)
			switch {
			case tr.Kind != "optional":
				t.Errorf("%s: %s test %s: valid %v: %s", name, tr.Kind, tr.Name, tr.IsValid, msgs)
			case !expected[name][tr.Name]:
				t.Errorf("%s: optional test %s: %s", name, tr.Name, msgs)
			}
		}
	}
}

// TestGocsafValidator runs csaf_validator on every document: the CSAF 2.0
// schema, the file name and its match with the tracking id.
func TestGocsafValidator(t *testing.T) {
	t.Parallel()
	validator := tool(t, "csaf_validator")
	files, err := Files(fixtures(), testPub, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTree(t, dir, files)
	docs := documentPaths(files)
	slices.Sort(docs)
	var args []string
	for _, p := range docs {
		args = append(args, filepath.Join(dir, filepath.FromSlash(p)))
	}
	stdout, stderr, code := run(t, dir, cleanEnv(t), validator, args...)
	// 4 is "valid, but no remote validator was configured"; 6 adds a
	// schema failure.
	if code != 4 {
		t.Errorf("csaf_validator: exit %d, want 4 (valid, no remote validator)", code)
	}
	for _, a := range args {
		if !strings.Contains(stdout, fmt.Sprintf("%q passes the schema validation.", a)) {
			t.Errorf("csaf_validator did not pass %s", a)
		}
	}
	for _, bad := range []string{"schema validation errors", "is not a valid advisory name", "does not match"} {
		if strings.Contains(stdout+stderr, bad) {
			t.Errorf("csaf_validator says %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}

	// It does fail a broken document.
	broken := filepath.Join(dir, "virt-2026-0001.json")
	b := bytes.Replace(files[distDir+"/2026/virt-2026-0001.json"], []byte(`"label": "WHITE"`), []byte(`"label": "CLEAR"`), 1)
	if err := os.WriteFile(broken, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if stdout, _, code := run(t, dir, cleanEnv(t), validator, broken); code != 6 || !strings.Contains(stdout, "schema validation errors") {
		t.Errorf("a CLEAR label: exit %d\n%s", code, stdout)
	}
}

// checkerReport is the part of csaf_checker's JSON report the test reads.
type checkerReport struct {
	Domains []struct {
		Name         string
		Role         string
		Passed       bool
		Requirements []struct {
			Num         int
			Description string
			Messages    []struct {
				Type int
				Text string
			}
		}
	}
}

// TestGocsafChecker serves the signed tree over HTTPS on loopback and has
// csaf_checker judge it as a trusted provider, in the two ways Embargo
// publishes: at a domain's root (the checker finds provider-metadata.json
// under /.well-known and through security.txt) and under a path (the
// instance's /p/SLUG/advisories; the checker is given the metadata's URL).
func TestGocsafChecker(t *testing.T) {
	t.Parallel()
	checker := tool(t, "csaf_checker")
	signer := testSigner(t)
	for _, tt := range []struct {
		name, prefix string
		// tamper spoils the tree; the checker must then fail it with an
		// error in requirement broken.
		tamper func(tree map[string][]byte)
		broken int
	}{
		{name: "domain root"},
		{name: "under a path", prefix: "/p/virtrigaud/advisories"},
		{name: "swapped signatures", tamper: func(tree map[string][]byte) {
			a, b := distDir+"/2026/virt-2026-0001.json.asc", distDir+"/2026/virt-2026-0002.json.asc"
			tree[a], tree[b] = tree[b], tree[a]
		}, broken: 19},
	} {
		prefix := tt.prefix
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var pub embargo.Publisher
			files := http.FileServer(http.Dir(dir))
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/.well-known/security.txt" {
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
					fmt.Fprintf(w, "Contact: mailto:%s\nExpires: 2099-01-01T00:00:00Z\n%s\n", pub.ContactEmail, SecurityTxtLine(pub))
					return
				}
				// The checker wants exactly application/json.
				if strings.HasSuffix(r.URL.Path, ".json") {
					w.Header().Set("Content-Type", "application/json")
				}
				files.ServeHTTP(w, r)
			}))
			defer srv.Close()
			pub = testPub
			pub.BaseURL = srv.URL + prefix
			tree, err := Files(fixtures(), pub, signer)
			if err != nil {
				t.Fatal(err)
			}
			if tt.tamper != nil {
				tt.tamper(tree)
			}
			writeTree(t, filepath.Join(dir, filepath.FromSlash(prefix)), tree)

			work := t.TempDir()
			cert := filepath.Join(work, "server.pem")
			if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
				t.Fatal(err)
			}
			target := strings.TrimPrefix(srv.URL, "https://") // 127.0.0.1:PORT
			if prefix != "" {
				target = pub.BaseURL + "/" + ProviderMetadataPath
			}
			// The checker trusts the test server's certificate through
			// SSL_CERT_FILE (no --insecure). Its request to
			// https://csaf.data.security.DOMAIN (requirement 10) goes to a
			// proxy that refuses it, instead of to the DNS: Go never
			// proxies loopback addresses, so only that request goes there.
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "no network in tests", http.StatusBadGateway)
			}))
			defer proxy.Close()
			env := cleanEnv(t, "SSL_CERT_FILE="+cert, "HTTPS_PROXY="+proxy.URL)
			start := time.Now()
			stdout, stderr, code := run(t, work, env, checker, "--client_timeout=30s", "-o", "report.json", target)
			t.Logf("csaf_checker %s: %s", target, time.Since(start).Round(time.Millisecond))
			if code != 0 {
				t.Fatalf("csaf_checker: exit %d\n%s\n%s", code, stdout, stderr)
			}
			b, err := os.ReadFile(filepath.Join(work, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			var rep checkerReport
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatalf("report: %v\n%s", err, b)
			}
			if len(rep.Domains) != 1 {
				t.Fatalf("report has %d domains:\n%s", len(rep.Domains), b)
			}
			d := rep.Domains[0]
			// Every requirement passes but those the trusted-provider
			// role lets one do without: 10 (a DNS name of its own) and,
			// served under a path, 8 and 9 (which need the domain's root;
			// the checker skips them then).
			spare := map[int]bool{10: true, tt.broken: true}
			brokenSeen := false
			for _, r := range d.Requirements {
				for _, m := range r.Messages {
					if m.Type == 2 && !spare[r.Num] {
						t.Errorf("requirement %d (%s): %s", r.Num, r.Description, m.Text)
					}
					brokenSeen = brokenSeen || m.Type == 2 && r.Num == tt.broken
				}
			}
			if tt.broken != 0 {
				if d.Passed || !brokenSeen {
					t.Errorf("csaf_checker passed a tree with requirement %d broken", tt.broken)
				}
				return
			}
			for _, r := range d.Requirements {
				var msgs []string
				for _, m := range r.Messages {
					msgs = append(msgs, [...]string{"info", "warning", "ERROR"}[min(m.Type, 2)]+": "+m.Text)
				}
				t.Logf("requirement %d (%s): %s", r.Num, r.Description, strings.Join(msgs, " | "))
			}
			if !d.Passed || d.Role != "csaf_trusted_provider" {
				t.Errorf("csaf_checker: passed %v as %q", d.Passed, d.Role)
			}
			if t.Failed() {
				t.Logf("report:\n%s\nstderr:\n%s", b, stderr)
			}
		})
	}
}
