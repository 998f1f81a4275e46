package osv

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Public reports whether an advisory is public: published or withdrawn
// (a withdrawn advisory stays listed, marked withdrawn). Drafts and
// scheduled advisories are never written.
func Public(a embargo.Advisory) bool {
	return a.State == embargo.AdvisoryPublished || a.State == embargo.AdvisoryWithdrawn
}

// Files returns the OSV tree of the public advisories in advs, as osv.dev
// lays it out, keyed by slash-separated path:
//
//	osv/<Ref>.json            one entry per advisory
//	osv/all.zip               every entry, as <Ref>.json
//	osv/<Ecosystem>/all.zip   the entries affecting a package of that
//	                          ecosystem (what osv-scanner's offline mode reads)
//
// all.zip is written even when there is no entry. Files returns Build's
// errors, and a KindConflict error when two advisories share a Ref.
func Files(advs []embargo.Advisory, pub embargo.Publisher) (map[string][]byte, error) {
	var items []*Item
	seen := map[string]bool{}
	files := map[string][]byte{}
	var z Deflater
	for _, a := range advs {
		if !Public(a) {
			continue
		}
		if seen[a.Ref] {
			return nil, embargo.Errorf(embargo.KindConflict, "osv.Files: two advisories are named %s", a.Ref)
		}
		seen[a.Ref] = true
		it, err := z.Encode(a, pub)
		if err != nil {
			return nil, err
		}
		files[it.Path()] = it.JSON
		items = append(items, it)
	}
	idx, err := Archives(items)
	if err != nil {
		return nil, err
	}
	maps.Copy(files, idx)
	return files, nil
}

// Item is one advisory's OSV entry, encoded once and kept: its JSON and
// the compressed copy every archive holding it reuses.
type Item struct {
	Ref        string
	JSON       []byte
	entry      zipEntry
	ecosystems []string
}

// Path is where the entry is published: "osv/<Ref>.json".
func (it *Item) Path() string { return "osv/" + it.Ref + ".json" }

// Encode builds, marshals and compresses the OSV entry of a public
// advisory. It returns Build's errors.
func (d *Deflater) Encode(a embargo.Advisory, pub embargo.Publisher) (*Item, error) {
	v, err := Build(a, pub)
	if err != nil {
		return nil, err
	}
	b, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	e, err := d.entry(a.Ref+".json", b)
	if err != nil {
		return nil, fmt.Errorf("osv.Encode(%s): %w", a.Ref, err)
	}
	e.modified, _ = time.Parse(time.RFC3339, v.Modified)
	it := &Item{Ref: a.Ref, JSON: b, entry: e}
	for _, af := range v.Affected {
		if !slices.Contains(it.ecosystems, af.Package.Ecosystem) {
			it.ecosystems = append(it.ecosystems, af.Package.Ecosystem)
		}
	}
	return it, nil
}

// Archives assembles osv/all.zip (written even when there is no item) and
// one osv/<Ecosystem>/all.zip per ecosystem from encoded items, whose Refs
// the caller keeps distinct, each archive on its own CPU.
func Archives(items []*Item) (map[string][]byte, error) {
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b *Item) int { return strings.Compare(a.entry.name, b.entry.name) })
	all := make([]*zipEntry, len(items))
	byEco := map[string][]*zipEntry{}
	for i, it := range items {
		all[i] = &it.entry
		for _, eco := range it.ecosystems {
			byEco[eco] = append(byEco[eco], &it.entry)
		}
	}
	lists := map[string][]*zipEntry{"osv/all.zip": all}
	for eco, es := range byEco {
		lists["osv/"+eco+"/all.zip"] = es
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	files := make(map[string][]byte, len(lists))
	var errs []error
	for name, es := range lists {
		wg.Go(func() {
			b, err := zipArchive(es)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("osv.Files(%s): %w", strings.TrimPrefix(name, "osv/"), err))
				return
			}
			files[name] = b
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return files, nil
}

// zipEntry is a file compressed for a zip archive.
type zipEntry struct {
	name       string
	modified   time.Time
	crc        uint32
	size       uint64
	compressed []byte
}

// Deflater compresses entries with one reused compressor; its zero value
// is ready, and one goroutine uses it at a time.
type Deflater struct {
	buf bytes.Buffer
	fw  *flate.Writer
}

func (d *Deflater) entry(name string, data []byte) (zipEntry, error) {
	d.buf.Reset()
	if d.fw == nil {
		fw, err := flate.NewWriter(&d.buf, flate.DefaultCompression)
		if err != nil {
			return zipEntry{}, err
		}
		d.fw = fw
	} else {
		d.fw.Reset(&d.buf)
	}
	if _, err := d.fw.Write(data); err != nil {
		return zipEntry{}, err
	}
	if err := d.fw.Close(); err != nil {
		return zipEntry{}, err
	}
	return zipEntry{name: name, crc: crc32.ChecksumIEEE(data), size: uint64(len(data)), compressed: bytes.Clone(d.buf.Bytes())}, nil
}

// zipArchive writes the entries, which are sorted by name, into a zip
// archive. Each entry carries its modification time (MS-DOS fields and the
// "extended timestamp" that Info-ZIP and archive/zip write), so the bytes
// depend on the entries only.
func zipArchive(es []*zipEntry) ([]byte, error) {
	var buf bytes.Buffer
	size := 22 // end of central directory
	for _, e := range es {
		size += len(e.compressed) + 2*len(e.name) + 2*9 + 30 + 46 + 16
	}
	buf.Grow(size)
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		h := &zip.FileHeader{
			Name: e.name, Method: zip.Deflate,
			CRC32: e.crc, CompressedSize64: uint64(len(e.compressed)), UncompressedSize64: e.size,
		}
		if !e.modified.IsZero() {
			// CreateRaw, unlike CreateHeader, does not derive these from
			// Modified: they are set by hand.
			//lint:ignore SA1019 the MS-DOS fields are what most unzip tools show
			h.ModifiedDate, h.ModifiedTime = msDosTime(e.modified)
			var extra [9]byte
			binary.LittleEndian.PutUint16(extra[0:], 0x5455) // extended timestamp
			binary.LittleEndian.PutUint16(extra[2:], 5)
			extra[4] = 1 // modification time only
			binary.LittleEndian.PutUint32(extra[5:], uint32(e.modified.Unix()))
			h.Extra = extra[:]
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(e.compressed); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// msDosTime returns t (UTC) as MS-DOS date and time fields, clamped to
// the years they can hold.
func msDosTime(t time.Time) (date, tod uint16) {
	t = t.UTC()
	switch {
	case t.Year() < 1980:
		return 1<<5 | 1, 0
	case t.Year() > 2107:
		return 127<<9 | 12<<5 | 31, 23<<11 | 59<<5 | 29
	}
	date = uint16(t.Year()-1980)<<9 | uint16(t.Month())<<5 | uint16(t.Day())
	tod = uint16(t.Hour())<<11 | uint16(t.Minute())<<5 | uint16(t.Second()/2)
	return date, tod
}
