package sla

import (
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Event is something that happened to a report, as the timers see it.
type Event struct {
	At time.Time
	// To is the state the report moved to; empty for a severity change.
	To embargo.State
	// Severity is set when the severity was assigned or changed.
	Severity string
}

// Status is where one promised stage stands.
type Status string

// Stage statuses.
const (
	NotStarted Status = "not-started" // waits for its start event (fix: a severity)
	Running    Status = "running"
	Paused     Status = "paused" // needs-info, when the policy pauses the clock
	Met        Status = "met"
	MetLate    Status = "met-late"
	Breached   Status = "breached" // running past its deadline
	Stopped    Status = "stopped"  // the report closed before the stage ended
)

// Timer is the state of one promised stage of one report.
type Timer struct {
	Stage    string
	Severity string
	Duration embargo.Duration
	Start    time.Time
	// Due includes the time spent paused; zero when the stage has no fixed
	// instant (next-release) or has not started.
	Due    time.Time
	Ended  time.Time
	Paused time.Duration
	Status Status
}

// Left is the time until the deadline at now (negative when late), and
// false when there is no deadline to count to.
func (t Timer) Left(now time.Time) (time.Duration, bool) {
	if t.Due.IsZero() || (t.Status != Running && t.Status != Paused && t.Status != Breached) {
		return 0, false
	}
	return t.Due.Sub(now), true
}

// stopsStage says which state ends a stage: acknowledging ends
// acknowledge, triage (or a severity) ends assess, fixed ends fix,
// disclosed ends disclose.
var stopsStage = map[string][]embargo.State{
	embargo.StageAcknowledge: {embargo.StateAcknowledged, embargo.StateTriaged, embargo.StateFixing, embargo.StateFixed, embargo.StateDisclosed},
	embargo.StageAssess:      {embargo.StateTriaged, embargo.StateFixing, embargo.StateFixed, embargo.StateDisclosed},
	embargo.StageFix:         {embargo.StateFixed, embargo.StateDisclosed},
	embargo.StageDisclose:    {embargo.StateDisclosed},
}

// closes reports whether a state ends a stage without meeting it.
func closes(stage string, s embargo.State) bool {
	switch s {
	case embargo.StateDuplicate, embargo.StateInvalid, embargo.StateOutOfScope, embargo.StateWithdrawn:
		return true
	case embargo.StateWontFix:
		return stage != embargo.StageDisclose
	}
	return false
}

// Evaluate runs a report's promised stages over its events (in time
// order) as of now, under the policy revision in force when the report
// arrived at received:
//
//   - acknowledge, assess and disclose start at arrival; fix starts at the
//     first severity, with that severity's window;
//   - a later severity change recomputes the fix deadline from the same
//     start; a severity also ends assess;
//   - while the report is in needs-info, running stages are paused when the
//     policy says so, and the paused time is added to their deadlines;
//   - closing the report (duplicate, invalid, out-of-scope, withdrawn;
//     wont-fix for all but disclose) stops what still runs.
//
// A stage whose policy window does not apply (no window for the severity)
// is left out.
func Evaluate(pol *embargo.Policy, received time.Time, events []Event, now time.Time) []Timer {
	var out []Timer
	for _, stage := range embargo.Stages {
		if t, ok := evaluateStage(pol, stage, received, events, now); ok {
			out = append(out, t)
		}
	}
	return out
}

func evaluateStage(pol *embargo.Policy, stage string, received time.Time, events []Event, now time.Time) (Timer, bool) {
	spec, ok := pol.SLA.Stages[stage]
	if !ok {
		return Timer{}, false
	}
	t := Timer{Stage: stage, Status: NotStarted}
	severity := ""
	started := false
	start := func(at time.Time, sev string) bool {
		d, ok := spec.For(sev)
		if !ok {
			return false
		}
		t.Duration, t.Severity = d, sev
		if !started {
			t.Start, started = at, true
		}
		t.Status = Running
		return true
	}
	if stage != embargo.StageFix {
		if !start(received, "") {
			return Timer{}, false
		}
	}
	var pausedSince time.Time
	for _, e := range events {
		if e.At.After(now) {
			break
		}
		if e.Severity != "" {
			severity = e.Severity
			switch {
			case stage == embargo.StageFix && t.Status == NotStarted:
				start(e.At, severity)
			case stage == embargo.StageFix && t.Status == Running || stage == embargo.StageFix && t.Status == Paused:
				if d, ok := spec.For(severity); ok {
					t.Duration, t.Severity = d, severity
				}
			case stage == embargo.StageAssess && (t.Status == Running || t.Status == Paused):
				t = end(t, e.At, pausedSince, Met)
			}
		}
		if e.To == "" || (t.Status != Running && t.Status != Paused) {
			continue
		}
		switch {
		case e.To == embargo.StateNeedsInfo:
			if pol.SLA.PauseOnNeedsInfo && t.Status == Running {
				t.Status, pausedSince = Paused, e.At
			}
		case t.Status == Paused && embargo.Resumable(e.To):
			t.Paused += e.At.Sub(pausedSince)
			t.Status, pausedSince = Running, time.Time{}
		}
		if contains(stopsStage[stage], e.To) {
			t = end(t, e.At, pausedSince, Met)
		} else if closes(stage, e.To) {
			t = end(t, e.At, pausedSince, Stopped)
		}
	}
	if t.Status == NotStarted {
		if stage == embargo.StageFix && severity != "" {
			return Timer{}, false // no window for this severity
		}
		return t, true
	}
	if t.Status == Paused {
		t.Paused += now.Sub(pausedSince)
	}
	if due, ok := Deadline(t.Start, t.Duration, pol.Calendar); ok {
		t.Due = due.Add(t.Paused)
	}
	switch {
	case t.Status == Met && !t.Due.IsZero() && t.Ended.After(t.Due):
		t.Status = MetLate
	case t.Status == Running && !t.Due.IsZero() && now.After(t.Due):
		t.Status = Breached
	}
	return t, true
}

// end closes a stage at at, counting a pause that was still open.
func end(t Timer, at, pausedSince time.Time, s Status) Timer {
	if t.Status == Paused && !pausedSince.IsZero() {
		t.Paused += at.Sub(pausedSince)
	}
	t.Ended, t.Status = at, s
	return t
}

func contains(ss []embargo.State, s embargo.State) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
