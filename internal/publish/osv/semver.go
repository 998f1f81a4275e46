package osv

import (
	"regexp"
	"strings"
)

// semverPattern is SemVer 2.0.0's own regular expression (semver.org),
// without a leading "v".
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// ValidSemver reports whether v is a SemVer 2.0.0 version without a
// leading "v", as OSV SEMVER ranges hold them.
func ValidSemver(v string) bool { return semverPattern.MatchString(v) }

// CompareSemver compares two versions that ValidSemver accepts by SemVer
// precedence (build metadata ignored): -1, 0 or +1. An invalid version is
// lower than any valid one.
func CompareSemver(v, w string) int {
	mv, mw := semverPattern.FindStringSubmatch(v), semverPattern.FindStringSubmatch(w)
	switch {
	case mv == nil && mw == nil:
		return 0
	case mv == nil:
		return -1
	case mw == nil:
		return 1
	}
	for i := 1; i <= 3; i++ {
		if c := compareNumeric(mv[i], mw[i]); c != 0 {
			return c
		}
	}
	pv, pw := mv[4], mw[4]
	switch {
	case pv == pw:
		return 0
	case pv == "":
		return 1 // a release is above its pre-releases
	case pw == "":
		return -1
	}
	iv, iw := strings.Split(pv, "."), strings.Split(pw, ".")
	for i := 0; i < len(iv) && i < len(iw); i++ {
		if c := compareIdentifier(iv[i], iw[i]); c != 0 {
			return c
		}
	}
	return compareInt(len(iv), len(iw))
}

func compareIdentifier(a, b string) int {
	na, nb := numeric(a), numeric(b)
	switch {
	case na && nb:
		return compareNumeric(a, b)
	case na:
		return -1
	case nb:
		return 1
	}
	return strings.Compare(a, b)
}

// compareNumeric compares decimal strings without leading zeros of any
// length.
func compareNumeric(a, b string) int {
	if c := compareInt(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func numeric(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
