package osv_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/osv"
	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
)

// scannerIDs runs osv-scanner offline on a copy of a gosample variant, with
// the Go database that Files wrote for advs, and returns the ids it reports.
func scannerIDs(t *testing.T, tool, sample string, advs []embargo.Advisory) []string {
	t.Helper()
	files, err := osv.Files(advs, osvtest.Publisher())
	if err != nil {
		t.Fatal(err)
	}
	// osv-scanner reads <local-db-path>/osv-scalibr/<Ecosystem>/all.zip.
	db := t.TempDir()
	zipPath := filepath.Join(db, "osv-scalibr", "Go", "all.zip")
	if err := os.MkdirAll(filepath.Dir(zipPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zipPath, files["osv/Go/all.zip"], 0o644); err != nil {
		t.Fatal(err)
	}
	dir := osvtest.CopySample(t, sample)
	cmd := exec.Command(tool, "scan", "source",
		"--offline", "--local-db-path", db, "--no-call-analysis=go", "--format", "json", "-r", ".")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "TMPDIR=" + t.TempDir()}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	t.Logf("osv-scanner on %s: %v in %v", sample, err, time.Since(start).Round(time.Millisecond))
	// Exit status 1 means vulnerabilities were found; anything else
	// non-zero is a failure.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("osv-scanner: %v\n%s", err, stderr.Bytes())
	}
	var out struct {
		Results []struct {
			Packages []struct {
				Package struct {
					Name, Version, Ecosystem string
				}
				Vulnerabilities []struct{ ID string }
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("osv-scanner output: %v\n%s\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	if !bytes.Contains(stderr.Bytes(), []byte("Loaded Go local db")) {
		t.Errorf("osv-scanner did not load the Go database:\n%s", stderr.Bytes())
	}
	var ids []string
	for _, r := range out.Results {
		for _, p := range r.Packages {
			for _, v := range p.Vulnerabilities {
				ids = append(ids, v.ID)
			}
		}
	}
	if (len(ids) > 0) != (err != nil) {
		t.Errorf("osv-scanner exit status %v with findings %q", err, ids)
	}
	return ids
}

// TestOSVScanner checks the entries with the real consumer. osv-scanner
// drops an entry it cannot parse without a word, so each case asserts what
// it finds, not only that it ran.
func TestOSVScanner(t *testing.T) {
	tool := osvtest.Tool(t, "osv-scanner")
	if out, err := exec.Command(tool, "--version").Output(); err == nil {
		t.Logf("%s", bytes.SplitN(out, []byte("\n"), 2)[0])
	}
	withdrawn := osvtest.GoAdvisory()
	withdrawn.State, withdrawn.Withdrawn = embargo.AdvisoryWithdrawn, withdrawn.Modified
	id := osv.ID(osvtest.GoAdvisory().Ref)
	for _, tc := range []struct {
		name, sample string
		advs         []embargo.Advisory
		want         []string
	}{
		{"vulnerable", "vulnerable", []embargo.Advisory{osvtest.GoAdvisory(), multiAdvisory()}, []string{id}},
		{"fixed", "fixed", []embargo.Advisory{osvtest.GoAdvisory()}, nil},
		{"withdrawn", "vulnerable", []embargo.Advisory{withdrawn}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := scannerIDs(t, tool, tc.sample, tc.advs)
			if !slices.Equal(got, tc.want) {
				t.Errorf("osv-scanner found %q, want %q", got, tc.want)
			}
		})
	}
}
