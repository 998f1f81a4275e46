package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/sla"
	"github.com/embargo-cvd/embargo/internal/store"
)

// schedule sets a report's nearest deadline and the instant of its next
// SLA action from its timers, keeping the actions already taken.
func schedule(pol *embargo.Policy, r *embargo.Report, ts []sla.Timer) {
	r.NextDue = nextDue(ts)
	r.NextActionAt = nextAction(sla.Actions(pol, ts), doneSet(r.SLADone))
}

// nextAction is the earliest action not taken yet (it may be due already:
// the sweep then takes it at once).
func nextAction(acts []sla.Action, done map[string]bool) time.Time {
	var next time.Time
	for _, a := range acts {
		if !done[a.Key()] && (next.IsZero() || a.At.Before(next)) {
			next = a.At
		}
	}
	return next
}

func doneSet(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// SweepBatch is how many reports one sweep transaction round takes.
const SweepBatch = 100

// SweepSLA takes every SLA action due now: reminders before deadlines (to
// the assignee, or to the project's triagers when nobody is assigned, or
// its owners when it has no triager) and, at a deadline, the breach (an
// event on the report's timeline and an escalation to the project's
// owners). Each report is handled in its own transaction under its row
// lock, with the actions taken recorded in the same row: a sweep that runs
// twice, concurrently on two replicas, or again after a crash, takes each
// action exactly once. It returns how many actions it took.
func (a *App) SweepSLA(ctx context.Context) (int, error) {
	taken := 0
	var failed []error
	for {
		now := a.now().UTC()
		ids, err := a.store.ReportsDueForAction(ctx, now, SweepBatch)
		if err != nil {
			return taken, err
		}
		for _, id := range ids {
			n, err := a.sweepReport(ctx, id, now)
			if err != nil {
				// One report that cannot be handled (a policy revision that
				// no longer parses, a cell that does not open) must not
				// hold up every other promise: log it, look at it again
				// in a few minutes, go on.
				a.log.Error("sla sweep: report failed", "report", id, "err", err.Error())
				failed = append(failed, err)
				if derr := a.store.DeferAction(ctx, id, now.Add(SweepRetry)); derr != nil {
					return taken, errors.Join(append(failed, derr)...)
				}
				continue
			}
			taken += n
		}
		if len(ids) < SweepBatch || ctx.Err() != nil {
			return taken, errors.Join(failed...)
		}
	}
}

// SweepRetry is how long a report whose sweep failed waits for the next
// try.
const SweepRetry = 5 * time.Minute

// errPolicyMoved: the report took another policy revision between reading
// its policy and locking it (a re-apply); the sweep reads it again.
var errPolicyMoved = errors.New("the report's policy revision changed")

func (a *App) sweepReport(ctx context.Context, id int64, now time.Time) (int, error) {
	for try := 0; ; try++ {
		n, err := a.sweepReportOnce(ctx, id, now)
		if errors.Is(err, errPolicyMoved) && try == 0 {
			continue
		}
		return n, err
	}
}

func (a *App) sweepReportOnce(ctx context.Context, id int64, now time.Time) (int, error) {
	cur, err := a.store.Report(ctx, id)
	if err != nil {
		return 0, err
	}
	p, err := a.store.Project(ctx, cur.ProjectID)
	if err != nil {
		return 0, err
	}
	pol, err := a.policyAt(ctx, p, cur.PolicyRevision)
	if err != nil {
		return 0, err
	}
	members, err := a.store.Members(ctx, p.ID)
	if err != nil {
		return 0, err
	}
	taken := 0
	_, _, err = a.store.ChangeReport(ctx, id, func(r *embargo.Report, history []embargo.Event) ([]store.EventInput, error) {
		taken = 0
		if r.PolicyRevision != cur.PolicyRevision {
			return nil, errPolicyMoved
		}
		ts := timers(pol, *r, history, now)
		done := doneSet(r.SLADone)
		take, skip, _ := sla.Plan(sla.Actions(pol, ts), done, now)
		var ins []store.EventInput
		for _, act := range skip {
			r.SLADone = append(r.SLADone, act.Key())
			done[act.Key()] = true
		}
		for _, act := range take {
			r.SLADone = append(r.SLADone, act.Key())
			done[act.Key()] = true
			in := store.EventInput{Event: embargo.Event{Actor: embargo.ActorSystem, Kind: embargo.EventSLA,
				Audience: embargo.AudienceInternal, From: act.Stage, To: act.To(), Body: slaMessage(act, p)},
				NotifyKind: act.Kind, Webhooks: true}
			if act.Kind == sla.Breach {
				in.Notify = withRole(members, embargo.RoleOwner)
			} else {
				in.Notify = reminded(members, r.AssigneeID)
			}
			ins = append(ins, in)
			taken++
		}
		schedule(pol, r, ts)
		return ins, nil
	})
	if err != nil {
		return 0, fmt.Errorf("app.SweepSLA(report %d): %w", id, err)
	}
	return taken, nil
}

// slaMessage is the timeline text of an action.
func slaMessage(act sla.Action, p embargo.Project) string {
	due := act.Due.Format("Mon 2 Jan 2006 15:04 MST")
	if act.Kind == sla.Breach {
		return fmt.Sprintf("Deadline missed: %s was promised by %s. The project's owners were alerted.", stageNoun(act.Stage), due)
	}
	return fmt.Sprintf("Reminder: %s is due by %s (in %s).", stageNoun(act.Stage), due, act.Offset.Human())
}

func stageNoun(stage string) string {
	switch stage {
	case embargo.StageAcknowledge:
		return "the acknowledgement"
	case embargo.StageAssess:
		return "the assessment"
	case embargo.StageFix:
		return "the fix"
	case embargo.StageDisclose:
		return "disclosure"
	}
	return stage
}

// reminded are the users a reminder goes to: the assignee when there is
// one and still a member, else the triagers, else the owners.
func reminded(ms []embargo.Member, assignee int64) []int64 {
	for _, m := range ms {
		if assignee != 0 && m.UserID == assignee {
			return []int64{assignee}
		}
	}
	if ids := withRole(ms, embargo.RoleTriager); len(ids) > 0 {
		return ids
	}
	return withRole(ms, embargo.RoleOwner)
}

func withRole(ms []embargo.Member, role embargo.Role) []int64 {
	var ids []int64
	for _, m := range ms {
		if m.Role == role {
			ids = append(ids, m.UserID)
		}
	}
	return ids
}
