package publish

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish/atom"
	"github.com/embargo-cvd/embargo/internal/publish/csaf"
	"github.com/embargo-cvd/embargo/internal/publish/cve5"
	"github.com/embargo-cvd/embargo/internal/publish/openvex"
	"github.com/embargo-cvd/embargo/internal/publish/osv"
	"github.com/embargo-cvd/embargo/internal/publish/site"
	"github.com/embargo-cvd/embargo/internal/publish/vulndb"
)

// Site is a project's published tree kept up to date one advisory at a
// time. Each advisory is encoded in every format once, when it is put in,
// and its files are kept; the files about all advisories (the archives,
// indexes and feeds) are assembled from the kept encodings when first
// asked for after a change. A Site is safe for concurrent use.
type Site struct {
	pub embargo.Publisher
	o   Options

	// put serialises Puts, so that of two concurrent Puts of an advisory
	// the later one wins; mu guards the rest.
	put   sync.Mutex
	mu    sync.Mutex
	parts map[string]*part  // by Ref
	files map[string][]byte // every part's own files, by path
	owner map[string]string // CVE id and CSAF file name → Ref
	// index holds the assembled files of each kind (indexOSV…), nil
	// while stale.
	index [indexKinds]map[string][]byte
}

// The kinds of assembled files, each built on its own when first asked
// for after a change.
const (
	indexOSV = iota
	indexGo
	indexCSAF
	indexFeed
	indexPages
	indexKinds
)

// indexKind is the kind of assembled file at path.
func indexKind(path string) int {
	switch {
	case strings.HasPrefix(path, "osv/"):
		return indexOSV
	case strings.HasPrefix(path, "govulndb/"):
		return indexGo
	case strings.HasPrefix(path, ".well-known/csaf/"):
		return indexCSAF
	case path == "feed.atom":
		return indexFeed
	}
	return indexPages
}

// part is one advisory encoded in every format.
type part struct {
	adv   embargo.Advisory
	files map[string][]byte
	osv   *osv.Item
	gov   *vulndb.Item // nil when it affects no Go module
	csaf  *csaf.Entry  // nil without a signer
	atom  *atom.Entry
	page  *site.Entry
	// claims are the names no other advisory may have: its CVE id and its
	// CSAF file name.
	claims []string
}

// NewSite returns an empty tree of the publisher's advisories.
func NewSite(pub embargo.Publisher, o Options) *Site {
	return &Site{pub: pub, o: o, parts: map[string]*part{}, files: map[string][]byte{}, owner: map[string]string{}}
}

// Len is the number of advisories in the tree.
func (s *Site) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.parts)
}

// Put encodes advisories (on every CPU when there are several) and puts
// them in the tree, each in place of the advisory with its Ref: a draft or
// scheduled one is taken out. Either every advisory is put in or, on an
// error, none: an advisory an encoder refuses, two with the same Ref, or
// one whose CVE id or CSAF file name another advisory of the tree has
// (Conflict-kind).
func (s *Site) Put(advs ...embargo.Advisory) error {
	s.put.Lock()
	defer s.put.Unlock()
	refs := make(map[string]bool, len(advs))
	var public []embargo.Advisory
	var gone []string
	for _, a := range advs {
		if refs[a.Ref] {
			return embargo.Errorf(embargo.KindConflict, "publish: two advisories are named %s", a.Ref)
		}
		refs[a.Ref] = true
		if osv.Public(a) {
			public = append(public, a)
		} else {
			gone = append(gone, a.Ref)
		}
	}
	parts, err := s.encodeAll(public)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	claimed := map[string]string{}
	for _, p := range parts {
		for _, c := range p.claims {
			// Another of the batch, or of the tree unless the batch replaces it.
			other := claimed[c]
			if owner := s.owner[c]; other == "" && owner != "" && !refs[owner] {
				other = owner
			}
			if other != "" {
				return embargo.Errorf(embargo.KindConflict, "publish: advisories %s and %s both have %s", other, p.adv.Ref, c)
			}
			claimed[c] = p.adv.Ref
		}
	}
	// Every old version out before any new one is in: a CVE id or file
	// that moves between advisories of the batch stays with its new owner.
	for _, ref := range gone {
		s.remove(ref)
	}
	for _, p := range parts {
		s.remove(p.adv.Ref)
	}
	for _, p := range parts {
		s.parts[p.adv.Ref] = p
		maps.Copy(s.files, p.files)
		for _, c := range p.claims {
			s.owner[c] = p.adv.Ref
		}
	}
	s.stale()
	return nil
}

