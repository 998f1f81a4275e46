package csaf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// products is the product side of one advisory: the product tree and what
// the vulnerability says of each product.
type products struct {
	tree         productTree
	affected     []string // product ids of the affected version ranges
	fixed        []string // product ids of the fixed versions
	remediations []remediation
}

// buildProducts lays out the affected packages as branches vendor (the
// project) → product_name (the package) → product_version_range (each
// affected range, in vers syntax) and product_version (each fixed version).
// Product ids are derived from what they name, so they stay the same
// across revisions of the advisory. An advisory without affected packages
// gets one product: the project, all versions.
func buildProducts(a embargo.Advisory, vendor, fixURL string) products {
	var ps products
	seen := map[string]bool{}
	var pkgs []branch
	var keys []embargo.AffectedProduct // ecosystem and package of each of pkgs
	index := map[string]int{}          // ecosystem and package → position in pkgs
	names := map[string]int{}          // branch names in use, to tell ecosystems apart
	for _, ap := range a.Affected {
		if ap.Package == "" {
			continue
		}
		key := ap.Ecosystem + "\x00" + ap.Package
		i, ok := index[key]
		if !ok {
			i = len(pkgs)
			index[key] = i
			pkgs = append(pkgs, branch{Category: "product_name", Name: ap.Package})
			keys = append(keys, embargo.AffectedProduct{Ecosystem: ap.Ecosystem, Package: ap.Package})
			names[ap.Package]++
		}
		scheme, base := versScheme(ap.Ecosystem), purl(ap.Ecosystem, ap.Package)
		for _, r := range ap.Ranges {
			vr := vers(scheme, r)
			id := productID(ap.Ecosystem, ap.Package, "range", vr)
			if !seen[id] {
				seen[id] = true
				pkgs[i].Branches = append(pkgs[i].Branches, branch{
					Category: "product_version_range", Name: vr,
					Product: &product{Name: ap.Package + " " + rangeText(r), ProductID: id, ProductIdentificationHelper: helper(base, "")},
				})
				ps.affected = append(ps.affected, id)
				ps.remediations = append(ps.remediations, remedy(ap.Package, r, id))
			}
			if r.Fixed == "" {
				continue
			}
			fid := productID(ap.Ecosystem, ap.Package, "version", r.Fixed)
			if seen[fid] {
				continue
			}
			seen[fid] = true
			pkgs[i].Branches = append(pkgs[i].Branches, branch{
				Category: "product_version", Name: r.Fixed,
				Product: &product{Name: ap.Package + " " + r.Fixed, ProductID: fid, ProductIdentificationHelper: helper(base, r.Fixed)},
			})
			ps.fixed = append(ps.fixed, fid)
		}
	}
	// A package without ranges says nothing about versions: all of them.
	for i, k := range keys {
		if len(pkgs[i].Branches) > 0 {
			continue
		}
		eco, pkg := k.Ecosystem, k.Package
		r := embargo.Range{Introduced: "0"}
		id := productID(eco, pkg, "range", "vers:all/*")
		pkgs[i].Branches = []branch{{Category: "product_version_range", Name: "vers:all/*",
			Product: &product{Name: pkg + " " + rangeText(r), ProductID: id, ProductIdentificationHelper: helper(purl(eco, pkg), "")}}}
		ps.affected = append(ps.affected, id)
		ps.remediations = append(ps.remediations, remedy(pkg, r, id))
	}
	// The same package name in two ecosystems: name the ecosystem.
	for i, k := range keys {
		if names[k.Package] > 1 {
			pkgs[i].Name = k.Package + " (" + k.Ecosystem + ")"
		}
	}
	if len(pkgs) == 0 {
		r := embargo.Range{Introduced: "0"}
		id := productID("", vendor, "range", "vers:all/*")
		pkgs = []branch{{Category: "product_name", Name: vendor, Branches: []branch{{
			Category: "product_version_range", Name: "vers:all/*",
			Product: &product{Name: vendor + " " + rangeText(r), ProductID: id},
		}}}}
		ps.affected = []string{id}
		ps.remediations = []remediation{{Category: "none_available", ProductIDs: []string{id},
			Details: "This advisory names no package or fixed version; its notes say what to do."}}
	}
	// A fix reference is the fix of the one fixed range there is; with
	// more, it could be the fix of any of them.
	if fixURL != "" {
		var fixes []int
		for i, r := range ps.remediations {
			if r.Category == "vendor_fix" {
				fixes = append(fixes, i)
			}
		}
		if len(fixes) == 1 {
			ps.remediations[fixes[0]].URL = fixURL
		}
	}
	ps.tree = productTree{Branches: []branch{{Category: "vendor", Name: vendor, Branches: pkgs}}}
	return ps
}

// productID names a product by a hash of what it is, so that the id does
// not move when other products are added or removed.
func productID(ecosystem, pkg, kind, value string) string {
	h := sha256.Sum256([]byte(ecosystem + "\x00" + pkg + "\x00" + kind + "\x00" + value))
	return "CSAFPID-" + strings.ToUpper(hex.EncodeToString(h[:6]))
}

