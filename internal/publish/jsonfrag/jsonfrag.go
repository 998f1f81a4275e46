// Package jsonfrag assembles indented JSON documents from array elements
// encoded once and kept: a long array of an index (every advisory of a
// feed) becomes the concatenation of its elements, so that a change to one
// advisory does not re-encode the others. The bytes are those
// encoding/json writes with two-space indentation and HTML escaping off,
// as if the whole document had been encoded at once.
package jsonfrag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Marshal encodes v with two-space indentation, HTML escaping off, ending
// in a newline.
func Marshal(v any) ([]byte, error) {
	return encode(v, "")
}

func encode(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Element encodes v as an element of an array whose elements are depth
// levels deep in the document (1 for the elements of a top-level array):
// indented as it will stand, without the separating comma or newline.
func Element(v any, depth int) ([]byte, error) {
	prefix := strings.Repeat("  ", depth)
	b, err := encode(v, prefix)
	if err != nil {
		return nil, err
	}
	return append([]byte(prefix), bytes.TrimSuffix(b, []byte("\n"))...), nil
}

// Splice puts elements (from Element at depth) into the empty array of key
// in doc, a document from Marshal in which that array was encoded empty
// ("key": []) at depth-1. It returns an error when doc has no such array.
func Splice(doc []byte, key string, elems [][]byte, depth int) ([]byte, error) {
	outer := strings.Repeat("  ", depth-1)
	marker := []byte("\n" + outer + `"` + key + `": []`)
	i := bytes.Index(doc, marker)
	if i < 0 {
		return nil, fmt.Errorf("jsonfrag: no empty array %q at depth %d", key, depth-1)
	}
	if len(elems) == 0 {
		return doc, nil
	}
	head := i + len(marker) - 1 // before the "]"
	size := len(doc) + 2 + len(outer)
	for _, e := range elems {
		size += len(e) + 2
	}
	out := make([]byte, 0, size)
	out = append(out, doc[:head]...)
	for j, e := range elems {
		if j > 0 {
			out = append(out, ',')
		}
		out = append(out, '\n')
		out = append(out, e...)
	}
	out = append(out, '\n')
	out = append(out, outer...)
	out = append(out, doc[head:]...)
	return out, nil
}

// Array encodes the elements (from Element at depth 1) as a top-level
// array ending in a newline: the bytes Marshal writes for the slice of
// their values.
func Array(elems [][]byte) []byte {
	if len(elems) == 0 {
		return []byte("[]\n")
	}
	size := 4
	for _, e := range elems {
		size += len(e) + 2
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for j, e := range elems {
		if j > 0 {
			out = append(out, ',')
		}
		out = append(out, '\n')
		out = append(out, e...)
	}
	return append(out, "\n]\n"...)
}
