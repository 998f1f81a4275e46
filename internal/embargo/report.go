package embargo

import (
	"sort"
	"strings"
)

// State is where a report stands in the disclosure process.
type State string

// Report states (DESIGN "Reports: the state machine"): the main line
// new → acknowledged → triaged → fixing → fixed → disclosed, and the side
// exits.
const (
	StateNew          State = "new"
	StateAcknowledged State = "acknowledged"
	StateTriaged      State = "triaged" // accepted as a vulnerability
	StateFixing       State = "fixing"
	StateFixed        State = "fixed"
	StateDisclosed    State = "disclosed"
	StateNeedsInfo    State = "needs-info" // waiting for the reporter; the SLA clock may pause
	StateDuplicate    State = "duplicate"
	StateInvalid      State = "invalid"
	StateOutOfScope   State = "out-of-scope"
	StateWontFix      State = "wont-fix"
	StateWithdrawn    State = "withdrawn"
)

// States lists every state, main line first.
var States = []State{StateNew, StateAcknowledged, StateTriaged, StateFixing, StateFixed, StateDisclosed,
	StateNeedsInfo, StateDuplicate, StateInvalid, StateOutOfScope, StateWontFix, StateWithdrawn}

// transitions maps each state to the states a maintainer may move it to.
// needs-info returns to the state it interrupted (see Transition), and the
// closed side exits may be reopened to acknowledged.
var transitions = map[State][]State{
	StateNew:          {StateAcknowledged, StateNeedsInfo, StateDuplicate, StateInvalid, StateOutOfScope, StateWithdrawn},
	StateAcknowledged: {StateTriaged, StateNeedsInfo, StateDuplicate, StateInvalid, StateOutOfScope, StateWontFix, StateWithdrawn},
	StateTriaged:      {StateFixing, StateNeedsInfo, StateDuplicate, StateWontFix, StateWithdrawn},
	StateFixing:       {StateFixed, StateNeedsInfo, StateWontFix, StateWithdrawn},
	StateFixed:        {StateDisclosed},
	StateNeedsInfo:    {}, // the state it interrupted, and that state's exits (Next)
	StateDuplicate:    {StateAcknowledged},
	StateInvalid:      {StateAcknowledged},
	StateOutOfScope:   {StateAcknowledged},
	StateWontFix:      {StateAcknowledged, StateDisclosed},
	StateDisclosed:    {},
	StateWithdrawn:    {},
}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Open reports whether the report still needs work (and its SLA runs):
// a fixed report still awaits disclosure.
func (s State) Open() bool {
	switch s {
	case StateNew, StateAcknowledged, StateTriaged, StateFixing, StateFixed, StateNeedsInfo:
		return true
	}
	return false
}

// Resumable reports whether needs-info can interrupt (and return to) s.
func Resumable(s State) bool {
	switch s {
	case StateNew, StateAcknowledged, StateTriaged, StateFixing:
		return true
	}
	return false
}

// Next lists the states a report in s may move to. A needs-info report may
// return to the state it interrupted (resume) or take that state's other
// exits; with no valid resume it may only be closed.
func Next(s, resume State) []State {
	if s != StateNeedsInfo {
		return append([]State(nil), transitions[s]...)
	}
	if !Resumable(resume) {
		return []State{StateInvalid, StateOutOfScope, StateWithdrawn}
	}
	out := []State{resume}
	for _, n := range transitions[resume] {
		if n != StateNeedsInfo {
			out = append(out, n)
		}
	}
	return out
}

// Transition checks a move from one state to another. resume is the state
// a needs-info report returns to (the one it interrupted). It returns an
// Invalid-kind error for an unknown state and a Conflict-kind error, with
// the reason and the allowed moves, for an illegal one.
func Transition(from, to, resume State) error {
	if !from.Valid() || !to.Valid() {
		return Errorf(KindInvalid, "unknown state %q: the states are %s", pick(from, to), joinStates(States))
	}
	next := Next(from, resume)
	for _, n := range next {
		if n == to {
			return nil
		}
	}
	why := ""
	switch {
	case from == to:
		why = "the report is already " + string(from)
	case len(next) == 0:
		why = article(from) + " " + string(from) + " report is closed for good"
	case from == StateNeedsInfo && Resumable(resume) && Resumable(to):
		why = "a needs-info report returns to the state it interrupted (" + string(resume) + ")"
	default:
		why = article(from) + " " + string(from) + " report cannot become " + string(to)
	}
	if len(next) > 0 {
		why += "; allowed: " + joinStates(next)
	}
	return Errorf(KindConflict, "%s", why)
}

func article(s State) string {
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}

func pick(a, b State) State {
	if !a.Valid() {
		return a
	}
	return b
}

func joinStates(ss []State) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