func helper(purlBase, version string) *productIdentificationHelper {
	if purlBase == "" {
		return nil
	}
	if version != "" {
		if base, qualifiers, ok := strings.Cut(purlBase, "?"); ok {
			return &productIdentificationHelper{PURL: base + "@" + escape(version) + "?" + qualifiers}
		}
		return &productIdentificationHelper{PURL: purlBase + "@" + escape(version)}
	}
	return &productIdentificationHelper{PURL: purlBase}
}

// remedy is the remediation of one affected range: the fixed version, or
// none available yet.
func remedy(pkg string, r embargo.Range, id string) remediation {
	if r.Fixed == "" {
		return remediation{Category: "none_available", Details: fmt.Sprintf("No fixed version of %s is available yet.", pkg), ProductIDs: []string{id}}
	}
	return remediation{Category: "vendor_fix", Details: fmt.Sprintf("Update %s to version %s or later.", pkg, r.Fixed), ProductIDs: []string{id}}
}

// rangeText is a range as people read it: "< 1.2.5", ">= 1.0.0, < 1.2.5",
// "all versions".
func rangeText(r embargo.Range) string {
	from := r.Introduced
	if from == "0" {
		from = ""
	}
	switch {
	case from == "" && r.Fixed == "":
		return "(all versions)"
	case from == "":
		return "< " + r.Fixed
	case r.Fixed == "":
		return ">= " + from
	}
	return ">= " + from + ", < " + r.Fixed
}

// versScheme maps an OSV ecosystem to its vers versioning scheme (the purl
// type); ecosystems whose versions have no order vers knows are generic.
func versScheme(ecosystem string) string {
	switch ecosystem {
	case "Go":
		return "golang"
	case "npm":
		return "npm"
	case "PyPI":
		return "pypi"
	case "Maven":
		return "maven"
	case "crates.io":
		return "cargo"
	case "RubyGems":
		return "gem"
	case "NuGet":
		return "nuget"
	case "Packagist":
		return "composer"
	}
	return "generic"
}

// vers writes a range in the canonical vers syntax CSAF 2.0 asks for
// (section 3.1.2.3.2): "vers:golang/>=1.0.0|<1.2.5", "vers:npm/<2.0.1",
// and "vers:all/*" for all versions.
func vers(scheme string, r embargo.Range) string {
	from := r.Introduced
	if from == "0" {
		from = ""
	}
	if from == "" && r.Fixed == "" {
		return "vers:all/*"
	}
	var cs []string
	if from != "" {
		cs = append(cs, ">="+versEscape(from))
	}
	if r.Fixed != "" {
		cs = append(cs, "<"+versEscape(r.Fixed))
	}
	return "vers:" + scheme + "/" + strings.Join(cs, "|")
}

// versEscape percent-encodes the characters vers gives a meaning to.
func versEscape(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '%', '|', '<', '>', '=', '!', '*', '/', ' ':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// purl is the package URL of a package without version, or "" when the
// ecosystem has no purl type.
func purl(ecosystem, pkg string) string {
	switch ecosystem {
	case "Go":
		return "pkg:golang/" + escapePath(pkg)
	case "npm":
		return "pkg:npm/" + escapePath(pkg)
	case "PyPI":
		return "pkg:pypi/" + escape(strings.ToLower(strings.ReplaceAll(pkg, "_", "-")))
	case "Maven":
		group, artifact, ok := strings.Cut(pkg, ":")
		if !ok {
			return ""
		}
		return "pkg:maven/" + escape(group) + "/" + escape(artifact)
	case "crates.io":
		return "pkg:cargo/" + escape(pkg)
	case "RubyGems":
		return "pkg:gem/" + escape(pkg)
	case "NuGet":
		return "pkg:nuget/" + escape(pkg)
	case "Packagist":
		return "pkg:composer/" + escapePath(strings.ToLower(pkg))
	case "Docker":
		host, rest, ok := strings.Cut(pkg, "/")
		if ok && (strings.ContainsAny(host, ".:") || host == "localhost") {
			return "pkg:docker/" + escapePath(rest) + "?repository_url=" + escape(host)
		}
		return "pkg:docker/" + escapePath(pkg)
	case "GIT":
		name := pkg[strings.LastIndex(strings.TrimSuffix(pkg, "/"), "/")+1:]
		name = strings.TrimSuffix(strings.TrimSuffix(name, "/"), ".git")
		if name == "" {
			return ""
		}
		return "pkg:generic/" + escape(name) + "?vcs_url=" + escape("git+"+pkg)
	case "Generic":
		return "pkg:generic/" + escapePath(pkg)
	}
	return ""
}

// escapePath percent-encodes each "/"-separated segment.
func escapePath(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	return strings.Join(segs, "/")
}

// escape percent-encodes all but the unreserved characters of RFC 3986.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
