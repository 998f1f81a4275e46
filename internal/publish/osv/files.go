package osv

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
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
	var all []zipEntry
	byEco := map[string][]zipEntry{}
	seen := map[string]bool{}
	files := map[string][]byte{}
	var z deflater
	for _, a := range advs {
		if !Public(a) {
			continue
		}
		if seen[a.Ref] {
			return nil, embargo.Errorf(embargo.KindConflict, "osv.Files: two advisories are named %s", a.Ref)
		}
		seen[a.Ref] = true
		v, err := Build(a, pub)
		if err != nil {
			return nil, err
		}
		b, err := Marshal(v)
		if err != nil {
			return nil, err
		}
		files["osv/"+a.Ref+".json"] = b
		// Each entry is compressed once, and copied into every archive
		// that holds it.
		e, err := z.entry(a.Ref+".json", b)
		if err != nil {
			return nil, fmt.Errorf("osv.Files(%s): %w", a.Ref, err)
		}
		e.modified, _ = time.Parse(time.RFC3339, v.Modified)
		all = append(all, e)
		var ecos []string
		for _, af := range v.Affected {
			if !slices.Contains(ecos, af.Package.Ecosystem) {
				ecos = append(ecos, af.Package.Ecosystem)
				byEco[af.Package.Ecosystem] = append(byEco[af.Package.Ecosystem], e)
			}
		}
	}
	var err error
	if files["osv/all.zip"], err = zipArchive(all); err != nil {
		return nil, fmt.Errorf("osv.Files(all.zip): %w", err)
	}
	for eco, es := range byEco {
		if files["osv/"+eco+"/all.zip"], err = zipArchive(es); err != nil {
			return nil, fmt.Errorf("osv.Files(%s/all.zip): %w", eco, err)
		}
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

// deflater compresses entries with one reused compressor.
type deflater struct {
	buf bytes.Buffer
	fw  *flate.Writer
}

func (d *deflater) entry(name string, data []byte) (zipEntry, error) {
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

// zipArchive writes the entries, sorted by name, into a zip archive. Each
// entry carries its modification time (MS-DOS fields and the "extended
// timestamp" that Info-ZIP and archive/zip write), so the bytes depend on
// the entries only.
func zipArchive(es []zipEntry) ([]byte, error) {
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b zipEntry) int { return strings.Compare(a.name, b.name) })
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
