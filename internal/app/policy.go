package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/policy"
	"github.com/embargo-cvd/embargo/internal/sla"
	"github.com/embargo-cvd/embargo/internal/store"
)

// UpdatePolicy checks a new version of a project's policy file and stores
// it as the next revision: the reports that arrive from now on get its
// promises; open reports keep the promises made to them until
// ReapplyPolicy is run. It returns the new revision and how many open
// reports are on an earlier one.
func (a *App) UpdatePolicy(ctx context.Context, actor embargo.Actor, file string, src []byte) (embargo.Project, int, error) {
	defer a.routes.reset()
	pol, diags := policy.Check(src, a.now())
	if err := diags.Err(file); err != nil {
		return embargo.Project{}, 0, err
	}
	p, err := a.store.ProjectBySlug(ctx, pol.Project.Slug)
	if err != nil {
		return p, 0, err
	}
	rev, err := a.store.RevisePolicy(ctx, p.ID, pol.Project.Name, src, actor)
	if err != nil {
		return p, 0, fmt.Errorf("app.UpdatePolicy(%s): %w", p.Slug, err)
	}
	p.PolicyRevision, p.Name = rev, pol.Project.Name
	ids, err := a.store.OpenReportIDs(ctx, p.ID)
	return p, len(ids), err
}

// DeadlineChange is how one stage's deadline of a report moves when the
// report's promises are re-applied from the policy in force.
type DeadlineChange struct {
	Stage         string
	Before, After time.Time // zero: no deadline (not promised, not started, or next-release)
}

// ReportReapply is one open report under an earlier policy revision.
type ReportReapply struct {
	Report   embargo.Report
	From, To int
	Changes  []DeadlineChange
}

// Reapply is the preview (or the record) of re-applying a project's
// policy to its open reports.
type Reapply struct {
	Project  embargo.Project
	Revision int
	Reports  []ReportReapply
	Applied  bool
}

// ReapplyPolicy shows, for each open report of the project still under an
// earlier policy revision, how its deadlines would move under the revision
// in force; with apply, it moves them: each report takes the current
// revision in its own transaction, with a "policy" event on its internal
// timeline listing the before and after, and an audit entry. Promised
// deadlines never move any other way.
func (a *App) ReapplyPolicy(ctx context.Context, actor embargo.Actor, slug string, apply bool) (Reapply, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return Reapply{}, err
	}
	out := Reapply{Project: p, Revision: p.PolicyRevision, Applied: apply}
	current, err := a.policyAt(ctx, p, p.PolicyRevision)
	if err != nil {
		return out, err
	}
	ids, err := a.store.OpenReportIDs(ctx, p.ID)
	if err != nil {
		return out, err
	}
	now := a.now().UTC()
	for _, id := range ids {
		r, err := a.store.Report(ctx, id)
		if err != nil {
			return out, err
		}
		if r.PolicyRevision == p.PolicyRevision {
			continue
		}
		old, err := a.policyAt(ctx, p, r.PolicyRevision)
		if err != nil {
			return out, err
		}
		evs, err := a.store.Events(ctx, id, "")
		if err != nil {
			return out, err
		}
		rr := ReportReapply{Report: r, From: r.PolicyRevision, To: p.PolicyRevision,
			Changes: deadlineChanges(timers(old, r, evs, now), timers(current, r, evs, now))}
		out.Reports = append(out.Reports, rr)
		if !apply {
			continue
		}
		_, _, err = a.store.ChangeReport(ctx, id, func(r *embargo.Report, history []embargo.Event) ([]store.EventInput, error) {
			if r.PolicyRevision != rr.From {
				return nil, embargo.Errorf(embargo.KindConflict, "report #%d changed policy revision meanwhile", r.Number)
			}
			r.PolicyRevision = p.PolicyRevision
			schedule(current, r, timers(current, *r, history, now))
			return []store.EventInput{{Event: embargo.Event{Actor: actor, Kind: embargo.EventPolicy, Audience: embargo.AudienceInternal,
				From: strconv.Itoa(rr.From), To: strconv.Itoa(rr.To), Body: reapplyText(rr)}}}, nil
		})
		if err != nil {
			return out, fmt.Errorf("app.ReapplyPolicy(%s#%d): %w", slug, r.Number, err)
		}
	}
	return out, nil
}

// deadlineChanges pairs the stages of two evaluations of one report.
func deadlineChanges(before, after []sla.Timer) []DeadlineChange {
	var out []DeadlineChange
	find := func(ts []sla.Timer, stage string) time.Time {
		for _, t := range ts {
			if t.Stage == stage {
				return t.Due
			}
		}
		return time.Time{}
	}
	for _, stage := range embargo.Stages {
		b, a := find(before, stage), find(after, stage)
		if !b.IsZero() || !a.IsZero() {
			out = append(out, DeadlineChange{Stage: stage, Before: b, After: a})
		}
	}
	return out
}

func reapplyText(rr ReportReapply) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Promises re-applied from policy revision %d (was %d):", rr.To, rr.From)
	for _, c := range rr.Changes {
		fmt.Fprintf(&b, "\n%s: %s → %s", stageNoun(c.Stage), deadlineText(c.Before), deadlineText(c.After))
	}
	return b.String()
}

func deadlineText(t time.Time) string {
	if t.IsZero() {
		return "no deadline"
	}
	return t.Format("Mon 2 Jan 2006 15:04 MST")
}

// DeadlineText formats a deadline for people ("no deadline" when zero).
func DeadlineText(t time.Time) string { return deadlineText(t) }
