package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/policy"
)

// FuzzImport: any input imports without panicking, and the draft is
// always a syntactically valid YAML mapping that the policy reader can
// position (placeholders aside).
func FuzzImport(f *testing.F) {
	paths, _ := filepath.Glob("testdata/seeds/*.txt")
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Add([]byte(mdPolicy))
	f.Add([]byte(rstPolicy))
	f.Add([]byte(htmlPolicy))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Import(data, Options{})
		if err != nil {
			return
		}
		_, diags := policy.Parse(res.YAML)
		for _, d := range diags {
			if strings.HasPrefix(d.Message, "YAML:") || strings.Contains(d.Message, "additional properties") {
				t.Fatalf("draft is not a valid policy shape: %s\n%s", d.Message, res.YAML)
			}
		}
	})
}

// TestHostileInputsAreBounded imports inputs built to be slow or large and
// checks time and memory stay bounded.
func TestHostileInputsAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile inputs skipped in -short mode; run go test ./internal/policy/importer")
	}
	big := bytes.Repeat([]byte("We will acknowledge your report within 48 hours. Critical fixes ship within 7 days.\n\n"), 10<<20/86)
	var nb strings.Builder
	for i := range 5000 {
		nb.WriteString(strings.Repeat(" ", i%400*2) + "- item within 3 days\n")
	}
	nested := nb.String()
	wide := "| " + strings.Repeat("a | ", 20000) + "\n|" + strings.Repeat("---|", 20000) + "\n"
	tall := "## Supported Versions\n\n| Version | Supported |\n|---|---|\n" + strings.Repeat("| 1.x | yes |\n", 100000)
	html := "<html><body>" + strings.Repeat("<ul><li>", 50000) + "within 2 days" + strings.Repeat("</li></ul>", 50000) + "</body></html>"
	oneLine := strings.Repeat("We fix within 2 days ", 100000) // 2 MB, one line, many durations
	emails := strings.Repeat("mail a@bb.co ", 50000)           // many addresses in one block
	sentences := strings.Repeat("Report. ", 200000)            // many sentences in one block
	huge := strings.Repeat("x", 12<<20)                        // one 12 MB line
	for name, in := range map[string]string{"10 MB of promises": string(big), "deep lists": nested, "wide table": wide, "tall table": tall, "deep HTML": html,
		"one long line of durations": oneLine, "many addresses": emails, "many sentences": sentences, "one huge line": huge} {
		t.Run(name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			res, err := Import([]byte(in), Options{})
			took := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if took > slowdown*20*time.Second {
				t.Errorf("took %v", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; slowdown == 1 && alloc > 1<<30 { // the race detector inflates allocation
				t.Errorf("allocated %d MiB", alloc>>20)
			}
			if len(res.YAML) > 8<<20 {
				t.Errorf("draft of %d bytes", len(res.YAML))
			}
			t.Logf("%s: %d bytes in %v", name, len(in), took)
		})
	}
	for _, in := range []string{"## Supported Versions\n\n1.x\n` `\n", "## Supported Versions\n\n  \n1.x\n"} {
		if _, err := Import([]byte(in), Options{}); err != nil {
			t.Fatal(err)
		}
	}
	res, _ := Import(big, Options{})
	if last := res.Review[len(res.Review)-1]; last.Kind != Unmapped || !strings.Contains(last.Quote, "read up to here") {
		t.Errorf("a truncated input is not reported: %+v", last)
	}
	if _, err := Import(make([]byte, MaxInput+1), Options{}); err == nil {
		t.Error("an input over the limit was accepted")
	}
}
