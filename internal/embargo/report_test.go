package embargo

import (
	"errors"
	"strings"
	"testing"
)

func TestMainLineAndSideExits(t *testing.T) {
	path := []State{StateNew, StateAcknowledged, StateTriaged, StateFixing, StateFixed, StateDisclosed}
	for i := 1; i < len(path); i++ {
		if err := Transition(path[i-1], path[i], ""); err != nil {
			t.Errorf("%s -> %s: %v", path[i-1], path[i], err)
		}
	}
	for _, from := range []State{StateNew, StateAcknowledged, StateTriaged, StateFixing} {
		for _, to := range []State{StateNeedsInfo, StateWithdrawn} {
			if err := Transition(from, to, ""); err != nil {
				t.Errorf("%s -> %s: %v", from, to, err)
			}
		}
	}
}

func TestIllegalTransitionsSayWhy(t *testing.T) {
	tests := []struct {
		from, to, resume State
		reason           string
	}{
		{StateNew, StateFixed, "", "a new report cannot become fixed; allowed: acknowledged, duplicate, invalid, needs-info, out-of-scope, withdrawn"},
		{StateDisclosed, StateFixing, "", "a disclosed report is closed for good"},
		{StateWithdrawn, StateAcknowledged, "", "a withdrawn report is closed for good"},
		{StateTriaged, StateTriaged, "", "the report is already triaged"},
		{StateNeedsInfo, StateFixing, StateAcknowledged, "a needs-info report returns to the state it interrupted (acknowledged)"},
		{StateFixed, StateWontFix, "", "allowed: disclosed"},
	}
	for _, tt := range tests {
		err := Transition(tt.from, tt.to, tt.resume)
		if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s -> %s: %v, want a conflict saying %q", tt.from, tt.to, err, tt.reason)
		}
	}
	if err := Transition("open", StateNew, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown state: %v", err)
	}
}

func TestNeedsInfoReturnsWhereItWas(t *testing.T) {
	for _, resume := range []State{StateNew, StateAcknowledged, StateTriaged, StateFixing} {
		if err := Transition(StateNeedsInfo, resume, resume); err != nil {
			t.Errorf("needs-info -> %s (resume %s): %v", resume, resume, err)
		}
	}
	if err := Transition(StateNeedsInfo, StateTriaged, StateFixing); err == nil {
		t.Error("needs-info jumped to a state it did not interrupt")
	}
}

func TestReopenClosedSideExits(t *testing.T) {
	for _, s := range []State{StateDuplicate, StateInvalid, StateOutOfScope, StateWontFix} {
		if err := Transition(s, StateAcknowledged, ""); err != nil {
			t.Errorf("reopen %s: %v", s, err)
		}
		if s.Open() {
			t.Errorf("%s counts as open", s)
		}
	}
}

// TestEveryStateIsReachable walks the machine from new: no state is dead
// code, and every state but the two final ones has a way out.
func TestEveryStateIsReachable(t *testing.T) {
	seen := map[State]bool{StateNew: true}
	queue := []State{StateNew}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range Next(s, StateAcknowledged) {
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range States {
		if !seen[s] {
			t.Errorf("%s is unreachable from new", s)
		}
		if len(Next(s, StateAcknowledged)) == 0 && s != StateDisclosed && s != StateWithdrawn {
			t.Errorf("%s has no way out", s)
		}
	}
}

func TestNeedsInfoResumeIsChecked(t *testing.T) {
	for _, bad := range []State{StateDisclosed, StateFixed, StateNeedsInfo, "", "open"} {
		if err := Transition(StateNeedsInfo, bad, bad); err == nil {
			t.Errorf("needs-info resumed to %q", bad)
		}
	}
	// From needs-info the interrupted state's own exits are open, and only
	// those: wont-fix while fixing, but not invalid.
	if err := Transition(StateNeedsInfo, StateWontFix, StateFixing); err != nil {
		t.Error(err)
	}
	if err := Transition(StateNeedsInfo, StateInvalid, StateFixing); err == nil {
		t.Error("a fixing report became invalid through needs-info")
	}
	// With no resume recorded it can only be closed.
	if err := Transition(StateNeedsInfo, StateWithdrawn, ""); err != nil {
		t.Error(err)
	}
	if !StateFixed.Open() {
		t.Error("a fixed report still awaits disclosure: it is open")
	}
}
