package csaf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFiles maps the URLs the schemas are known by to the copies in
// testdata/schema (see its README.md).
var schemaFiles = map[string]string{
	"https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json":                                         "csaf_json_schema.json",
	"https://docs.oasis-open.org/csaf/csaf/v2.0/provider_json_schema.json":                                     "provider_json_schema.json",
	"https://www.first.org/cvss/cvss-v2.0.json":                                                                "cvss-v2.0.json",
	"https://www.first.org/cvss/cvss-v3.0.json":                                                                "cvss-v3.0.json",
	"https://www.first.org/cvss/cvss-v3.1.json":                                                                "cvss-v3.1.json",
	"https://raw.githubusercontent.com/oasis-tcs/csaf/master/csaf_2.0/json_schema/ROLIE_feed_json_schema.json": "ROLIE_feed_json_schema.json",
}

// schemas compiles the CSAF, provider-metadata and ROLIE feed schemas from
// testdata, formats asserted, nothing fetched.
func schemas(t *testing.T) (csafDoc, provider, feed *jsonschema.Schema) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(refuseLoader{})
	for url, file := range schemaFiles {
		b, err := os.ReadFile(filepath.Join("testdata", "schema", file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	compile := func(url string) *jsonschema.Schema {
		s, err := c.Compile(url)
		if err != nil {
			t.Fatalf("compiling %s: %v", url, err)
		}
		return s
	}
	return compile("https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"),
		compile("https://docs.oasis-open.org/csaf/csaf/v2.0/provider_json_schema.json"),
		compile("https://raw.githubusercontent.com/oasis-tcs/csaf/master/csaf_2.0/json_schema/ROLIE_feed_json_schema.json")
}

// refuseLoader keeps the compiler offline: every schema is in testdata.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, os.ErrNotExist
}

// TestSchemas validates every document of the tree, the provider metadata
// and the ROLIE feed against the official schemas.
func TestSchemas(t *testing.T) {
	csafDoc, provider, feed := schemas(t)
	files, err := Files(fixtures(), testPub, testSigner(t))
	if err != nil {
		t.Fatal(err)
	}
	check := func(s *jsonschema.Schema, path string) {
		t.Helper()
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(files[path]))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s does not validate:\n%v", path, err)
		}
	}
	docs := documentPaths(files)
	if len(docs) == 0 {
		t.Fatal("no documents")
	}
	for _, p := range docs {
		check(csafDoc, p)
	}
	check(provider, ProviderMetadataPath)
	check(feed, distDir+"/"+feedName)

	// The schemas do catch mistakes, the referenced CVSS schema too.
	full := files[distDir+"/2026/virt-2026-0001.json"]
	for old, bad := range map[string]string{
		`"csaf_version": "2.0"`:       `"csaf_version": "2.1"`,
		`"baseSeverity": "CRITICAL"`:  `"baseSeverity": "SEVERE"`,
		`"label": "WHITE"`:            `"label": "CLEAR"`,
		`"initial_release_date": "20`: `"initial_release_date": "on 20`,
	} {
		doc := bytes.Replace(full, []byte(old), []byte(bad), 1)
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
		if err := csafDoc.Validate(v); err == nil {
			t.Errorf("%s passed the schema", bad)
		}
	}
}
