package vulndb

import (
	"testing"

	"github.com/embargo-cvd/embargo/internal/publish/osv"
)

func TestFixedVersion(t *testing.T) {
	rg := func(intro, fixed string) osv.Range {
		r := osv.Range{Type: osv.RangeSemver, Events: []osv.Event{{Introduced: intro}}}
		if fixed != "" {
			r.Events = append(r.Events, osv.Event{Fixed: fixed})
		}
		return r
	}
	const mod = "example.com/m"
	af := func(rs ...osv.Range) osv.Affected {
		return osv.Affected{Package: osv.Package{Ecosystem: "Go", Name: mod}, Ranges: rs}
	}
	for _, tc := range []struct {
		name string
		in   []osv.Affected
		want string
	}{
		{"one range", []osv.Affected{af(rg("0", "1.2.3"))}, "1.2.3"},
		{"highest fix", []osv.Affected{af(rg("1.3.0", "1.3.4"), rg("0", "1.2.9"))}, "1.3.4"},
		{"numeric, not text, order", []osv.Affected{af(rg("0", "1.9.0"), rg("1.10.0", "1.10.1"))}, "1.10.1"},
		{"pre-release below release", []osv.Affected{af(rg("0", "2.0.0-rc.1"), rg("0", "2.0.0"))}, "2.0.0"},
		// x/vuln's own NonSupersededFix gets this wrong when the unfixed
		// range comes first: it would answer 1.2.0 and hide 1.4.0.
		{"unfixed later range first", []osv.Affected{af(rg("1.3.0", ""), rg("0", "1.2.0"))}, ""},
		{"unfixed overlapping range", []osv.Affected{af(rg("0", "1.2.0"), rg("1.0.0", ""))}, ""},
		{"no ranges", []osv.Affected{af()}, ""},
		{"two entries for the module", []osv.Affected{af(rg("0", "1.0.0")), af(rg("2.0.0", "2.0.5"))}, "2.0.5"},
		{"other module ignored", []osv.Affected{af(rg("0", "1.0.0")),
			{Package: osv.Package{Ecosystem: "Go", Name: "example.com/n"}, Ranges: []osv.Range{rg("0", "")}}}, "1.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fixedVersion(tc.in, mod); got != tc.want {
				t.Errorf("fixedVersion = %q, want %q", got, tc.want)
			}
		})
	}
}
