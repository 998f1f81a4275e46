package csaf

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/publish/jsonfrag"
)

// ProviderMetadataPath is where Files puts provider-metadata.json,
// relative to the site's root (CSAF 2.0 requirement 9).
const ProviderMetadataPath = wellKnown + "/provider-metadata.json"

var unsafeRun = regexp.MustCompile(`[^+\-a-z0-9]+`)

// FileName is the file name of the CSAF document with the tracking id
// (CSAF 2.0 section 5.1): lower case, each run of characters other than
// a-z, 0-9, "+" and "-" replaced by one "_", and ".json".
func FileName(id string) string {
	return unsafeRun.ReplaceAllString(strings.ToLower(id), "_") + ".json"
}

// Path is where Files puts an advisory's CSAF document, relative to the
// site's root: the TLP:WHITE folder, the year of its first publication
// (UTC) and its file name.
func Path(a embargo.Advisory) string {
	return fmt.Sprintf("%s/%04d/%s", distDir, a.Published.UTC().Year(), FileName(a.Ref))
}

// URL is the absolute URL of an advisory's CSAF document under
// pub.BaseURL.
func URL(a embargo.Advisory, pub embargo.Publisher) string {
	return base(pub) + "/" + Path(a)
}

// SecurityTxtLine is the security.txt field that points CSAF consumers to
// the provider metadata (CSAF 2.0 requirement 8): "CSAF: <url>".
func SecurityTxtLine(pub embargo.Publisher) string {
	return "CSAF: " + base(pub) + "/" + ProviderMetadataPath
}

func base(pub embargo.Publisher) string {
	return strings.TrimRight(strings.TrimSpace(pub.BaseURL), "/")
}

// Files lays out the published and withdrawn advisories of advs (others
// are left out) as a CSAF 2.0 provider's tree, keyed by path relative to
// the site's root (see the package comment for the layout), every URL in
// it under pub.BaseURL. With a signer, each document has a detached
// OpenPGP signature (.asc), the public key is published and the role is
// csaf_trusted_provider; without one, there are no signatures and the role
// is csaf_provider. Consumers expect the tree over HTTPS, .json files as
// "application/json". It returns an error when pub.BaseURL is not an
// absolute URL, when an advisory cannot be encoded (see Document), when two
// advisories share a file name, or when signing fails.
func Files(advs []embargo.Advisory, pub embargo.Publisher, signer *pgp.Key) (map[string][]byte, error) {
	if err := checkBase(pub); err != nil {
		return nil, err
	}
	var public []embargo.Advisory
	for _, a := range advs {
		if a.State == embargo.AdvisoryPublished || a.State == embargo.AdvisoryWithdrawn {
			public = append(public, a)
		}
	}
	entries, err := encodeAll(public, pub, signer)
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, 4*len(entries)+8)
	for _, e := range entries {
		maps.Copy(files, e.Files())
	}
	idx, err := Index(entries, pub, signer)
	if err != nil {
		return nil, err
	}
	maps.Copy(files, idx)
	return files, nil
}

func checkBase(pub embargo.Publisher) error {
	if u, err := url.Parse(base(pub)); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("csaf.Files: the base URL %q is not an absolute URL", pub.BaseURL)
	}
	return nil
}

// Index assembles the provider's files around encoded documents: the
// provider metadata, the service and category documents, the ROLIE feed,
// changes.csv, index.txt and, with a signer, its public key. It returns an
// error when two documents have the same file name.
func Index(entries []*Entry, pub embargo.Publisher, signer *pgp.Key) (map[string][]byte, error) {
	if err := checkBase(pub); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	names := make(map[string]string, len(entries))
	for _, e := range entries {
		if other, dup := names[e.path]; dup {
			return nil, fmt.Errorf("csaf.Files: %s and %s have the same file name %s", other, e.id, e.path)
		}
		names[e.path] = e.id
	}
	// Newest change first, then by path: the order of the feed and of
	// changes.csv.
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(x, y *Entry) int {
		return cmp.Or(y.current.Compare(x.current), strings.Compare(x.path, y.path))
	})
	updated := time.Unix(0, 0).UTC()
	if len(entries) > 0 {
		updated = entries[0].current
	}
	pb, err := publisherOf(pub)
	if err != nil {
		return nil, fmt.Errorf("csaf.Files: %w", err)
	}
	var keys []pgpKey
	if signer != nil {
		keyPath := wellKnown + "/openpgp/" + signer.Fingerprint() + ".asc"
		files[keyPath] = signer.Public().Armored()
		keys = []pgpKey{{Fingerprint: signer.Fingerprint(), URL: base(pub) + "/" + keyPath}}
	}
	docs := []struct {
		path string
		v    any
	}{
		{ProviderMetadataPath, providerMetadata(pub, pb, keys, updated)},
		{wellKnown + "/service.json", serviceDocument(pub)},
		{distDir + "/" + categoryName, categories(pb.Name, entries)},
	}
	for _, d := range docs {
		b, err := marshal(d.v)
		if err != nil {
			return nil, fmt.Errorf("csaf.Files: %s: %w", d.path, err)
		}
		files[d.path] = b
	}
	if files[distDir+"/"+feedName], err = feed(pub, entries, updated); err != nil {
		return nil, fmt.Errorf("csaf.Files: %s: %w", feedName, err)
	}
	files[distDir+"/changes.csv"] = changes(entries)
	files[distDir+"/index.txt"] = index(entries)
	return files, nil
}

