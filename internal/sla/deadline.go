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
//     business days counts from 00:00 of the next business day, and a clock
//     that starts at 00:00 runs out at the end of the Nth business day: 1bd
//     from Saturday is the end of Monday (Tuesday 00:00), 5bd from Sunday
//     the end of Friday.
//
// When a wall-clock time does not exist (the hour skipped by a DST change)
// it is normalised forward, as time.Date does.
func Deadline(start time.Time, d embargo.Duration, cal embargo.Calendar) (time.Time, bool) {
	loc := cal.Loc()
	switch d.Unit {
	case embargo.Hours:
		return start.Add(time.Duration(d.N) * time.Hour).UTC(), true
	case embargo.Days:
		return addDays(start.In(loc), d.N).UTC(), true
	case embargo.Weeks:
		return addDays(start.In(loc), 7*d.N).UTC(), true
	case embargo.BusinessDays:
		return addBusinessDays(start.In(loc), d.N, cal).UTC(), true
	}
	return time.Time{}, false
}

func addDays(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+n, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// nextDay returns the same wall-clock time on the following calendar day,
// keeping the requested clock time even after a DST-normalised day.
func nextDay(t time.Time, hh, mm, ss, ns int) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, hh, mm, ss, ns, t.Location())
}

func addBusinessDays(t time.Time, n int, cal embargo.Calendar) time.Time {
	if !cal.IsBusinessDay(t) {
		t = midnight(t)
		for !cal.IsBusinessDay(t) {
			t = nextDay(t, 0, 0, 0, 0)
		}
	}
	hh, mm, ss := t.Clock()
	ns := t.Nanosecond()
	if hh == 0 && mm == 0 && ss == 0 && ns == 0 {
		// A clock started at 00:00 runs out at the end of the Nth business
		// day counting the start day, not on the next one after a weekend.
		for counted := 1; counted < n; {
			t = nextDay(t, 0, 0, 0, 0)
			if cal.IsBusinessDay(t) {
				counted++
			}
		}
		return nextDay(t, 0, 0, 0, 0)
	}
	for counted := 0; counted < n; {
		t = nextDay(t, hh, mm, ss, ns)
		if cal.IsBusinessDay(t) {
			counted++
		}
	}
	return t
}
