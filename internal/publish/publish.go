// Package publish assembles every published file of a project's
// advisories into one tree: HTML pages, the Atom feed and hall of fame,
// OSV, a Go vulnerability database, a CSAF 2.0 trusted-provider directory,
// CVE JSON 5 records and OpenVEX documents. Embargo serves the tree live
// and `embargo publish --out` writes it for any static web host, so both
// are the same bytes.
package publish

import (
	"fmt"
	"sort"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/publish/atom"
	"github.com/embargo-cvd/embargo/internal/publish/csaf"
	"github.com/embargo-cvd/embargo/internal/publish/cve5"
	"github.com/embargo-cvd/embargo/internal/publish/openvex"
	"github.com/embargo-cvd/embargo/internal/publish/osv"
	"github.com/embargo-cvd/embargo/internal/publish/site"
	"github.com/embargo-cvd/embargo/internal/publish/vulndb"
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
// advisories (drafts never), by path relative to the site's root.
func Tree(advs []embargo.Advisory, pub embargo.Publisher, o Options) (map[string][]byte, error) {
	public := site.Public(advs)
	out := map[string][]byte{}
	add := func(what string, files map[string][]byte, err error) error {
		if err != nil {
			return fmt.Errorf("publish: %s: %w", what, err)
		}
		for k, v := range files {
			out[k] = v
		}
		return nil
	}
	osvFiles, err := osv.Files(public, pub)
	if err := add("OSV", osvFiles, err); err != nil {
		return nil, err
	}
	goFiles, err := vulndb.Files(public, pub)
	if err := add("Go vulnerability database", goFiles, err); err != nil {
		return nil, err
	}
	if o.Signer != nil {
		csafFiles, err := csaf.Files(public, pub, o.Signer)
		if err := add("CSAF", csafFiles, err); err != nil {
			return nil, err
		}
	}
	if o.CNAOrgID != "" {
		cveFiles, err := cve5.Files(public, pub, o.CNAOrgID)
		if err := add("CVE JSON 5", cveFiles, err); err != nil {
			return nil, err
		}
	}
	vexFiles, err := openvex.Files(public, pub)
	if err := add("OpenVEX", vexFiles, err); err != nil {
		return nil, err
	}
	feed, err := atom.Feed(public, pub)
	if err != nil {
		return nil, fmt.Errorf("publish: Atom: %w", err)
	}
	out["feed.atom"] = feed
	links := site.Links{OSVAll: "osv/all.zip", Feed: "feed.atom", PerAdvisory: func(a embargo.Advisory) [][2]string {
		var l [][2]string
		for _, f := range [][2]string{{"OSV", "osv/" + a.Ref + ".json"}, {"OpenVEX", "openvex/" + a.Ref + ".json"}, {"CVE JSON 5", "cve/" + a.CVE + ".json"}} {
			if _, ok := out[f[1]]; ok {
				l = append(l, f)
			}
		}
		if p := csaf.Path(a); out[p] != nil {
			l = append(l, [2]string{"CSAF 2.0", p})
		}
		sort.Slice(l, func(i, j int) bool { return l[i][0] < l[j][0] })
		return l
	}}
	if _, ok := out["govulndb/index/db.json"]; ok {
		links.GoVulnDB = "govulndb/index/db.json"
	}
	if _, ok := out[csaf.ProviderMetadataPath]; ok {
		links.CSAF = csaf.ProviderMetadataPath
	}
	pages, err := site.Pages(public, pub, links, o.HallOfFame)
	if err := add("HTML", pages, err); err != nil {
		return nil, err
	}
	return out, nil
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
