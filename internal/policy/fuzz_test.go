package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCheck feeds arbitrary bytes to the policy reader: it must never panic,
// every finding must be positioned inside the input, and any policy it
// accepts must render.
func FuzzCheck(f *testing.F) {
	paths, _ := filepath.Glob("../../examples/policies/*.yaml")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(minimal))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("version: 1\nsla: {fix: {critical: 1bd}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pol, diags := Check(data, fixedNow)
		// YAML breaks lines at \n, \r\n and a lone \r.
		lines := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n"))
		for _, d := range diags {
			if d.Line > lines {
				t.Fatalf("finding at line %d of a %d-line input: %s", d.Line, lines, d.Message)
			}
		}
		if pol != nil {
			RenderSecurityMD(pol, RenderOptions{BaseURL: "https://embargo.test"})
			txt := RenderSecurityTxt(pol, RenderOptions{BaseURL: "https://embargo.test"}, fixedNow)
			if !diags.HasErrors() {
				if _, err := ParseSecurityTxt(txt, fixedNow); err != nil {
					t.Fatalf("an accepted policy renders an invalid security.txt: %v\n%s", err, txt)
				}
			}
		}
	})
}
