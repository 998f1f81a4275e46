package cwe

import (
	"strings"
	"testing"
)

func TestCatalogue(t *testing.T) {
	if n := Len(); n != 968 {
		t.Fatalf("%d weaknesses, want 968 (CWE 4.17)", n)
	}
	for _, tt := range []struct {
		ref, name, err string
	}{
		{"CWE-79", "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')", ""},
		{"cwe-89", "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')", ""},
		{" 22 ", "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')", ""},
		{"CWE-1427", "Improper Neutralization of Input Used for LLM Prompting", ""},
		{"CWE-132", "", "deprecated"},
		{"CWE-20", "Improper Input Validation", ""},
		{"CWE-999999", "", "not a weakness"},
		{"CWE-", "", "not a weakness"},
		{"CWE-1", "", "not a weakness"}, // a category, not a weakness
		{"XSS", "", "not a weakness"},
	} {
		w, err := Check(tt.ref)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Check(%q) = %v, want error with %q", tt.ref, err, tt.err)
			}
			continue
		}
		if err != nil || w.Name != tt.name {
			t.Errorf("Check(%q) = %+v, %v; want %q", tt.ref, w, err, tt.name)
		}
	}
}
