package policy

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// locator maps a document path (keys and indexes) to a line and column.
type locator struct{ root ast.Node }

// find returns the position of the deepest node along path that exists, so
// that a missing key is reported at its parent.
func (l locator) find(path []string) (int, int) {
	n := l.root
	best := n
	for _, seg := range path {
		n = child(n, seg)
		if n == nil {
			break
		}
		best = n
	}
	best = unwrap(best)
	switch v := best.(type) {
	case *ast.MappingNode:
		// A mapping's own token is its first ':'; point at its first key.
		if len(v.Values) > 0 && v.Values[0].Key != nil && !v.IsFlowStyle {
			best = v.Values[0].Key
		}
	case *ast.MappingValueNode:
		if v.Key != nil {
			best = v.Key
		}
	}
	if best == nil || best.GetToken() == nil {
		return 0, 0
	}
	p := best.GetToken().Position
	return p.Line, p.Column
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

func child(n ast.Node, seg string) ast.Node {
	if n == nil {
		return nil
	}
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			if keyText(mv) == seg {
				return mv.Value
			}
		}
	case *ast.MappingValueNode:
		if keyText(v) == seg {
			return v.Value
		}
	case *ast.SequenceNode:
		i, err := strconv.Atoi(seg)
		if err == nil && i >= 0 && i < len(v.Values) {
			return v.Values[i]
		}
	}
	return nil
}

func keyText(mv *ast.MappingValueNode) string {
	if mv.Key == nil {
		return ""
	}
	if s, ok := unwrap(mv.Key).(*ast.StringNode); ok {
		return s.Value // handles tagged, quoted and escaped keys
	}
	return strings.Trim(mv.Key.String(), `"'`)
}

// dotted joins a path for messages: sla.fix.critical, sections[2].title.
func dotted(path []string) string {
	var b strings.Builder
	for _, seg := range path {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}
