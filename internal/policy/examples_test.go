package policy

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedNow is the rendering instant of the golden files.
var fixedNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// seedPromises lists, per example policy, the promises DESIGN.md says its
// seed makes, as phrases the rendered SECURITY.md must state.
var seedPromises = map[string][]string{
	"netbird-api-exporter": {
		"within 48 hours of your report",
		"within 5 business days of your report",
		"Critical within 30 days",
		"unless you prefer to remain anonymous",
		"Email: [security@netbird-api-exporter.dev]",
		"| latest | Yes |",
	},
	"metricsd": {
		"within 48 hours of your report",
		"within 7 days of your report",
		"Critical within 30 days",
		"ask for our OpenPGP key",
		"| latest | Yes |",
		"| < 1.0 | No |",
		"hall of fame",
	},
	"bpfcompat": {
		"GitHub private vulnerability reporting: <https://github.com/Kernel-Guard/bpfcompat/security/advisories/new>",
		"within 3 business days of your report",
		"within 7 business days of your report",
		"Critical within 30 days; High within 30 days; Medium within 90 days; Low within 90 days",
		"We agree the public disclosure date with you.",
		"### In scope",
		"### Out of scope",
		"Vulnerabilities in QEMU, libbpf, the host kernel, or guest cloud images.",
		"| latest minor | Yes |",
	},
	"virtrigaud": {
		"within 48 hours of your report",
		"within 5 business days of your report",
		"| Critical | Immediate action required (CVSS 9.0 or higher) | within 24 hours |",
		"| High | CVSS 7.0 or higher | within 7 days |",
		"| Medium | CVSS 4.0 or higher | within 30 days |",
		"| Low | CVSS 0.1 or higher | in the next regular release |",
		"We aim to disclose within 90 days of your report.",
		"hall of fame",
		"| 0.1.x | Yes |",
	},
	"aeraki": {
		"within 7 days of your report",
		"| N | Yes |",
		"| N-1 | Yes |",
		"please open an issue at <https://github.com/aeraki-mesh/aeraki/issues>",
		"unless you prefer to remain anonymous",
		"published security advisory",
	},
}

func examplePaths(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("../../examples/policies/*.yaml")
	if err != nil || len(paths) != len(seedPromises) {
		t.Fatalf("want %d example policies, found %v (%v)", len(seedPromises), paths, err)
	}
	return paths
}

func TestExamplesCheckRenderAndKeepTheirPromises(t *testing.T) {
	for _, path := range examplePaths(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			pol, diags := Check(data, fixedNow)
			for _, d := range diags {
				t.Errorf("%s", d.Format(path))
			}
			if pol == nil {
				t.FailNow()
			}
			opts := RenderOptions{BaseURL: "https://embargo.test"}
			md := RenderSecurityMD(pol, opts)
			if again := RenderSecurityMD(pol, opts); string(again) != string(md) {
				t.Error("SECURITY.md rendering is not deterministic")
			}
			for _, promise := range seedPromises[name] {
				if !strings.Contains(string(md), promise) {
					t.Errorf("SECURITY.md does not state %q", promise)
				}
			}
			txt := RenderSecurityTxt(pol, opts, fixedNow)
			if _, err := ParseSecurityTxt(txt, fixedNow); err != nil {
				t.Errorf("rendered security.txt is not valid RFC 9116: %v\n%s", err, txt)
			}
			golden(t, filepath.Join("testdata", "golden", name+".SECURITY.md"), md)
			golden(t, filepath.Join("testdata", "golden", name+".security.txt"), txt)
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/policy -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; -update rewrites):\n%s", path, diff)
	}
}

func TestSchemaInDocsMatchesEmbedded(t *testing.T) {
	docs, err := os.ReadFile("../../docs/policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(docs) != string(SchemaJSON) {
		t.Error("docs/policy.schema.json differs from internal/policy/policy.schema.json: copy it (make schema)")
	}
}
