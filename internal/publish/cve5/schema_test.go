package cve5

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaID is the $id of the vendored CVE Record Format schema.
const schemaID = "https://cveproject.github.io/cve-schema/schema/CVE_Record_Format.json"

// schemaRefs are the files the record schema references, by the URL it
// references them with (opaque file: URLs, resolved as given), and their
// place under testdata/schema.
var schemaRefs = map[string]string{
	"file:imports/cvss/cvss-v2.0.json": "imports/cvss/cvss-v2.0.json",
	"file:imports/cvss/cvss-v3.0.json": "imports/cvss/cvss-v3.0.json",
	"file:imports/cvss/cvss-v3.1.json": "imports/cvss/cvss-v3.1.json",
	"file:imports/cvss/cvss-v4.0.json": "imports/cvss/cvss-v4.0.json",
	"file:tags/reference-tags.json":    "tags/reference-tags.json",
	"file:tags/cna-tags.json":          "tags/cna-tags.json",
	"file:tags/adp-tags.json":          "tags/adp-tags.json",
}

// offline refuses every URL the compiler was not given: validation never
// reaches the network or the file system.
type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is not vendored in testdata/schema", url)
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// recordSchema compiles the vendored schema once, every reference served
// from testdata/schema, formats asserted.
func recordSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.UseLoader(offline{})
		c.AssertFormat()
		add := func(url, file string) error {
			b, err := os.ReadFile(filepath.Join("testdata", "schema", file))
			if err != nil {
				return err
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			return c.AddResource(url, doc)
		}
		if schemaErr = add(schemaID, "CVE_Record_Format.json"); schemaErr != nil {
			return
		}
		for url, file := range schemaRefs {
			if schemaErr = add(url, file); schemaErr != nil {
				return
			}
		}
		schema, schemaErr = c.Compile(schemaID)
	})
	if schemaErr != nil {
		t.Fatalf("compiling the CVE record schema: %v", schemaErr)
	}
	return schema
}

// validate checks a record against the vendored CVE Record Format schema.
func validate(t testing.TB, name string, b []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	if err := recordSchema(t).Validate(doc); err != nil {
		t.Errorf("%s: not a valid CVE record: %v", name, err)
	}
}

func TestSchemaIsVendoredWhole(t *testing.T) {
	// Every file under testdata/schema is loaded, and compiling needs no
	// other: the offline loader would fail the compilation otherwise.
	recordSchema(t)
	var files []string
	err := filepath.WalkDir(filepath.Join("testdata", "schema"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".json" {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(schemaRefs)+1 {
		t.Errorf("testdata/schema has %d JSON files, the compiler loads %d: %v", len(files), len(schemaRefs)+1, files)
	}
}

func TestSchemaRejects(t *testing.T) {
	// The validator is not vacuous: it rejects what the schema forbids.
	good, err := Record(fixtures()[0], testPub, testOrg)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"timestamp with a space": bytes.Replace(good, []byte(`"2026-03-09T08:30:00Z"`), []byte(`"2026-03-09 08:30:00Z"`), 1),
		"unknown credit":         bytes.Replace(good, []byte(`"type": "tool"`), []byte(`"type": "hacker"`), 1),
		"bad CVSS score":         bytes.Replace(good, []byte(`"baseScore": 9.8`), []byte(`"baseScore": 9.85`), 1),
		"wrong severity":         bytes.Replace(good, []byte(`"baseSeverity": "CRITICAL"`), []byte(`"baseSeverity": "LOW"`), 1),
		"bad reference tag":      bytes.Replace(good, []byte(`"patch"`), []byte(`"fix"`), 1),
		"bad org id":             bytes.ReplaceAll(good, []byte(testOrg), []byte("not-a-uuid")),
	} {
		if bytes.Equal(bad, good) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if recordSchema(t).Validate(doc) == nil {
			t.Errorf("%s: the schema accepted it", name)
		}
	}
}
