package importer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxInput bounds what Import reads; larger inputs are refused.
const MaxInput = 16 << 20

// Options tune an import.
type Options struct {
	// Source names the input in the draft's header comment.
	Source string
	// Name, Slug and Repository override what the text says.
	Name, Slug, Repository string
}

// Result is a draft policy file and the review list.
type Result struct {
	YAML   []byte
	Review []Finding
	Format Format
}

// Import reads a free-text security policy and drafts a policy file.
func Import(src []byte, o Options) (Result, error) {
	if len(src) > MaxInput {
		return Result{}, fmt.Errorf("input is %d bytes; the limit is %d", len(src), MaxInput)
	}
	if !utf8.Valid(src) {
		src = []byte(strings.ToValidUTF8(string(src), "\uFFFD"))
	}
	f := detect(src)
	lines := normalize(src, f)
	blocks := parseBlocks(lines)
	x := &extractor{}
	x.run(blocks, string(src))
	if o.Name != "" {
		x.d.name = o.Name
	}
	if o.Slug != "" {
		x.d.slug = o.Slug
	} else if x.d.slug == "" && x.d.name != "" {
		x.d.slug = slugify(x.d.name)
	}
	if o.Repository != "" {
		x.d.repository = o.Repository
	}
	if o.Source == "" {
		o.Source = "a SECURITY.md"
	}
	return Result{YAML: x.d.yaml(o.Source), Review: x.review, Format: f}, nil
}

// String formats a finding for the review list.
func (f Finding) String() string {
	where := ""
	if f.Line > 0 {
		where = fmt.Sprintf(" (line %d)", f.Line)
	}
	switch f.Kind {
	case Unmapped:
		return fmt.Sprintf("could not map: '%s'%s", f.Quote, where)
	case Placeholder:
		return fmt.Sprintf("placeholder, not used: %s%s: fill in %s", f.Value, where, f.Field)
	}
	return fmt.Sprintf("%s: %s = %s%s: '%s'", f.Kind, f.Field, f.Value, where, f.Quote)
}
