package policy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// SchemaJSON is the JSON Schema of the policy file format, version 1.
//
//go:embed policy.schema.json
var SchemaJSON []byte

// MaxFileSize bounds a policy file; policies are a few kilobytes.
const MaxFileSize = 1 << 20

// maxDepth bounds YAML nesting; the format is at most five levels deep.
const maxDepth = 32

// english prints schema messages; the library needs a printer.
var english = message.NewPrinter(language.English)

var schema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("policy.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("policy.schema.json")
})

// Parse reads a policy file and returns the policy, or nil and the
// diagnostics that prevent it (syntax, schema and semantic errors, each
// positioned). It does not lint; see Check.
func Parse(data []byte) (*embargo.Policy, Diagnostics) {
	pol, diags, _ := parse(data)
	return pol, diags
}

func parse(data []byte) (*embargo.Policy, Diagnostics, locator) {
	if len(data) > MaxFileSize {
		return nil, Diagnostics{{Message: fmt.Sprintf("policy file is %d bytes; the limit is %d", len(data), MaxFileSize)}}, locator{}
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, Diagnostics{{Message: "policy file is not UTF-8 text"}}, locator{}
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Diagnostics{yamlDiag(err)}, locator{}
	}
	if len(file.Docs) != 1 || file.Docs[0].Body == nil {
		return nil, Diagnostics{{Line: 1, Col: 1, Message: "a policy file holds exactly one YAML document"}}, locator{}
	}
	root := file.Docs[0].Body
	loc := locator{root: root}
	if d, ok := tooDeep(root); ok {
		return nil, Diagnostics{d}, locator{}
	}
	if d, ok := hasAliases(root); ok {
		return nil, Diagnostics{d}, locator{}
	}
	var doc any
	if err := yaml.NodeToValue(root, &doc); err != nil {
		return nil, Diagnostics{yamlDiag(err)}, locator{}
	}
	if _, ok := doc.(map[string]any); !ok {
		l, c := loc.find(nil)
		return nil, Diagnostics{{Line: l, Col: c, Message: "a policy file is a YAML mapping (key: value lines)"}}, locator{}
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, Diagnostics{{Message: "policy file holds values JSON cannot express: " + err.Error()}}, locator{}
	}
	if ds := validateSchema(js, loc); len(ds) > 0 {
		return nil, ds, locator{}
	}
	var raw rawPolicy
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, Diagnostics{{Message: "policy file: " + err.Error()}}, locator{}
	}
	b := &builder{loc: loc}
	p := b.build(&raw)
	if b.diags.HasErrors() {
		return nil, b.diags, locator{}
	}
	return p, b.diags, loc
}

func yamlDiag(err error) Diagnostic {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		pos := ye.GetToken().Position
		return Diagnostic{Line: pos.Line, Col: pos.Column, Message: "YAML: " + ye.GetMessage()}
	}
	return Diagnostic{Message: "YAML: " + err.Error()}
}

// tooDeep refuses pathological nesting before decoding walks it.
func tooDeep(root ast.Node) (Diagnostic, bool) {
	var bad ast.Node
	var walk func(n ast.Node, depth int)
	walk = func(n ast.Node, depth int) {
		if n == nil || bad != nil {
			return
		}
		if depth > maxDepth {
			bad = n
			return
		}
		switch v := unwrap(n).(type) {
		case *ast.MappingNode:
			for _, mv := range v.Values {
				walk(mv.Value, depth+1)
			}
		case *ast.MappingValueNode:
			walk(v.Value, depth+1)
		case *ast.SequenceNode:
			for _, e := range v.Values {
				walk(e, depth+1)
			}
		}
	}
	walk(root, 0)
	if bad == nil || bad.GetToken() == nil {
		return Diagnostic{}, bad != nil
	}
	p := bad.GetToken().Position
	return Diagnostic{Line: p.Line, Col: p.Column, Message: fmt.Sprintf("nesting deeper than %d levels", maxDepth)}, true
}

// hasAliases refuses anchors and aliases: a policy file has no use for
// them, and expanding nested aliases grows exponentially ("billion laughs").
func hasAliases(root ast.Node) (Diagnostic, bool) {
	var found ast.Node
	ast.Walk(aliasVisitor{&found}, root)
	if found == nil {
		return Diagnostic{}, false
	}
	p := found.GetToken().Position
	return Diagnostic{Line: p.Line, Col: p.Column, Message: "YAML anchors and aliases (&name, *name) are not allowed in a policy file: write the value out"}, true
}

type aliasVisitor struct{ found *ast.Node }

func (v aliasVisitor) Visit(n ast.Node) ast.Visitor {
	if *v.found != nil {
		return nil
	}
	switch n.(type) {
	case *ast.AnchorNode, *ast.AliasNode:
		*v.found = n
		return nil
	}
	return v
}

func validateSchema(js []byte, loc locator) Diagnostics {
	sch, err := schema()
	if err != nil {
		return Diagnostics{{Message: "internal: policy schema does not compile: " + err.Error()}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return Diagnostics{{Message: "policy file: " + err.Error()}}
	}
	err = sch.Validate(inst)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var ds Diagnostics
	seen := map[string]bool{}
	collectSchemaErrors(ve, loc, &ds, seen)
	return ds
}

func collectSchemaErrors(ve *jsonschema.ValidationError, loc locator, ds *Diagnostics, seen map[string]bool) {
	// A failed oneOf reports every branch; say once what is wanted instead.
	if hint := defHint(ve.SchemaURL); hint != "" {
		add(ve.InstanceLocation, "want "+hint, loc, ds, seen)
		return
	}
	if len(ve.Causes) == 0 {
		add(ve.InstanceLocation, ve.ErrorKind.LocalizedString(english), loc, ds, seen)
		return
	}
	for _, c := range ve.Causes {
		collectSchemaErrors(c, loc, ds, seen)
	}
}

func add(path []string, msg string, loc locator, ds *Diagnostics, seen map[string]bool) {
	key := strings.Join(path, "/") + "\x00" + msg
	if seen[key] {
		return
	}
	seen[key] = true
	l, c := loc.find(path)
	where := dotted(path)
	if where == "" {
		where = "policy"
	}
	*ds = append(*ds, Diagnostic{Line: l, Col: c, Path: where, Message: where + ": " + msg})
}

// defHint turns a failure against one of the schema's shared definitions
// into a message a person can act on, instead of a regular expression.
func defHint(schemaURL string) string {
	i := strings.LastIndex(schemaURL, "#/$defs/")
	if i < 0 {
		return ""
	}
	switch schemaURL[i+len("#/$defs/"):] {
	case "url":
		return "an http:// or https:// URL"
	case "date":
		return "a date written YYYY-MM-DD"
	case "duration":
		return "a duration such as 48h, 30d, 5bd (business days), 2w, or next-release"
	case "stage":
		return "a deadline (48h, 30d, 5bd, 2w, next-release) or a map from severity to deadline"
	}
	return ""
}
