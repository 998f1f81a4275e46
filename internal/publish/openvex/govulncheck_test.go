package openvex

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openvex/go-vex/pkg/vex"
)

// govulncheck finds the govulncheck binary .ci/tools.sh installs: on PATH,
// else in $(go env GOPATH)/bin.
func govulncheck() string {
	if p, err := exec.LookPath("govulncheck"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
		p := filepath.Join(dir, "bin", "govulncheck")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// TestMergeWithGovulncheck merges Embargo's documents with the OpenVEX
// document govulncheck writes for a Go module, as a consumer combining
// the two would: go-vex must accept the mix, and the merge must keep every
// statement of both, valid, and their meaning.
func TestMergeWithGovulncheck(t *testing.T) {
	gv := govulncheck()
	if gv == "" {
		t.Skip("govulncheck is not installed: run .ci/tools.sh (it installs golang.org/x/vuln/cmd/govulncheck v1.9.0)")
	}
	db, err := filepath.Abs(filepath.Join("testdata", "govulncheck", "emptydb"))
	if err != nil {
		t.Fatal(err)
	}
	// An empty but valid vulnerability database, and a module without
	// dependencies: the scan needs no network and finds nothing, so
	// govulncheck writes a valid document without statements.
	cmd := exec.Command(gv, "-db", "file://"+filepath.ToSlash(db), "-format", "openvex", "./...")
	cmd.Dir = filepath.Join("testdata", "govulncheck", "module")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.Bytes())
	}
	theirs, err := vex.Parse(out)
	if err != nil {
		t.Fatalf("go-vex cannot parse govulncheck's document: %v\n%s", err, out)
	}
	if theirs.Context != Context {
		t.Errorf("govulncheck writes @context %q, Embargo %q", theirs.Context, Context)
	}

	docs := []*vex.VEX{theirs}
	files, err := Files(fixtures(), testPub)
	if err != nil {
		t.Fatal(err)
	}
	want := len(theirs.Statements)
	for name, b := range files {
		d := parse(t, name, b)
		want += len(d.Statements)
		docs = append(docs, d)
	}
	merged, err := vex.MergeDocuments(docs)
	if err != nil {
		t.Fatalf("MergeDocuments: %v", err)
	}
	if len(merged.Statements) != want {
		t.Fatalf("the merged document has %d statements, want %d", len(merged.Statements), want)
	}
	for i := range merged.Statements {
		s := &merged.Statements[i]
		if err := s.Validate(); err != nil {
			t.Errorf("merged statement %d: %v", i, err)
		}
		if s.Timestamp == nil {
			t.Errorf("merged statement %d has no timestamp", i)
		}
	}
	const mod = "pkg:golang/github.com/projectbeskar/virtrigaud"
	for _, tt := range []struct {
		product, vuln string
		status        vex.Status
	}{
		{mod + "@v0.3.1", "CVE-2026-12345", vex.StatusFixed},
		{mod + "@v0.3.0", "CVE-2026-12345", vex.StatusAffected},
		{mod + "@v0.1.0", "CVE-2026-0003", vex.StatusNotAffected},
		{"pkg:npm/%40virtrigaud/dashboard@1.4.2", "VIRT-2026-0002", vex.StatusFixed},
	} {
		if s := merged.EffectiveStatement(tt.product, tt.vuln); s == nil || s.Status != tt.status {
			t.Errorf("merged: effective statement for %s and %s is %+v, want %s", tt.product, tt.vuln, s, tt.status)
		}
	}
	// The merged document serialises and parses again.
	var buf bytes.Buffer
	if err := merged.ToJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := vex.Parse(buf.Bytes()); err != nil {
		t.Fatalf("the merged document does not parse: %v", err)
	}
}
