package sla

import (
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Promise is one deadline a policy promises for a report.
type Promise struct {
	Stage    string
	Severity string // for a per-severity stage, the severity it is for
	Duration embargo.Duration
	// Due is the instant the promise falls due, in UTC; zero for
	// next-release, which has no fixed instant.
	Due time.Time
}

// Promised returns the deadlines that start when a report arrives
// (acknowledge, assess, disclose), in stage order, from the policy in force
// at arrival. A stage promised only per severity is not included: its
// deadline is known once the severity is (see StageDue).
func Promised(pol *embargo.Policy, received time.Time) []Promise {
	var out []Promise
	for _, stage := range []string{embargo.StageAcknowledge, embargo.StageAssess, embargo.StageDisclose} {
		s, ok := pol.SLA.Stages[stage]
		if !ok || s.All.IsZero() {
			continue
		}
		due, _ := Deadline(received, s.All, pol.Calendar)
		out = append(out, Promise{Stage: stage, Duration: s.All, Due: due})
	}
	return out
}

// StageDue returns a stage's deadline for a report of the given severity
// whose clock for that stage started at start (arrival for acknowledge,
// assess and disclose; the severity assessment for fix), and false when
// the policy promises nothing for that stage and severity.
func StageDue(pol *embargo.Policy, stage, severity string, start time.Time) (Promise, bool) {
	s, ok := pol.SLA.Stages[stage]
	if !ok {
		return Promise{}, false
	}
	d, ok := s.For(severity)
	if !ok {
		return Promise{}, false
	}
	due, _ := Deadline(start, d, pol.Calendar)
	return Promise{Stage: stage, Severity: severity, Duration: d, Due: due}, true
}

// FixDue returns the fix deadline for a report whose severity was set at
// assessed, and false when the policy promises no fix window for it.
func FixDue(pol *embargo.Policy, severity string, assessed time.Time) (Promise, bool) {
	return StageDue(pol, embargo.StageFix, severity, assessed)
}
