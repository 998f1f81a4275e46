// Package vulnlib is a sample dependency: in v1.0.0, Parse is vulnerable.
package vulnlib

import "strings"

// Parse upper-cases s (and, in this version, is vulnerable).
func Parse(s string) string { return strings.ToUpper(s) }

// Unused is never called by the samples.
func Unused() string { return "unused" }
