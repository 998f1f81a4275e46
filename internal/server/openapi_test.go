package server

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/web"
)

// TestOpenAPIDocument validates /api/v1/openapi.json against the OpenAPI
// 3.1 JSON Schema (vendored in testdata/oas31) and checks that it
// describes exactly the /api/v1 routes of the route table.
func TestOpenAPIDocument(t *testing.T) {
	raw, err := os.ReadFile("testdata/oas31/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	meta, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("https://spec.openapis.org/oas/3.1/schema/2021-04-15", meta); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("https://spec.openapis.org/oas/3.1/schema/2021-04-15")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPI()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3.1 document: %v", err)
	}
	// The validator bites: a broken document fails.
	broken, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bytes.Replace(api.OpenAPI(), []byte(`"responses": {`), []byte(`"responses": 7, "x": {`), 1)))
	if sch.Validate(broken) == nil {
		t.Fatal("a document with responses: 7 passed validation")
	}
	var parsed struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &parsed); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range parsed.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	s := &Server{web: &web.Web{}, api: &api.API{}}
	for _, rt := range s.routes() {
		if strings.HasPrefix(rt.Pattern, "/api/") {
			served[rt.Method+" "+rt.Pattern] = true
		}
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Fatalf("routes not in openapi.json: %v\ndocumented but not served: %v", missing, extra)
	}
}
