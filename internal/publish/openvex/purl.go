package openvex

import (
	"net/url"
	"strings"
)

// purl is a package URL (https://github.com/package-url/purl-spec) of a
// package of one of embargo.Ecosystems, at version (none when empty).
// Names are normalised as each purl type asks (npm, PyPI, Packagist and
// Docker lowercase; PyPI "_" as "-"); a Go version gets the "v" Go module
// versions have.
func purl(ecosystem, pkg, version string) string {
	pkg = strings.TrimSpace(pkg)
	version = strings.TrimSpace(version)
	var typ, namespace, name, qualifiers string
	switch ecosystem {
	case "Go":
		typ = "golang"
		namespace, name = splitLast(pkg, "/")
		if version != "" && version[0] >= '0' && version[0] <= '9' {
			version = "v" + version
		}
	case "npm":
		typ = "npm"
		pkg = strings.ToLower(pkg)
		if strings.HasPrefix(pkg, "@") {
			namespace, name = splitLast(pkg, "/")
		} else {
			name = pkg
		}
	case "PyPI":
		typ, name = "pypi", strings.ReplaceAll(strings.ToLower(pkg), "_", "-")
	case "Maven":
		typ = "maven"
		namespace, name = splitLast(pkg, ":")
	case "crates.io":
		typ, name = "cargo", pkg
	case "RubyGems":
		typ, name = "gem", pkg
	case "NuGet":
		typ, name = "nuget", pkg
	case "Packagist":
		typ = "composer"
		namespace, name = splitLast(strings.ToLower(pkg), "/")
	case "Docker":
		typ = "docker"
		image := strings.ToLower(pkg)
		if host, rest, ok := strings.Cut(image, "/"); ok && (strings.ContainsAny(host, ".:") || host == "localhost") {
			qualifiers = "repository_url=" + escape(host)
			image = rest
		}
		namespace, name = splitLast(image, "/")
	case "GIT":
		typ, namespace, name, qualifiers = gitPURL(pkg)
	default: // Generic, or an ecosystem Embargo does not know
		typ, name = "generic", pkg
	}
	var b strings.Builder
	b.WriteString("pkg:")
	b.WriteString(typ)
	b.WriteByte('/')
	if namespace != "" {
		for _, seg := range strings.Split(namespace, "/") {
			b.WriteString(escape(seg))
			b.WriteByte('/')
		}
	}
	b.WriteString(escape(name))
	if version != "" {
		b.WriteByte('@')
		b.WriteString(escape(version))
	}
	if qualifiers != "" {
		b.WriteByte('?')
		b.WriteString(qualifiers)
	}
	return b.String()
}

// gitPURL names a git repository by its URL: pkg:github or pkg:bitbucket
// for those hosts, else a generic package with its vcs_url.
func gitPURL(repo string) (typ, namespace, name, qualifiers string) {
	u, err := url.Parse(repo)
	if err != nil || u.Host == "" {
		return "generic", "", repo, ""
	}
	path := strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
	switch strings.ToLower(u.Hostname()) {
	case "github.com":
		namespace, name = splitLast(strings.ToLower(path), "/")
		return "github", namespace, name, ""
	case "bitbucket.org":
		namespace, name = splitLast(strings.ToLower(path), "/")
		return "bitbucket", namespace, name, ""
	}
	_, name = splitLast(path, "/")
	if name == "" {
		name = u.Hostname()
	}
	return "generic", "", name, "vcs_url=" + escape("git+"+repo)
}

// splitLast splits s at the last sep: namespace and name.
func splitLast(s, sep string) (string, string) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return strings.ReplaceAll(s[:i], sep, "/"), s[i+len(sep):]
	}
	return "", s
}

// escape percent-encodes all but the characters a purl component may hold
// as they are (letters, digits, ".", "-", "_", "~").
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
