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
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/jsonfrag"
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
	var items []*Item
	var gz Gzipper
	seen := map[string]bool{}
	for _, a := range advs {
		if !osv.Public(a) {
			continue
		}
		if seen[a.Ref] {
			return nil, embargo.Errorf(embargo.KindConflict, "vulndb.Files: two advisories are named %s", a.Ref)
		}
		seen[a.Ref] = true
		it, err := gz.Encode(a, pub)
		if err != nil {
			return nil, err
		}
		if it == nil {
			continue
		}
		maps.Copy(files, it.Files)
		items = append(items, it)
	}
	idx, err := Index(items)
	if err != nil {
		return nil, err
	}
	maps.Copy(files, idx)
	return files, nil
}

// Item is one advisory's database entry, encoded once and kept: its files
// (ID/<id>.json and .json.gz) and its elements of the index.
type Item struct {
	Files    map[string][]byte
	id       string
	modified string
	vuln     []byte      // its element of index/vulns.json
	modules  []moduleRef // its elements of index/modules.json
}

// moduleRef is an entry's element in the vulns of one module.
type moduleRef struct {
	path string
	elem []byte
}

// The depths of the index's elements: a vuln of vulns.json; a module of
// modules.json, and one of its vulns.
const (
	vulnDepth       = 1
	moduleDepth     = 1
	moduleVulnDepth = 3
)

// Encode encodes the database entry of a public advisory, or returns nil
// when it affects no Go module. It returns osv.Build's errors.
func (g *Gzipper) Encode(a embargo.Advisory, pub embargo.Publisher) (*Item, error) {
	v, ok, err := goEntry(a, pub)
	if err != nil || !ok {
		return nil, err
	}
	it := &Item{Files: map[string][]byte{}, id: v.ID, modified: v.Modified}
	b, err := osv.Marshal(v)
	if err != nil {
		return nil, err
	}
	if err := g.add(it.Files, "ID/"+v.ID, b); err != nil {
		return nil, err
	}
	if it.vuln, err = jsonfrag.Element(vulnMeta{ID: v.ID, Modified: v.Modified, Aliases: orEmpty(v.Aliases)}, vulnDepth); err != nil {
		return nil, err
	}
	for _, af := range v.Affected {
		if slices.ContainsFunc(it.modules, func(m moduleRef) bool { return m.path == af.Package.Name }) {
			continue
		}
		elem, err := jsonfrag.Element(moduleVuln{ID: v.ID, Modified: v.Modified, Fixed: fixedVersion(v.Affected, af.Package.Name)}, moduleVulnDepth)
		if err != nil {
			return nil, err
		}
		it.modules = append(it.modules, moduleRef{path: af.Package.Name, elem: elem})
	}
	return it, nil
}

// Index assembles index/db.json, index/modules.json and index/vulns.json
// (each also .json.gz, compressed for speed) from encoded items, whose ids
// the caller keeps distinct.
func Index(items []*Item) (map[string][]byte, error) {
	files := map[string][]byte{}
	db := dbMeta{Modified: "0001-01-01T00:00:00Z"}
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b *Item) int { return strings.Compare(a.id, b.id) })
	modules := map[string][][]byte{}
	vulns := make([][]byte, 0, len(items))
	for _, it := range items {
		if it.modified > db.Modified { // same layout, so text order is time order
			db.Modified = it.modified
		}
		vulns = append(vulns, it.vuln)
		for _, m := range it.modules {
			modules[m.path] = append(modules[m.path], m.elem)
		}
	}
	mods := make([][]byte, 0, len(modules))
	for _, path := range slices.Sorted(maps.Keys(modules)) {
		head, err := jsonfrag.Element(moduleMeta{Path: path, Vulns: []moduleVuln{}}, moduleDepth)
		if err != nil {
			return nil, err
		}
		m, err := jsonfrag.Splice(head, "vulns", modules[path], moduleVulnDepth)
		if err != nil {
			return nil, err
		}
		mods = append(mods, m)
	}
	dbJSON, err := osv.Marshal(db)
	if err != nil {
		return nil, err
	}
	// Each index file compressed on its own CPU.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for name, b := range map[string][]byte{"index/db": dbJSON, "index/modules": jsonfrag.Array(mods), "index/vulns": jsonfrag.Array(vulns)} {
		wg.Go(func() {
			one := map[string][]byte{}
			err := (&Gzipper{fast: true}).add(one, name, b)
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
			maps.Copy(files, one)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
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

// Gzipper writes documents as .json and .json.gz with one reused
// compressor (a new one per file costs about a megabyte); its zero value
// is ready, and one goroutine uses it at a time.
type Gzipper struct {
	buf bytes.Buffer
	zw  *gzip.Writer
	// fast trades size for speed: for the index, compressed anew after
	// every change (entries are compressed once, at the default level).
	fast bool
}

// add writes b as name.json and name.json.gz. The gzip header has no
// name and no time: the same bytes every run.
func (g *Gzipper) add(files map[string][]byte, name string, b []byte) error {
	g.buf.Reset()
	if g.zw == nil {
		level := gzip.DefaultCompression
		if g.fast {
			level = gzip.BestSpeed
		}
		zw, err := gzip.NewWriterLevel(&g.buf, level)
		if err != nil {
			return err
		}
		g.zw = zw
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
