package policy

import (
	"fmt"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Level is how serious a diagnostic is. Errors fail `embargo policy check`;
// warnings are printed only.
type Level int

// Diagnostic levels.
const (
	LevelError Level = iota
	LevelWarning
)

func (l Level) String() string {
	if l == LevelWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one finding about a policy file, positioned at the YAML node
// it is about (1-based line and column; 0 when the file has no such node).
type Diagnostic struct {
	Line, Col int
	Level     Level
	// Path is the dotted location in the document, such as sla.fix.critical.
	Path    string
	Message string
}

// Format renders the diagnostic as file:line:col: level: message.
func (d Diagnostic) Format(file string) string {
	loc := file
	if d.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", file, d.Line, d.Col)
	}
	if d.Level == LevelWarning {
		return fmt.Sprintf("%s: warning: %s", loc, d.Message)
	}
	return fmt.Sprintf("%s: %s", loc, d.Message)
}

// Diagnostics is an ordered list of findings.
type Diagnostics []Diagnostic

// HasErrors reports whether any finding is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Level == LevelError {
			return true
		}
	}
	return false
}

// Err returns nil when there are no errors, otherwise an ErrInvalid-kind
// error listing every error as file:line:col: message.
func (ds Diagnostics) Err(file string) error {
	var lines []string
	for _, d := range ds {
		if d.Level == LevelError {
			lines = append(lines, d.Format(file))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return embargo.Errorf(embargo.KindInvalid, "invalid policy file:\n%s", strings.Join(lines, "\n"))
}