func (s *Site) stale() {
	s.index = [indexKinds]map[string][]byte{}
}

func (s *Site) remove(ref string) {
	p := s.parts[ref]
	if p == nil {
		return
	}
	for path := range p.files {
		delete(s.files, path)
	}
	for _, c := range p.claims {
		delete(s.owner, c)
	}
	delete(s.parts, ref)
	s.stale()
}

// File returns the file at path (relative to the site's root).
func (s *Site) File(path string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.files[path]; ok {
		return b, true, nil
	}
	kind := indexKind(path)
	if err := s.assemble(kind); err != nil {
		return nil, false, err
	}
	b, ok := s.index[kind][path]
	return b, ok, nil
}

// Assemble builds every stale assembled file now, rather than when it is
// first asked for.
func (s *Site) Assemble() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.assemble(allKinds...)
}

var allKinds = []int{indexOSV, indexGo, indexCSAF, indexFeed, indexPages}

// Walk calls fn with every file of the tree, in no order, and stops at
// fn's first error, which it returns. fn must not call the Site.
func (s *Site) Walk(fn func(path string, data []byte) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.assemble(allKinds...); err != nil {
		return err
	}
	for path, b := range s.files {
		if err := fn(path, b); err != nil {
			return err
		}
	}
	for _, idx := range s.index {
		for path, b := range idx {
			if err := fn(path, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// Files returns the whole tree, by path.
func (s *Site) Files() (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.assemble(allKinds...); err != nil {
		return nil, err
	}
	size := len(s.files)
	for _, idx := range s.index {
		size += len(idx)
	}
	out := make(map[string][]byte, size)
	maps.Copy(out, s.files)
	for _, idx := range s.index {
		maps.Copy(out, idx)
	}
	return out, nil
}

// assemble builds the stale files of the kinds from the parts, each kind
// on its own CPU. The caller holds s.mu.
func (s *Site) assemble(kinds ...int) error {
	var wg sync.WaitGroup
	errs := make([]error, indexKinds)
	for _, k := range kinds {
		if s.index[k] != nil {
			continue
		}
		wg.Go(func() {
			files, err := s.build(k)
			if err != nil {
				errs[k] = err
				return
			}
			s.index[k] = files
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// build assembles the files of one kind. The parts are in no order: each
// kind orders its own.
func (s *Site) build(kind int) (map[string][]byte, error) {
	wrap := func(what string, files map[string][]byte, err error) (map[string][]byte, error) {
		if err != nil {
			return nil, fmt.Errorf("publish: %s: %w", what, err)
		}
		return files, nil
	}
	switch kind {
	case indexOSV:
		items := make([]*osv.Item, 0, len(s.parts))
		for _, p := range s.parts {
			items = append(items, p.osv)
		}
		files, err := osv.Archives(items)
		return wrap("OSV", files, err)
	case indexGo:
		var items []*vulndb.Item
		for _, p := range s.parts {
			if p.gov != nil {
				items = append(items, p.gov)
			}
		}
		files, err := vulndb.Index(items)
		return wrap("Go vulnerability database", files, err)
	case indexCSAF:
		if s.o.Signer == nil {
			return map[string][]byte{}, nil
		}
		entries := make([]*csaf.Entry, 0, len(s.parts))
		for _, p := range s.parts {
			entries = append(entries, p.csaf)
		}
		files, err := csaf.Index(entries, s.pub, s.o.Signer)
		return wrap("CSAF", files, err)
	case indexFeed:
		entries := make([]*atom.Entry, 0, len(s.parts))
		for _, p := range s.parts {
			entries = append(entries, p.atom)
		}
		feed, err := atom.Assemble(entries, s.pub)
		return wrap("Atom", map[string][]byte{"feed.atom": feed}, err)
	default:
		pages := make([]*site.Entry, 0, len(s.parts))
		for _, p := range s.parts {
			pages = append(pages, p.page)
		}
		files, err := site.Index(pages, s.pub, s.links(), s.o.HallOfFame)
		return wrap("HTML", files, err)
	}
}

// links are the machine-readable files the pages point to.
func (s *Site) links() site.Links {
	l := site.Links{OSVAll: "osv/all.zip", Feed: "feed.atom", GoVulnDB: "govulndb/index/db.json"}
	if s.o.Signer != nil {
		l.CSAF = csaf.ProviderMetadataPath
	}
	return l
}

// encodeAll encodes the advisories on every CPU, in their order.
func (s *Site) encodeAll(advs []embargo.Advisory) ([]*part, error) {
	out := make([]*part, len(advs))
	errs := make([]error, len(advs))
	workers := min(runtime.GOMAXPROCS(0), len(advs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			var e encoder
			for i := range next {
				out[i], errs[i] = e.encode(advs[i], s.pub, s.o)
			}
		})
	}
	for i := range advs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// encoder encodes advisories one at a time, reusing its compressors.
type encoder struct {
	z  osv.Deflater
	gz vulndb.Gzipper
}

// encode encodes one public advisory in every format, with the page that
// links its machine-readable files.
func (e *encoder) encode(a embargo.Advisory, pub embargo.Publisher, o Options) (*part, error) {
	fail := func(what string, err error) (*part, error) {
		return nil, fmt.Errorf("publish: %s: %w", what, err)
	}
	p := &part{adv: a, files: map[string][]byte{}}
	var links [][2]string
	var err error
	if p.atom, err = atom.Encode(a, pub); err != nil { // first: it checks the Ref and the publication date
		return fail("Atom", err)
	}
	if p.osv, err = e.z.Encode(a, pub); err != nil {
		return fail("OSV", err)
	}
	p.files[p.osv.Path()] = p.osv.JSON
	links = append(links, [2]string{"OSV", p.osv.Path()})
	if p.gov, err = e.gz.Encode(a, pub); err != nil {
		return fail("Go vulnerability database", err)
	}
	if p.gov != nil {
		maps.Copy(p.files, p.gov.Files)
	}
	if o.Signer != nil {
		if p.csaf, err = csaf.Encode(a, pub, o.Signer); err != nil {
			return fail("CSAF", err)
		}
		maps.Copy(p.files, p.csaf.Files())
		p.claims = append(p.claims, "the CSAF file "+p.csaf.Path())
		links = append(links, [2]string{"CSAF 2.0", p.csaf.Path()})
	}
	if o.CNAOrgID != "" && a.CVE != "" {
		b, err := cve5.Record(a, pub, o.CNAOrgID)
		if err != nil {
			return fail("CVE JSON 5", err)
		}
		path := "cve/" + a.CVE + ".json"
		p.files[path] = b
		p.claims = append(p.claims, a.CVE)
		links = append(links, [2]string{"CVE JSON 5", path})
	}
	if len(a.Affected) > 0 {
		b, err := openvex.Document(a, pub)
		if err != nil {
			return fail("OpenVEX", err)
		}
		path := "openvex/" + a.Ref + ".json"
		p.files[path] = b
		links = append(links, [2]string{"OpenVEX", path})
	}
	slices.SortFunc(links, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
	if p.page, err = site.Encode(a, pub, site.Links{PerAdvisory: func(embargo.Advisory) [][2]string { return links }}); err != nil {
		return fail("HTML", err)
	}
	p.files[a.Ref+".html"] = p.page.Page
	return p, nil
}
