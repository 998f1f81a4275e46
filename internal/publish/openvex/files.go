package openvex

import (
	"fmt"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Files encodes the OpenVEX document of every published or withdrawn
// advisory, keyed by its path in the published tree:
// "openvex/<Ref>.json". Drafts and scheduled advisories give no file, nor
// does an advisory naming no affected package (no product to speak of).
//
// It returns the first error of Document, wrapped (an Invalid-kind error
// naming the advisory), or a Conflict-kind error when two advisories have
// the same Ref.
func Files(advs []embargo.Advisory, pub embargo.Publisher) (map[string][]byte, error) {
	out := make(map[string][]byte)
	for _, a := range advs {
		if a.State != embargo.AdvisoryPublished && a.State != embargo.AdvisoryWithdrawn {
			continue
		}
		// A VEX statement is about a product: an advisory that names no
		// affected package has nothing to say in VEX.
		if len(a.Affected) == 0 {
			continue
		}
		name := "openvex/" + a.Ref + ".json"
		if _, dup := out[name]; dup {
			return nil, embargo.Errorf(embargo.KindConflict, "openvex.Files: two advisories are %s", a.Ref)
		}
		b, err := Document(a, pub)
		if err != nil {
			return nil, fmt.Errorf("openvex.Files: %w", err)
		}
		out[name] = b
	}
	return out, nil
}
