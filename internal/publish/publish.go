// Package publish assembles every published file of a project's
// advisories into one tree: HTML pages, the Atom feed and hall of fame,
// OSV, a Go vulnerability database, a CSAF 2.0 trusted-provider directory,
// CVE JSON 5 records and OpenVEX documents. Embargo serves the tree live
// and `embargo publish --out` writes it for any static web host, so both
// are the same bytes.
package publish

import (
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
)

// Options tune a tree.
type Options struct {
	// Signer is the project's OpenPGP key: it signs the CSAF documents
	// (no CSAF tree without it: a trusted provider signs).
	Signer *pgp.Key
	// CNAOrgID is the CNA's organisation UUID for CVE records (none
	// without it).
	CNAOrgID string
	// HallOfFame adds hall-of-fame.html (the policy's credit.hall_of_fame).
	HallOfFame bool
}

// Tree returns the files of the project's published and withdrawn
// advisories (drafts never), by path relative to the site's root: a Site
// with every advisory put in.
func Tree(advs []embargo.Advisory, pub embargo.Publisher, o Options) (map[string][]byte, error) {
	s := NewSite(pub, o)
	if err := s.Put(advs...); err != nil {
		return nil, err
	}
	return s.Files()
}

// Check encodes one advisory in every format of the tree, as if it were
// published now, and returns the first error: an advisory that an encoder
// refuses (and that would take the whole tree down) is refused before it
// is published or changed. Signatures are left out: they cannot fail on
// content.
func Check(a embargo.Advisory, pub embargo.Publisher, o Options) error {
	o.Signer = nil
	if a.State != embargo.AdvisoryPublished && a.State != embargo.AdvisoryWithdrawn {
		a.State = embargo.AdvisoryPublished
	}
	if a.Version == 0 {
		a.Version, a.Revisions = 1, []embargo.AdvisoryRevision{{Number: 1, Date: a.Modified, Summary: "Initial release"}}
	}
	_, err := Tree([]embargo.Advisory{a}, pub, o)
	return err
}
