package importer

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxInput bounds what Import reads; larger inputs are refused.
const MaxInput = 16 << 20

// A SECURITY.md is a few kilobytes; beyond these bounds the rest of the
// input is not read, so a hostile input costs bounded time and memory.
const (
	maxLines = 20000
	maxParse = 2 << 20
)

// readLimit cuts src at the end of the line that reaches maxLines or
// maxParse bytes, and returns the first line not read (0 when all is).
func readLimit(src []byte) ([]byte, int) {
	n, at := 0, 0
	for at < len(src) && at <= maxParse {
		i := bytes.IndexByte(src[at:], '\n')
		if i < 0 {
			at = len(src)
			break
		}
		at += i + 1
		n++
		if n == maxLines {
			break
		}
	}
	if at > maxParse {
		// One very long line: cut it at the byte limit, on a rune boundary.
		at = maxParse
		for at > 0 && !utf8.RuneStart(src[at]) {
			at--
		}
	}
	if at >= len(src) {
		return src, 0
	}
	return src[:at], n + 1
}

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
	src, truncated := readLimit(src)
	f := detect(src)
	lines := normalize(src, f)
	blocks := parseBlocks(lines)
	x := &extractor{}
	x.run(blocks, string(src))
	if truncated > 0 {
		x.note(Unmapped, "", "", truncated, fmt.Sprintf("the input is longer than a security policy can be (%d lines or %d bytes): it was read up to here", maxLines, maxParse))
	}
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
	o.Source = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 {
			return -1 // the name goes into a YAML comment line
		}
		return r
	}, o.Source)
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