// Entry is one advisory's CSAF document, encoded, hashed and signed once
// and kept.
type Entry struct {
	id, title, summary string
	path, rel          string // from the site's root; from the distribution folder
	published, current time.Time
	doc                []byte
	sha256, sha512     []byte // hash files
	sig                []byte
	packages           []string // affected, for the category document
	feedEntry          []byte   // its entry in the ROLIE feed
	changesLine        []byte   // its line in changes.csv
}

// Path is where the document is published, relative to the site's root.
func (e *Entry) Path() string { return e.path }

// Files returns the document and its hash and signature files, by path.
func (e *Entry) Files() map[string][]byte {
	files := map[string][]byte{e.path: e.doc, e.path + ".sha256": e.sha256, e.path + ".sha512": e.sha512}
	if e.sig != nil {
		files[e.path+".asc"] = e.sig
	}
	return files
}

// encodeAll encodes, hashes and signs the advisories.
func encodeAll(advs []embargo.Advisory, pub embargo.Publisher, signer *pgp.Key) ([]*Entry, error) {
	out := make([]*Entry, len(advs))
	for i, a := range advs {
		e, err := Encode(a, pub, signer)
		if err != nil {
			return nil, fmt.Errorf("csaf.Files: %w", err)
		}
		out[i] = e
	}
	return out, nil
}

// Encode builds, marshals, hashes and, with a signer, signs the CSAF
// document of a public advisory (see Document for its errors).
func Encode(a embargo.Advisory, pub embargo.Publisher, signer *pgp.Key) (*Entry, error) {
	d, err := buildDocument(a, pub)
	if err != nil {
		return nil, err
	}
	b, err := marshal(d)
	if err != nil {
		return nil, err
	}
	path := Path(a)
	name := FileName(a.Ref)
	current, _ := time.Parse(time.RFC3339, d.Document.Tracking.CurrentReleaseDate)
	published, _ := time.Parse(time.RFC3339, d.Document.Tracking.InitialReleaseDate)
	s256, s512 := sha256.Sum256(b), sha512.Sum512(b)
	e := &Entry{
		id: a.Ref, title: d.Document.Title, summary: oneLine(a.Summary),
		path: path, rel: strings.TrimPrefix(path, distDir+"/"),
		published: published, current: current, doc: b,
		sha256: []byte(hex.EncodeToString(s256[:]) + "  " + name + "\n"),
		sha512: []byte(hex.EncodeToString(s512[:]) + "  " + name + "\n"),
	}
	if signer != nil {
		if e.sig, err = signer.DetachSign(b); err != nil {
			return nil, fmt.Errorf("csaf: signing %s: %w", a.Ref, err)
		}
	}
	if e.feedEntry, err = jsonfrag.Element(feedEntryOf(pub, e), feedEntryDepth); err != nil {
		return nil, fmt.Errorf("csaf: the feed entry of %s: %w", a.Ref, err)
	}
	e.changesLine = fmt.Appendf(nil, "%q,%q\n", e.rel, timestamp(e.current))
	for _, ap := range a.Affected {
		if ap.Package != "" && !slices.Contains(e.packages, ap.Package) {
			e.packages = append(e.packages, ap.Package)
		}
	}
	return e, nil
}

// index lists the documents' paths (CSAF 2.0 requirement 12), newest year
// first, then by name.
func index(entries []*Entry) []byte {
	paths := make([]string, len(entries))
	for i, e := range entries {
		paths[i] = e.rel
	}
	slices.SortFunc(paths, func(x, y string) int {
		return cmp.Or(strings.Compare(y[:4], x[:4]), strings.Compare(x, y))
	})
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(p + "\n")
	}
	return []byte(b.String())
}

// changes lists each document's path and current release date, newest
// first, without a heading (CSAF 2.0 requirement 13).
func changes(entries []*Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		b.Write(e.changesLine)
	}
	return b.Bytes()
}
