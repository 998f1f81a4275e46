package cve5

import (
	"fmt"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Files encodes the CVE record of every published or withdrawn advisory
// that has a CVE id, keyed by its path in the published tree:
// "cve/<CVE-ID>.json". Drafts, scheduled advisories and advisories without
// a CVE id give no file, so a project that has no CVE id needs no orgID:
// the map is then empty.
//
// It returns the first error of Record, wrapped with the advisory's Ref
// (an Invalid-kind error, among them a missing orgID when some advisory
// has a CVE id), or a Conflict-kind error when two advisories carry the
// same CVE id.
func Files(advs []embargo.Advisory, pub embargo.Publisher, orgID string) (map[string][]byte, error) {
	out := make(map[string][]byte)
	owner := make(map[string]string)
	for _, a := range advs {
		if a.CVE == "" || (a.State != embargo.AdvisoryPublished && a.State != embargo.AdvisoryWithdrawn) {
			continue
		}
		if prev, dup := owner[a.CVE]; dup {
			return nil, embargo.Errorf(embargo.KindConflict, "cve5.Files: advisories %s and %s both have %s", prev, a.Ref, a.CVE)
		}
		owner[a.CVE] = a.Ref
		b, err := Record(a, pub, orgID)
		if err != nil {
			return nil, fmt.Errorf("cve5.Files: %w", err)
		}
		out["cve/"+a.CVE+".json"] = b
	}
	return out, nil
}
