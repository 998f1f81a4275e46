package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/sla"
)

// funcs are the helpers every template may use.
var funcs = template.FuncMap{
	"kindClass":  func(k string) string { return strings.ReplaceAll(k, " ", "-") },
	"date":       date,
	"stageTitle": embargo.StageTitle,
	"timeLeft":   timeLeft,
	"until":      until,
	"event":      eventText,
	"join":       strings.Join,
	"statusText": statusText,
	"score":      func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"affected":   affectedText,
	"isNote":     func(e app.TimelineEntry) bool { return e.Audience == embargo.AudienceInternal },
	"hasState":   func(ss []embargo.State, s embargo.State) bool { return containsState(ss, s) },
	"dur":        app.HumanDuration,
	"deadline":   app.DeadlineText,
	"zone": func(p *embargo.Policy) string {
		if z := zoneOf(p); z != "" {
			return z
		}
		return "UTC"
	},
	"ymd":     func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pct":     func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	// Chart geometry: a 300-pixel bar per share, a 44-pixel row per stage.
	"barw":   func(f float64) int { return int(f*300 + 0.5) },
	"rowy":   func(i int) int { return 8 + i*44 },
	"texty":  func(i int) int { return 8 + i*44 + 21 },
	"charth": func(n int) int { return 16 + n*44 },
}

func containsState(ss []embargo.State, s embargo.State) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// date formats an instant for people: "Tue 25 Nov 2026 14:00 UTC".
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("Mon 2 Jan 2006 15:04 MST")
}

// until says how far away an instant is: "in 2 days 3 hours", "5 hours ago".
func until(due, now time.Time) string {
	d := due.Sub(now)
	if d < 0 {
		return span(-d) + " overdue"
	}
	return span(d) + " left"
}

// timeLeft describes a promised stage for people.
func timeLeft(t sla.Timer, now time.Time) string {
	switch t.Status {
	case sla.NotStarted:
		return "starts when the severity is set"
	case sla.Met:
		return "met " + date(t.Ended)
	case sla.MetLate:
		return "met late, " + date(t.Ended)
	case sla.Stopped:
		return "no longer applies"
	case sla.Paused:
		return "paused while waiting for information"
	}
	if t.Due.IsZero() {
		return "by the " + t.Duration.String()
	}
	return until(t.Due, now)
}

func statusText(s sla.Status) string { return strings.ReplaceAll(string(s), "-", " ") }

func span(d time.Duration) string {
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	plural := func(n int, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case days > 0 && hours > 0:
		return plural(days, "day") + " " + plural(hours, "hour")
	case days > 0:
		return plural(days, "day")
	case hours > 0:
		return plural(hours, "hour") + " " + plural(mins, "minute")
	}
	return plural(mins, "minute")
}

// eventText is one timeline line: what happened.
func eventText(e app.TimelineEntry) string {
	switch e.Kind {
	case embargo.EventSubmitted:
		return "submitted the report"
	case embargo.EventState:
		return fmt.Sprintf("changed the state from %s to %s", e.From, e.To)
	case embargo.EventMessage:
		return "wrote"
	case embargo.EventNote:
		return "added an internal note"
	case embargo.EventSeverity:
		if e.To == "" {
			return "cleared the severity"
		}
		if e.From == "" {
			return "set the severity to " + e.To
		}
		if e.From == e.To {
			return "confirmed the severity " + e.To
		}
		return fmt.Sprintf("changed the severity from %s to %s", e.From, e.To)
	case embargo.EventCVSS3, embargo.EventCVSS4:
		v := "CVSS v3.1"
		if e.Kind == embargo.EventCVSS4 {
			v = "CVSS v4.0"
		}
		if e.To == "" {
			return "cleared the " + v + " vector"
		}
		return "set the " + v + " vector to " + e.To
	case embargo.EventCWE:
		return "set the weaknesses to " + orNone(e.To)
	case embargo.EventAssignee:
		if e.To == "" {
			return "unassigned the report"
		}
		return "assigned the report to " + e.To
	case embargo.EventLabels:
		return "set the labels to " + orNone(e.To)
	case embargo.EventAffected:
		return "set the affected versions to " + orNone(e.To)
	case embargo.EventCredit:
		return "changed the credit preference to " + e.To
	case embargo.EventDuplicate:
		if e.To == string(embargo.StateDuplicate) {
			return "closed the report as a duplicate"
		}
		return "recorded a duplicate: " + e.From
	case embargo.EventAttachment:
		return "added files"
	case embargo.EventCollaborator:
		return "invited a collaborator: " + e.To
	case embargo.EventSLA:
		if e.To == "breach" {
			return "recorded a missed deadline (" + strings.ToLower(embargo.StageTitle(e.From)) + ")"
		}
		return "sent a reminder (" + strings.ToLower(embargo.StageTitle(e.From)) + ", " + strings.TrimPrefix(e.To, "reminder:") + " left)"
	case embargo.EventPolicy:
		return fmt.Sprintf("re-applied the promises of policy revision %s (was %s)", e.To, e.From)
	case embargo.EventAdvisory:
		return e.From + " the advisory " + e.To
	case embargo.EventDisclosure:
		at, err := time.Parse(time.RFC3339, e.To)
		when := e.To
		if err == nil {
			when = app.DeadlineText(at)
		}
		if e.From == "agreed" {
			return "agreed to disclose on " + when
		}
		return "proposed to disclose on " + when
	}
	return string(e.Kind)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func affectedText(as []embargo.Affected) string {
	var lines []string
	for _, a := range as {
		for _, r := range a.Ranges {
			l := a.Ecosystem + " " + a.Package + " " + r.Introduced
			if r.Fixed != "" {
				l += " " + r.Fixed
			}
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
