package osv

import (
	"regexp"
	"slices"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// rangeTypes maps Embargo's ecosystems to the OSV range type their versions
// take. Docker and Generic are absent: OSV has no such ecosystems.
var rangeTypes = map[string]string{
	"Go":        RangeSemver,
	"npm":       RangeSemver,
	"crates.io": RangeSemver,
	"PyPI":      RangeEcosystem,
	"Maven":     RangeEcosystem,
	"RubyGems":  RangeEcosystem,
	"NuGet":     RangeEcosystem,
	"Packagist": RangeEcosystem,
	"GIT":       RangeGit,
}

// Omitted reports whether packages of the ecosystem are left out of OSV
// entries because OSV has no such ecosystem (Docker, Generic).
func Omitted(ecosystem string) bool {
	_, ok := rangeTypes[ecosystem]
	return !ok && slices.Contains(embargo.Ecosystems, ecosystem)
}

var commitHash = regexp.MustCompile(`^(0|[a-f0-9]{40}|[a-f0-9]{64})$`)

// affected converts p; ok is false for a package of an ecosystem OSV does
// not have.
func affected(p embargo.AffectedProduct) (af Affected, ok bool, err error) {
	typ, known := rangeTypes[p.Ecosystem]
	if !known {
		if Omitted(p.Ecosystem) {
			return Affected{}, false, nil
		}
		return Affected{}, false, embargo.Errorf(embargo.KindInvalid, "unknown ecosystem %q", p.Ecosystem)
	}
	name := strings.TrimSpace(p.Package)
	if name == "" {
		return Affected{}, false, embargo.Errorf(embargo.KindInvalid, "an affected %s package has no name", p.Ecosystem)
	}
	af.Package = Package{Ecosystem: p.Ecosystem, Name: name}
	if typ == RangeGit {
		for _, r := range p.Ranges {
			if !commitHash.MatchString(r.Introduced) || (r.Fixed != "" && !commitHash.MatchString(r.Fixed)) {
				typ = RangeEcosystem // tags, not commits
			}
		}
	}
	for _, r := range p.Ranges {
		intro, fixed := strings.TrimSpace(r.Introduced), strings.TrimSpace(r.Fixed)
		if intro == "" {
			intro = "0"
		}
		if typ == RangeSemver {
			intro, fixed = strings.TrimPrefix(intro, "v"), strings.TrimPrefix(fixed, "v")
			for _, v := range []string{intro, fixed} {
				if v != "" && v != "0" && !ValidSemver(v) {
					return Affected{}, false, embargo.Errorf(embargo.KindInvalid, "%s %s: %q is not a semantic version (MAJOR.MINOR.PATCH)", p.Ecosystem, name, v)
				}
			}
			if fixed != "" && intro != "0" && CompareSemver(fixed, intro) <= 0 {
				return Affected{}, false, embargo.Errorf(embargo.KindInvalid, "%s %s: the range is fixed in %s, not after it was introduced in %s", p.Ecosystem, name, fixed, intro)
			}
		}
		rg := Range{Type: typ, Events: []Event{{Introduced: intro}}}
		if typ == RangeGit {
			rg.Repo = name
		}
		if fixed != "" {
			rg.Events = append(rg.Events, Event{Fixed: fixed})
		}
		af.Ranges = append(af.Ranges, rg)
	}
	if p.Ecosystem == "Go" && len(p.Symbols) > 0 {
		imports, err := goImports(name, p.Symbols)
		if err != nil {
			return Affected{}, false, err
		}
		af.EcosystemSpecific = &EcosystemSpecific{Imports: imports}
	}
	return af, true, nil
}

// goImports groups Go symbols by package. A symbol is "Func" or
// "Type.Method" in the module's root package, optionally qualified by the
// root package's name ("vulnlib.Func"), or qualified by the import path of
// a package in the module ("example.com/mod/sub.Type.Method"). "(*T).M" is
// written "T.M", as the Go vulnerability database writes it.
func goImports(module string, symbols []string) ([]Import, error) {
	byPath := map[string][]string{}
	root := rootPackageName(module)
	for _, s := range symbols {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		s = strings.NewReplacer("(*", "", "(", "", ")", "").Replace(s)
		path, sym := module, s
		switch {
		case strings.HasPrefix(s, module+"."):
			sym = s[len(module)+1:]
		case strings.HasPrefix(s, module+"/"):
			rest := s[len(module)+1:]
			slash := strings.LastIndex(rest, "/") + 1
			dot := strings.Index(rest[slash:], ".")
			if dot < 0 {
				return nil, embargo.Errorf(embargo.KindInvalid, "Go symbol %q names a package but no function", s)
			}
			path, sym = module+"/"+rest[:slash+dot], rest[slash+dot+1:]
		case strings.Contains(s, "/"):
			return nil, embargo.Errorf(embargo.KindInvalid, "Go symbol %q is not in module %s", s, module)
		case root != "" && strings.HasPrefix(s, root+"."):
			sym = s[len(root)+1:]
		}
		if sym == "" || strings.HasPrefix(sym, ".") || strings.HasSuffix(sym, ".") || strings.Count(sym, ".") > 1 {
			return nil, embargo.Errorf(embargo.KindInvalid, "Go symbol %q: write Func or Type.Method, optionally after the package path", s)
		}
		if !slices.Contains(byPath[path], sym) {
			byPath[path] = append(byPath[path], sym)
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	imports := make([]Import, 0, len(paths))
	for _, p := range paths {
		syms := byPath[p]
		slices.Sort(syms)
		imports = append(imports, Import{Path: p, Symbols: syms})
	}
	return imports, nil
}

// rootPackageName guesses the name of a module's root package: the last
// path element, without a major-version element ("/v2") or suffix (".v3").
func rootPackageName(module string) string {
	elems := strings.Split(module, "/")
	last := elems[len(elems)-1]
	if majorVersion.MatchString(last) && len(elems) > 1 {
		last = elems[len(elems)-2]
	}
	if i := strings.LastIndex(last, ".v"); i > 0 && majorVersion.MatchString(last[i+1:]) {
		last = last[:i]
	}
	return last
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)
