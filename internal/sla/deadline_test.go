package sla

import (
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func dur(t *testing.T, s string) embargo.Duration {
	t.Helper()
	d, err := embargo.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeadline(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	utc := embargo.DefaultCalendar()
	de := embargo.Calendar{Location: berlin, Weekend: utc.Weekend, Holidays: map[embargo.Date]bool{
		{Year: 2026, Month: 12, Day: 24}: true, {Year: 2026, Month: 12, Day: 25}: true,
		{Year: 2026, Month: 12, Day: 26}: true, {Year: 2026, Month: 12, Day: 31}: true,
		{Year: 2027, Month: 1, Day: 1}: true,
	}}
	nyc := embargo.Calendar{Location: ny, Weekend: utc.Weekend}
	friSat := embargo.Calendar{Location: time.UTC, Weekend: map[time.Weekday]bool{time.Friday: true, time.Saturday: true}}

	tests := []struct {
		name  string
		start string // RFC 3339
		d     string
		cal   embargo.Calendar
		want  string // RFC 3339 in UTC
	}{
		{"48h is elapsed time", "2026-11-23T14:00:00Z", "48h", utc, "2026-11-25T14:00:00Z"},
		{"48h across a weekend still 48h", "2026-11-27T14:00:00Z", "48h", utc, "2026-11-29T14:00:00Z"},
		{"hours across DST are elapsed hours", "2026-03-28T12:00:00+01:00", "24h", de, "2026-03-29T11:00:00Z"},
		{"days keep wall clock across spring DST", "2026-03-28T12:00:00+01:00", "1d", de, "2026-03-29T10:00:00Z"},
		{"days keep wall clock across autumn DST", "2026-10-24T12:00:00+02:00", "1d", de, "2026-10-25T11:00:00Z"},
		{"30d", "2026-11-23T09:30:00Z", "30d", utc, "2026-12-23T09:30:00Z"},
		{"2w", "2026-11-23T09:30:00Z", "2w", utc, "2026-12-07T09:30:00Z"},
		{"1bd Monday to Tuesday", "2026-11-23T10:00:00Z", "1bd", utc, "2026-11-24T10:00:00Z"},
		{"1bd Friday to Monday", "2026-11-27T10:00:00Z", "1bd", utc, "2026-11-30T10:00:00Z"},
		{"5bd Monday to next Monday", "2026-11-23T10:00:00Z", "5bd", utc, "2026-11-30T10:00:00Z"},
		{"3bd Wednesday to Monday", "2026-11-25T16:00:00Z", "3bd", utc, "2026-11-30T16:00:00Z"},
		{"start on Saturday counts from Monday 00:00", "2026-11-28T15:00:00Z", "1bd", utc, "2026-12-01T00:00:00Z"},
		{"start on Sunday, 5bd", "2026-11-29T23:59:00Z", "5bd", utc, "2026-12-05T00:00:00Z"},
		{"start on a holiday counts from the next business day", "2026-12-24T10:00:00+01:00", "1bd", de, "2026-12-28T23:00:00Z"},
		{"5bd spanning the year end with holidays", "2026-12-22T09:00:00+01:00", "5bd", de, "2027-01-04T08:00:00Z"},
		{"business days in the calendar's zone, not UTC", "2026-11-27T23:30:00Z", "1bd", de, "2026-11-30T23:00:00Z"},
		{"business days keep wall clock across DST", "2026-10-23T09:00:00+02:00", "1bd", de, "2026-10-26T08:00:00Z"},
		{"New York business day across DST end", "2026-10-30T17:00:00-04:00", "1bd", nyc, "2026-11-02T22:00:00Z"},
		{"Friday-Saturday weekend", "2026-11-26T10:00:00Z", "1bd", friSat, "2026-11-29T10:00:00Z"},
		{"Monday 00:00 plus 5bd is the end of Friday", "2026-11-23T00:00:00Z", "5bd", utc, "2026-11-28T00:00:00Z"},
		{"Thursday 00:00 plus 2bd is the end of Friday", "2026-11-26T00:00:00Z", "2bd", utc, "2026-11-28T00:00:00Z"},
		{"10bd spans two weekends", "2026-11-23T10:00:00Z", "10bd", utc, "2026-12-07T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, err := time.Parse(time.RFC3339, tt.start)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := Deadline(start, dur(t, tt.d), tt.cal)
			if !ok {
				t.Fatal("no deadline")
			}
			if w := got.Format(time.RFC3339); w != tt.want {
				t.Errorf("Deadline(%s, %s) = %s, want %s", tt.start, tt.d, w, tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("deadline not in UTC: %v", got.Location())
			}
		})
	}
}

// TestDeadlineAcrossMidnightDSTGaps covers zones whose clocks skip
// midnight itself: the count must end, and the start of a day is its first
// real instant.
func TestDeadlineAcrossMidnightDSTGaps(t *testing.T) {
	sat := map[time.Weekday]bool{time.Saturday: true, time.Sunday: true}
	tests := []struct {
		zone, start, d, want string
	}{
		// Santiago skips 2026-09-06 00:00 -> 01:00 (Sunday).
		{"America/Santiago", "2026-09-05T10:00:00-04:00", "1bd", "2026-09-08T00:00:00-03:00"},
		{"America/Santiago", "2026-09-04T00:30:00-04:00", "1bd", "2026-09-07T00:30:00-03:00"},
		{"America/Santiago", "2026-09-05T12:00:00-04:00", "1d", "2026-09-06T12:00:00-03:00"},
		// Havana skips 2026-03-08 00:00 -> 01:00 (Sunday).
		{"America/Havana", "2026-03-07T09:00:00-05:00", "1bd", "2026-03-10T00:00:00-04:00"},
		// Tehran skipped 2021-03-22 00:00 -> 01:00 (Monday): the start of
		// that Monday is 01:00, so Tuesday 00:00 ends one business day.
		{"Asia/Tehran", "2021-03-20T10:00:00+03:30", "1bd", "2021-03-23T00:00:00+04:30"},
		// A date whose midnight does not exist, asked for directly.
		{"America/Santiago", "2026-09-03T00:00:00-04:00", "2bd", "2026-09-05T00:00:00-04:00"},
	}
	for _, tt := range tests {
		loc := mustLoc(t, tt.zone)
		cal := embargo.Calendar{Location: loc, Weekend: sat}
		start, _ := time.Parse(time.RFC3339, tt.start)
		done := make(chan time.Time, 1)
		go func() {
			got, _ := Deadline(start, dur(t, tt.d), cal)
			done <- got
		}()
		select {
		case got := <-done:
			want, _ := time.Parse(time.RFC3339, tt.want)
			if !got.Equal(want) {
				t.Errorf("%s %s + %s = %s, want %s", tt.zone, tt.start, tt.d, got.In(loc).Format(time.RFC3339), tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s %s + %s does not return", tt.zone, tt.start, tt.d)
		}
	}
}

// FuzzDeadline checks that deadlines end, never precede the start, and
// land on a business day (or the instant right after one) in any zone.
func FuzzDeadline(f *testing.F) {
	f.Add(int64(1788624000), uint8(1), uint8(0))
	f.Add(int64(1615600000), uint8(5), uint8(3))
	zones := []string{"UTC", "America/Santiago", "America/Havana", "Asia/Tehran", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Apia"}
	f.Fuzz(func(t *testing.T, unix int64, n uint8, zone uint8) {
		if unix < 0 || unix > 4102444800 || n == 0 || n > 60 {
			return
		}
		loc, err := time.LoadLocation(zones[int(zone)%len(zones)])
		if err != nil {
			t.Fatal(err) // tzdata is embedded: every zone loads
		}
		cal := embargo.Calendar{Location: loc, Weekend: map[time.Weekday]bool{time.Saturday: true, time.Sunday: true}}
		start := time.Unix(unix, 0)
		got, ok := Deadline(start, embargo.Duration{N: int(n), Unit: embargo.BusinessDays}, cal)
		if !ok || !got.After(start) {
			t.Fatalf("deadline %v not after start %v", got, start)
		}
		if got.Sub(start) > time.Duration(n)*7*24*time.Hour/5+4*24*time.Hour {
			t.Fatalf("%dbd from %v took until %v", n, start, got)
		}
	})
}

func TestNextReleaseHasNoDeadline(t *testing.T) {
	if _, ok := Deadline(time.Now(), dur(t, "next-release"), embargo.DefaultCalendar()); ok {
		t.Fatal("next-release produced a fixed deadline")
	}
}

func BenchmarkDeadline100bd(b *testing.B) {
	cal := embargo.DefaultCalendar()
	d := embargo.Duration{N: 100, Unit: embargo.BusinessDays}
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for b.Loop() {
		Deadline(start, d, cal)
	}
}
