// Package vulndb writes a Go vulnerability database
// (https://go.dev/security/vuln/database) that govulncheck -db reads.
//
// The database holds the public (published or withdrawn) advisories that
// affect a Go module, as OSV entries reduced to their Go packages: ecosystem
// "Go", SEMVER ranges without "v", ecosystem_specific.imports from the
// affected symbols, and database_specific.url, which govulncheck prints as
// "More info" (its text output fails without it).
//
// Identifiers are the OSV ids (osv.ID: "x_VIRT-2026-0001", the Ref kept as
// the first alias). The Go client (golang.org/x/vuln v1.9.0,
// internal/client) does not require GO-YYYY-NNNN ids: it reads
// ID/<id>.json for each id that index/modules.json lists, and checks only
// that an entry's file name is <id>.json.
//
// Every file is written twice: <name>.json, which govulncheck reads from a
// file:// database, and <name>.json.gz, which it fetches from an http(s)
// one. The encoders are pure functions: no I/O, no clock.
package vulndb

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"slices"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/osv"
)

// dbMeta is the index/db.json document.
type dbMeta struct {
	// Modified is the latest modification of any entry.
	Modified string `json:"modified"`
}

// moduleMeta is one element of index/modules.json.
type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

// moduleVuln is an entry that affects a module.
type moduleVuln struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
	// Fixed is the version above which no version is affected, without
	// "v"; "" while the latest version is affected. The client skips the
	// entry for a module version at or above it, so it must be exact.
	Fixed string `json:"fixed,omitempty"`
}

// vulnMeta is one element of index/vulns.json.
type vulnMeta struct {
	ID       string   `json:"id"`
	Modified string   `json:"modified"`
	Aliases  []string `json:"aliases"`
}

// goEntry returns the Go database entry of a, or ok false when a affects
// no Go module. It returns osv.Build's errors.
func goEntry(a embargo.Advisory, pub embargo.Publisher) (v *osv.Vulnerability, ok bool, err error) {
	v, err = osv.Build(a, pub)
	if err != nil {
		return nil, false, err
	}
	var goOnly []osv.Affected
	for _, af := range v.Affected {
		if af.Package.Ecosystem == "Go" {
			goOnly = append(goOnly, af)
		}
	}
	if len(goOnly) == 0 {
		return nil, false, nil
	}
	v.Affected = goOnly
	return v, true, nil
}

// Files returns the database of the public Go advisories in advs, keyed
// by slash-separated path:
//
//	govulndb/index/db.json       {"modified": latest entry modification}
//	govulndb/index/modules.json  the modules, each with its entries
//	govulndb/index/vulns.json    the entries, with their aliases
//	govulndb/ID/<id>.json        one OSV entry per advisory
//
// each also as .json.gz. The index is written even when no advisory
// affects Go, so govulncheck finds an empty database, not an error; its
// db.json then has the zero time, as golang.org/x/vuln writes it. Files
// returns osv.Build's errors, and a KindConflict error when two advisories
// share a Ref.
func Files(advs []embargo.Advisory, pub embargo.Publisher) (map[string][]byte, error) {
	files := map[string][]byte{}
	var gz gzipper
	db := dbMeta{Modified: "0001-01-01T00:00:00Z"}
	modules := map[string]*moduleMeta{}
	var vulns []vulnMeta
	seen := map[string]bool{}
	for _, a := range advs {
		if !osv.Public(a) {
			continue
		}
		if seen[a.Ref] {
			return nil, embargo.Errorf(embargo.KindConflict, "vulndb.Files: two advisories are named %s", a.Ref)
		}
		seen[a.Ref] = true
		v, ok, err := goEntry(a, pub)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if err := gz.add(files, "ID/"+v.ID, v); err != nil {
			return nil, err
		}
		if v.Modified > db.Modified { // same layout, so text order is time order
			db.Modified = v.Modified
		}
		vulns = append(vulns, vulnMeta{ID: v.ID, Modified: v.Modified, Aliases: orEmpty(v.Aliases)})
		var paths []string
		for _, af := range v.Affected {
			if !slices.Contains(paths, af.Package.Name) {
				paths = append(paths, af.Package.Name)
			}
		}
		for _, path := range paths {
			m := modules[path]
			if m == nil {
				m = &moduleMeta{Path: path}
				modules[path] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: v.ID, Modified: v.Modified, Fixed: fixedVersion(v.Affected, path)})
		}
	}
	slices.SortFunc(vulns, func(a, b vulnMeta) int { return strings.Compare(a.ID, b.ID) })
	mods := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		slices.SortFunc(m.Vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		mods = append(mods, m)
	}
	slices.SortFunc(mods, func(a, b *moduleMeta) int { return strings.Compare(a.Path, b.Path) })
	if vulns == nil {
		vulns = []vulnMeta{}
	}
	for name, doc := range map[string]any{"index/db": db, "index/modules": mods, "index/vulns": vulns} {
		if err := gz.add(files, name, doc); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// fixedVersion returns the version of module above which none is affected by the
// SEMVER ranges of affected: the highest fixed version, or "" when a range
// has no fix (or no range is given: all versions are affected).
func fixedVersion(affected []osv.Affected, module string) string {
	fixed, ranges := "", 0
	for _, af := range affected {
		if af.Package.Name != module {
			continue
		}
		for _, r := range af.Ranges {
			if r.Type != osv.RangeSemver {
				continue
			}
			ranges++
			rangeFixed := ""
			for _, e := range r.Events {
				if e.Fixed != "" && (rangeFixed == "" || osv.CompareSemver(e.Fixed, rangeFixed) > 0) {
					rangeFixed = e.Fixed
				}
			}
			if rangeFixed == "" {
				return ""
			}
			if fixed == "" || osv.CompareSemver(rangeFixed, fixed) > 0 {
				fixed = rangeFixed
			}
		}
	}
	if ranges == 0 {
		return ""
	}
	return fixed
}

// gzipper writes documents as .json and .json.gz with one reused
// compressor (a new one per file costs about a megabyte).
type gzipper struct {
	buf bytes.Buffer
	zw  *gzip.Writer
}

// add writes doc as name.json and name.json.gz. The gzip header has no
// name and no time: the same bytes every run.
func (g *gzipper) add(files map[string][]byte, name string, doc any) error {
	b, err := osv.Marshal(doc)
	if err != nil {
		return fmt.Errorf("vulndb.Files(%s): %w", name, err)
	}
	g.buf.Reset()
	if g.zw == nil {
		g.zw = gzip.NewWriter(&g.buf)
	} else {
		g.zw.Reset(&g.buf)
	}
	if _, err := g.zw.Write(b); err != nil {
		return fmt.Errorf("vulndb.Files(%s): %w", name, err)
	}
	if err := g.zw.Close(); err != nil {
		return fmt.Errorf("vulndb.Files(%s): %w", name, err)
	}
	files["govulndb/"+name+".json"] = b
	files["govulndb/"+name+".json.gz"] = bytes.Clone(g.buf.Bytes())
	return nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
