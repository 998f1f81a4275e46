package sla

import (
	"sort"
	"strconv"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Action kinds.
const (
	Remind = "reminder"
	Breach = "breach"
)

// Action is something the SLA engine does for one running stage: a
// reminder at an offset before its deadline, or the escalation and breach
// record at the deadline.
type Action struct {
	Stage  string
	Kind   string
	Offset embargo.Duration // reminders only
	// At is when the action is due; Due is the deadline it is about.
	At, Due time.Time
}

// Key identifies an action among a report's actions taken. It names the
// deadline, so a deadline that moves (a new severity, a pause) gets new
// reminders, while one that stays is never reminded of twice.
func (a Action) Key() string {
	k := a.Stage + ":" + a.Kind
	if a.Kind == Remind {
		k += ":" + a.Offset.String()
	}
	return k + "@" + strconv.FormatInt(a.Due.Unix(), 10)
}

// To is the value an SLA event records ("reminder:24h", "breach").
func (a Action) To() string {
	if a.Kind == Remind {
		return Remind + ":" + a.Offset.String()
	}
	return Breach
}

// offset is a reminder offset as a duration: hours, days of 24 hours, or
// weeks (the policy refuses business days for reminders).
func offset(d embargo.Duration) time.Duration {
	switch d.Unit {
	case embargo.Days:
		return time.Duration(d.N) * 24 * time.Hour
	case embargo.Weeks:
		return time.Duration(d.N) * 7 * 24 * time.Hour
	default:
		return time.Duration(d.N) * time.Hour
	}
}

// Actions lists the actions of the stages that run (or have run late)
// with a fixed deadline, in time order: a reminder at each of the
// policy's offsets before the deadline that falls after the stage started,
// and the breach at the deadline. Paused stages and stages that ended have
// none: their clock is not running.
func Actions(pol *embargo.Policy, timers []Timer) []Action {
	var out []Action
	for _, t := range timers {
		if (t.Status != Running && t.Status != Breached) || t.Due.IsZero() {
			continue
		}
		for _, o := range pol.SLA.Reminders {
			at := t.Due.Add(-offset(o))
			if at.After(t.Start) {
				out = append(out, Action{Stage: t.Stage, Kind: Remind, Offset: o, At: at, Due: t.Due})
			}
		}
		out = append(out, Action{Stage: t.Stage, Kind: Breach, At: t.Due, Due: t.Due})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// Plan splits a report's pending actions at now: those to take (for each
// stage only the most urgent one that is due: after downtime a stage whose
// 24h and 1h reminders and deadline have all passed gets its breach, not
// three messages), those to record as skipped, and when the next pending
// one falls due (zero when none).
func Plan(actions []Action, done map[string]bool, now time.Time) (take, skip []Action, next time.Time) {
	latest := map[string]int{}
	for i, a := range actions {
		if done[a.Key()] || a.At.After(now) {
			continue
		}
		if j, ok := latest[a.Stage]; ok {
			skip = append(skip, actions[j])
		}
		latest[a.Stage] = i
	}
	for i, a := range actions {
		if done[a.Key()] {
			continue
		}
		if j, ok := latest[a.Stage]; ok && j == i {
			take = append(take, a)
			continue
		}
		if a.At.After(now) && (next.IsZero() || a.At.Before(next)) {
			next = a.At
		}
	}
	return take, skip, next
}
