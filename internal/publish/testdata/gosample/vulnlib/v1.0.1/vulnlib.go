// Package vulnlib is a sample dependency: v1.0.1 fixes Parse.
package vulnlib

import "strings"

// Parse upper-cases s.
func Parse(s string) string { return strings.ToUpper(s) }

// Unused is never called by the samples.
func Unused() string { return "unused" }
