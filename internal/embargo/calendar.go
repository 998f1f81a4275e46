package embargo

import (
	"time"
)

// Calendar is a project's business calendar: the time zone its business
// days are counted in, its weekend and its holidays.
type Calendar struct {
	Location *time.Location
	Weekend  map[time.Weekday]bool
	// Holidays are calendar dates (year, month, day) in Location.
	Holidays map[Date]bool
}

// Date is a calendar date without a time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// DefaultCalendar is UTC with a Saturday and Sunday weekend and no holidays.
func DefaultCalendar() Calendar {
	return Calendar{
		Location: time.UTC,
		Weekend:  map[time.Weekday]bool{time.Saturday: true, time.Sunday: true},
		Holidays: map[Date]bool{},
	}
}

// IsBusinessDay reports whether the date of t in the calendar's zone is
// neither a weekend day nor a holiday.
func (c Calendar) IsBusinessDay(t time.Time) bool {
	l := t.In(c.loc())
	return !c.Weekend[l.Weekday()] && !c.Holidays[DateOf(l)]
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Loc returns the calendar's time zone, UTC when unset.
func (c Calendar) Loc() *time.Location { return c.loc() }
