// Package cwe is the MITRE CWE weakness catalogue shipped in the binary
// (see README.md for its source and version), to validate CWE ids.
package cwe

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

//go:embed cwec.tsv
var data string

// Version is the catalogue's version and date.
const Version = "CWE 4.17 (2025-04-03)"

// Weakness is one entry of the catalogue.
type Weakness struct {
	ID     int
	Name   string
	Status string // Stable, Draft, Incomplete, Deprecated
	// Usage is MITRE's guidance for vulnerability mapping: Allowed,
	// Allowed-with-Review, Discouraged or Prohibited.
	Usage string
}

// Ref is the weakness's id as written: "CWE-79".
func (w Weakness) Ref() string { return "CWE-" + strconv.Itoa(w.ID) }

var (
	once  sync.Once
	index map[int]Weakness
)

func load() {
	index = map[int]Weakness{}
	for _, line := range strings.Split(data, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		id, err := strconv.Atoi(f[0])
		if err != nil || len(f) != 4 {
			panic("cwe: bad catalogue line " + line)
		}
		index[id] = Weakness{ID: id, Status: f[1], Usage: f[2], Name: f[3]}
	}
}

// Lookup returns the weakness of an id written "CWE-79", "cwe-79" or
// "79", and false when the catalogue has none.
func Lookup(ref string) (Weakness, bool) {
	once.Do(load)
	s := strings.TrimSpace(ref)
	if len(s) > 4 && strings.EqualFold(s[:4], "CWE-") {
		s = s[4:]
	}
	id, err := strconv.Atoi(s)
	if err != nil || id <= 0 {
		return Weakness{}, false
	}
	w, ok := index[id]
	return w, ok
}

// Len is the number of weaknesses in the catalogue.
func Len() int { once.Do(load); return len(index) }

// Check validates an id for mapping a vulnerability: it must be in the
// catalogue, not deprecated, and not prohibited for mapping by MITRE.
func Check(ref string) (Weakness, error) {
	w, ok := Lookup(ref)
	switch {
	case !ok:
		return w, fmt.Errorf("%s is not a weakness of the %s catalogue", strings.TrimSpace(ref), Version)
	case w.Status == "Deprecated":
		return w, fmt.Errorf("%s (%s) is deprecated in %s", w.Ref(), w.Name, Version)
	case w.Usage == "Prohibited":
		return w, fmt.Errorf("MITRE prohibits %s (%s) for mapping vulnerabilities: choose a more specific weakness", w.Ref(), w.Name)
	}
	return w, nil
}
