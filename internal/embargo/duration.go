package embargo

import (
	"fmt"
	"strconv"
	"strings"
)

// Unit is the unit of a policy Duration.
type Unit string

// Units a policy can promise a deadline in.
const (
	Hours        Unit = "h"
	Days         Unit = "d"
	BusinessDays Unit = "bd"
	Weeks        Unit = "w"
	// NextRelease has no fixed length: the deadline is the project's next
	// regular release, so no timer runs for it.
	NextRelease Unit = "next-release"
)

// MaxDurationAmount bounds a duration's number so that deadline arithmetic
// never overflows and a typo such as 4800000h is refused.
const MaxDurationAmount = 100000

// Duration is a promised time span as written in a policy: 48h, 5bd, 30d,
// 2w or next-release.
type Duration struct {
	N    int
	Unit Unit
}

// ParseDuration parses "48h", "5bd", "30d", "2w" or "next-release".
// It returns an ErrInvalid-kind error that says what is accepted.
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if t == string(NextRelease) {
		return Duration{Unit: NextRelease}, nil
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 || i == len(t) {
		return Duration{}, badDuration(s)
	}
	unit := Unit(t[i:])
	switch unit {
	case Hours, Days, BusinessDays, Weeks:
	default:
		return Duration{}, badDuration(s)
	}
	n, err := strconv.Atoi(t[:i])
	if err != nil || n <= 0 || n > MaxDurationAmount {
		return Duration{}, Errorf(KindInvalid, "duration %q: the number must be between 1 and %d", s, MaxDurationAmount)
	}
	return Duration{N: n, Unit: unit}, nil
}

func badDuration(s string) error {
	return Errorf(KindInvalid, "duration %q: want a number and a unit (48h, 30d, 5bd business days, 2w) or next-release", s)
}

// String returns the canonical policy spelling, which ParseDuration reads back.
func (d Duration) String() string {
	if d.Unit == NextRelease {
		return string(NextRelease)
	}
	return fmt.Sprintf("%d%s", d.N, d.Unit)
}

// IsZero reports whether d is unset.
func (d Duration) IsZero() bool { return d.Unit == "" }

// Human returns the duration in words: "48 hours", "5 business days",
// "the next release".
func (d Duration) Human() string {
	var word string
	switch d.Unit {
	case NextRelease:
		return "the next regular release"
	case Hours:
		word = "hour"
	case Days:
		word = "day"
	case BusinessDays:
		word = "business day"
	case Weeks:
		word = "week"
	default:
		return ""
	}
	if d.N != 1 {
		word += "s"
	}
	return fmt.Sprintf("%d %s", d.N, word)
}
