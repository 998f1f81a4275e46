package embargo

import (
	"math"
	"strconv"
	"strings"
)

// VersionRange is a parsed entry of a supported-versions table. It is either
// concrete (an interval of version numbers such as "0.1.x", "< 1.0" or
// ">= 1.2, < 2.0") or relative to the newest release ("latest", "N",
// "N-1", "< N-1", "< latest").
type VersionRange struct {
	// Relative ranges count releases back from the newest: latest is
	// [0,0], N-1 is [1,1], "< N-1" is [2,inf).
	Relative       bool
	RelLo, RelHi   int
	Lo, Hi         Version // concrete interval [Lo, Hi) or [Lo, Hi]
	LoOpen, HiOpen bool    // whether the bound is excluded
	HasLo, HasHi   bool
}

// Version is a dotted numeric version; missing parts are zero.
type Version [3]int

// Compare returns -1, 0 or 1.
func (v Version) Compare(w Version) int {
	for i := range v {
		if v[i] != w[i] {
			if v[i] < w[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// String formats the version as major.minor.patch.
func (v Version) String() string {
	return strconv.Itoa(v[0]) + "." + strconv.Itoa(v[1]) + "." + strconv.Itoa(v[2])
}

// ParseVersionRange reads a supported-versions entry. It returns an
// ErrInvalid-kind error naming the accepted forms.
func ParseVersionRange(s string) (VersionRange, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "v")
	if t == "" {
		return VersionRange{}, Errorf(KindInvalid, "version range is empty")
	}
	if r, ok := parseRelative(t); ok {
		return r, nil
	}
	r := VersionRange{}
	parts := strings.FieldsFunc(t, func(c rune) bool { return c == ',' })
	if len(parts) == 1 && !strings.ContainsAny(t, "<>=") {
		// A bare version or wildcard: 1.2.x, 1.x, 1.2.*, 1.2, 1.2.3
		lo, hi, ok := wildcard(t)
		if !ok {
			return VersionRange{}, badRange(s)
		}
		return VersionRange{Lo: lo, Hi: hi, HasLo: true, HasHi: true, HiOpen: true}, nil
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		op, rest := splitOp(p)
		rest = strings.TrimPrefix(strings.TrimSpace(rest), "v")
		v, ok := parseVersion(rest)
		if !ok && op != "=" {
			// "< 3.6.x" compares against the 3.6 line: below it is below
			// 3.6.0, up to and including it is below 3.7.0.
			if lo, hi, wok := wildcard(rest); wok && (strings.HasSuffix(rest, ".x") || strings.HasSuffix(rest, ".*")) {
				switch op {
				case "<", ">=":
					v, ok = lo, true
				case "<=":
					v, ok, op = hi, true, "<"
				case ">":
					v, ok, op = hi, true, ">="
				}
			}
		}
		if !ok || op == "" || (op == "=" && len(parts) > 1) {
			return VersionRange{}, badRange(s)
		}
		switch op {
		case "<", "<=":
			if r.HasHi {
				return VersionRange{}, badRange(s)
			}
			r.Hi, r.HasHi, r.HiOpen = v, true, op == "<"
		case ">", ">=":
			if r.HasLo {
				return VersionRange{}, badRange(s)
			}
			r.Lo, r.HasLo, r.LoOpen = v, true, op == ">"
		case "=":
			r.Lo, r.Hi, r.HasLo, r.HasHi = v, v, true, true
		}
	}
	if r.HasLo && r.HasHi {
		c := r.Lo.Compare(r.Hi)
		if c > 0 || c == 0 && (r.LoOpen || r.HiOpen) {
			return VersionRange{}, Errorf(KindInvalid, "version range %q is empty: its lower bound is not below its upper bound", s)
		}
	}
	return r, nil
}

func badRange(s string) error {
	return Errorf(KindInvalid, "version range %q: want latest, N, N-1, < N-1, a version (1.2, 1.2.x, 1.2.3) or comparisons (< 1.0, >= 1.2, < 2.0)", s)
}

func splitOp(p string) (string, string) {
	for _, op := range []string{"<=", ">=", "<", ">", "="} {
		if strings.HasPrefix(p, op) {
			return op, p[len(op):]
		}
	}
	return "", p
}

func parseRelative(t string) (VersionRange, bool) {
	lt := false
	if strings.HasPrefix(t, "<") {
		lt = true
		t = strings.TrimSpace(t[1:])
	}
	k := -1
	switch {
	case t == "latest" || t == "n" || t == "latest minor" || t == "latest release" || latestOfLine(t):
		k = 0
	case strings.HasPrefix(t, "n"):
		rest := strings.TrimSpace(t[1:])
		if !strings.HasPrefix(rest, "-") {
			return VersionRange{}, false
		}
		n, ok := digits(strings.TrimSpace(rest[1:]))
		if !ok || n > 1000 {
			return VersionRange{}, false
		}
		k = n
	default:
		return VersionRange{}, false
	}
	if lt {
		return VersionRange{Relative: true, RelLo: k + 1, RelHi: math.MaxInt}, true
	}
	return VersionRange{Relative: true, RelLo: k, RelHi: k}, true
}

// latestOfLine reads "2.latest" (the newest release of the 2.x line) as
// the newest release.
func latestOfLine(t string) bool {
	head, ok := strings.CutSuffix(t, ".latest")
	if !ok {
		return false
	}
	_, ok = parseVersion(head)
	return ok
}

func parseVersion(s string) (Version, bool) {
	var v Version
	f := strings.Split(s, ".")
	if len(f) == 0 || len(f) > 3 {
		return v, false
	}
	for i, x := range f {
		n, ok := digits(x)
		if !ok {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

// maxComponent bounds a version component so arithmetic on it is safe.
const maxComponent = 1_000_000_000

// digits parses a non-empty string of ASCII digits, no sign, at most
// maxComponent.
func digits(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= maxComponent
}

// wildcard turns 1.2.x / 1.2.* / 1.2 into [1.2.0, 1.3.0), 1.x into
// [1.0.0, 2.0.0) and 1.2.3 into [1.2.3, 1.2.4).
func wildcard(t string) (Version, Version, bool) {
	f := strings.Split(t, ".")
	wild := false
	if n := len(f); n > 1 && (f[n-1] == "x" || f[n-1] == "*") {
		f, wild = f[:n-1], true
	}
	if len(f) == 0 || len(f) > 3 || wild && len(f) == 3 {
		return Version{}, Version{}, false
	}
	lo, ok := parseVersion(strings.Join(f, "."))
	if !ok {
		return Version{}, Version{}, false
	}
	hi := lo
	i := len(f) - 1
	if len(f) == 2 && !strings.HasSuffix(t, ".x") && !strings.HasSuffix(t, ".*") {
		i = 1 // "1.2" means the 1.2 line
	}
	hi[i]++
	return lo, hi, true
}

// Overlaps reports whether two ranges share a version. A relative and a
// concrete range cannot be compared and never overlap.
func (r VersionRange) Overlaps(o VersionRange) bool {
	if r.Relative != o.Relative {
		return false
	}
	if r.Relative {
		return r.RelLo <= o.RelHi && o.RelLo <= r.RelHi
	}
	return below(r, o) && below(o, r)
}

// below reports whether a's lower bound is under b's upper bound, so that
// the intervals can meet from that side.
func below(a, b VersionRange) bool {
	if !a.HasLo || !b.HasHi {
		return true
	}
	c := a.Lo.Compare(b.Hi)
	if c < 0 {
		return true
	}
	return c == 0 && !a.LoOpen && !b.HiOpen
}
