package cve5

import (
	"net/url"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// ecosystem is how a package of an OSV ecosystem is named in a CVE record:
// the package collection it lives in (empty when there is none) and the
// versionType whose ordering its versions follow.
type ecosystem struct {
	collectionURL string
	versionType   string
}

// ecosystems maps embargo.Ecosystems to their collections, using the
// schema's own collectionURL examples (pkg.go.dev is what the Go CNA
// uses). Ecosystems whose ordering is none of the schema's named types get
// "custom".
var ecosystems = map[string]ecosystem{
	"Go":        {"https://pkg.go.dev", "semver"},
	"npm":       {"https://registry.npmjs.org", "semver"},
	"PyPI":      {"https://pypi.python.org", "python"},
	"Maven":     {"https://repo.maven.apache.org/maven2", "maven"},
	"crates.io": {"https://crates.io", "semver"},
	"RubyGems":  {"https://rubygems.org", "custom"},
	"NuGet":     {"https://nuget.org/packages", "semver"},
	"Packagist": {"https://packagist.org", "custom"},
	"Docker":    {"https://hub.docker.com", "custom"},
	"GIT":       {"", "git"},
	"Generic":   {"", "custom"},
}

// affectedProducts lists each affected package as a product of the
// publisher with its affected version ranges.
func affectedProducts(a embargo.Advisory, pub embargo.Publisher) []product {
	vendor := truncate(strings.TrimSpace(pub.Name), maxVendor)
	if vendor == "" {
		vendor = "N/A"
	}
	var out []product
	for _, ap := range a.Affected {
		name := strings.TrimSpace(ap.Package)
		if name == "" {
			continue
		}
		eco, ok := ecosystems[ap.Ecosystem]
		if !ok {
			eco = ecosystem{versionType: "custom"}
		}
		p := product{Vendor: vendor, Product: truncate(name, maxName), DefaultStatus: "unaffected"}
		if eco.collectionURL != "" {
			p.CollectionURL, p.PackageName = eco.collectionURL, truncate(name, maxName)
		}
		if ap.Ecosystem == "GIT" && isURL(name) {
			p.Repo = name
		}
		seenSym := map[string]bool{}
		for _, s := range ap.Symbols {
			if s = strings.TrimSpace(s); s != "" && !seenSym[s] {
				seenSym[s] = true
				p.ProgramRoutines = append(p.ProgramRoutines, routine{Name: s})
			}
		}
		seen := map[version]bool{}
		for _, r := range ap.Ranges {
			v := version{
				Version:     truncate(strings.TrimSpace(r.Introduced), maxVersion),
				Status:      "affected",
				VersionType: eco.versionType,
				LessThan:    truncate(strings.TrimSpace(r.Fixed), maxVersion),
			}
			if v.Version == "" {
				v.Version = "0"
			}
			if v.LessThan == "" {
				v.LessThan = "*"
			}
			if !seen[v] {
				seen[v] = true
				p.Versions = append(p.Versions, v)
			}
		}
		if len(p.Versions) == 0 {
			// No range: say so rather than claim every version safe.
			p.DefaultStatus = "affected"
		}
		out = append(out, p)
	}
	return out
}

// isURL reports whether s is an absolute http(s) URL.
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
