// Package sla turns a policy's promises into deadlines. The arithmetic here
// is pure: instants in, instants out, no clock and no I/O.
package sla

import (
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Deadline returns the instant a promise of d made at start falls due, in
// UTC. ok is false for next-release, which has no fixed instant.
//
//   - Hours are elapsed time: 48h is exactly 48 hours later.
//   - Days and weeks are calendar days in the calendar's time zone: 30d from
//     Tue 14:00 is the same wall-clock time 30 days later, across DST changes.
//   - Business days skip the calendar's weekend and holidays: Nbd is the same
//     wall-clock time on the Nth business day after start. A start outside
//     business days counts from the start of the next business day, and a
//     clock that starts at the start of a day runs out at the end of the
//     Nth business day: 1bd from Saturday is the end of Monday, 5bd from
//     Sunday the end of Friday.
//
// Counting is done on calendar dates and turned into an instant once. A
// wall-clock time that does not exist (skipped by a DST change) becomes the
// first instant after the gap; the start of a day is its first instant,
// even where midnight itself is skipped.
func Deadline(start time.Time, d embargo.Duration, cal embargo.Calendar) (time.Time, bool) {
	loc := cal.Loc()
	switch d.Unit {
	case embargo.Hours:
		return start.Add(time.Duration(d.N) * time.Hour).UTC(), true
	case embargo.Days, embargo.Weeks:
		n := d.N
		if d.Unit == embargo.Weeks {
			n *= 7
		}
		t := start.In(loc)
		return at(addDate(embargo.DateOf(t), n), clockOf(t), loc).UTC(), true
	case embargo.BusinessDays:
		return addBusinessDays(start.In(loc), d.N, cal).UTC(), true
	}
	return time.Time{}, false
}

// clock is a wall-clock time of day.
type clock struct{ h, m, s, ns int }

func clockOf(t time.Time) clock {
	h, m, s := t.Clock()
	return clock{h, m, s, t.Nanosecond()}
}

// addDate moves a date by n calendar days (computed in UTC, where every
// day exists and has 24 hours).
func addDate(d embargo.Date, n int) embargo.Date {
	return embargo.DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// startOfDay returns the first instant of date d in loc.
func startOfDay(d embargo.Date, loc *time.Location) time.Time {
	return at(d, clock{}, loc)
}

// at returns the instant of wall clock c on date d in loc. When c does not
// exist on d (a DST gap), it returns the first instant after the gap.
func at(d embargo.Date, c clock, loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, c.h, c.m, c.s, c.ns, loc)
	l := t.In(loc)
	if embargo.DateOf(l) == d && clockOf(l) == c {
		return t
	}
	// In a gap time.Date may land before or after it; the gap ends at a
	// zone transition next to t.
	lo, hi := t.ZoneBounds()
	if !hi.IsZero() && wallAfterOrAt(hi.In(loc), d, c) && (lo.IsZero() || !wallAfterOrAt(lo.In(loc), d, c)) {
		return hi
	}
	if !lo.IsZero() && wallAfterOrAt(lo.In(loc), d, c) {
		return lo
	}
	return t
}

// wallAfterOrAt reports whether t's local date and clock are at or after
// date d and clock c.
func wallAfterOrAt(t time.Time, d embargo.Date, c clock) bool {
	td := embargo.DateOf(t)
	if td != d {
		return time.Date(td.Year, td.Month, td.Day, 0, 0, 0, 0, time.UTC).After(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC))
	}
	tc := clockOf(t)
	return [4]int{tc.h, tc.m, tc.s, tc.ns} == [4]int{c.h, c.m, c.s, c.ns} || !lessClock(tc, c)
}

func lessClock(a, b clock) bool {
	if a.h != b.h {
		return a.h < b.h
	}
	if a.m != b.m {
		return a.m < b.m
	}
	if a.s != b.s {
		return a.s < b.s
	}
	return a.ns < b.ns
}

func isBusinessDate(d embargo.Date, cal embargo.Calendar) bool {
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
	return !cal.Weekend[wd] && !cal.Holidays[d]
}

// nextBusinessDate returns the first business date after d. A calendar
// has at least one business weekday (the policy reader refuses seven
// weekend days), so this ends within a week plus the holidays.
func nextBusinessDate(d embargo.Date, cal embargo.Calendar) embargo.Date {
	for i := 0; i < 7+len(cal.Holidays)+1; i++ {
		d = addDate(d, 1)
		if isBusinessDate(d, cal) {
			return d
		}
	}
	return d
}

func addBusinessDays(t time.Time, n int, cal embargo.Calendar) time.Time {
	loc := t.Location()
	d, c := embargo.DateOf(t), clockOf(t)
	if !isBusinessDate(d, cal) {
		d, c = nextBusinessDate(d, cal), clock{}
	}
	if t.Equal(startOfDay(d, loc)) || c == (clock{}) {
		// Counting from the start of a day: the deadline is the end of the
		// Nth business day, counting this one.
		for i := 1; i < n; i++ {
			d = nextBusinessDate(d, cal)
		}
		return startOfDay(addDate(d, 1), loc)
	}
	for i := 0; i < n; i++ {
		d = nextBusinessDate(d, cal)
	}
	return at(d, c, loc)
}
