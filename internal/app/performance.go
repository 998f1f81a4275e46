package app

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/sla"
)

// PerformanceWindow is the period the response statistics cover.
const PerformanceWindow = 90 * 24 * time.Hour

// StageStats is how one promised stage went for the reports received in
// the window.
type StageStats struct {
	Stage string
	// Promise is the policy's window ("48 hours"; "by severity" for fix).
	Promise string
	// Met and Late count the reports that reached the stage within and
	// after the promise; Breached those still short of it past the
	// deadline; Pending those short of it with time left.
	Met, Late, Breached, Pending int
	// Median and P90 are over the reports that reached the stage.
	Median, P90 time.Duration
}

// Done is how many reports reached the stage.
func (s StageStats) Done() int { return s.Met + s.Late }

// WithinShare is the share of decided reports (met, late or breached)
// that met the promise, from 0 to 1; -1 when none is decided yet.
func (s StageStats) WithinShare() float64 {
	n := s.Met + s.Late + s.Breached
	if n == 0 {
		return -1
	}
	return float64(s.Met) / float64(n)
}

// Performance is a project's response statistics.
type Performance struct {
	Project  embargo.Project
	From, To time.Time
	Reports  int
	Stages   []StageStats
}

// ProjectPerformance computes a project's statistics for its members
// (viewer and up).
func (a *App) ProjectPerformance(ctx context.Context, u embargo.User, slug string) (Performance, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleViewer)
	if err != nil {
		return Performance{}, err
	}
	return a.performance(ctx, p)
}

// PublicPerformanceTTL is how long public statistics are cached.
const PublicPerformanceTTL = 10 * time.Minute

// PublicPerformance returns the statistics of a project whose policy
// publishes them (sla.public_statistics), else a NotFound-kind error.
func (a *App) PublicPerformance(ctx context.Context, slug string) (Performance, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return Performance{}, err
	}
	pol, err := a.policyAt(ctx, p, p.PolicyRevision)
	if err != nil {
		return Performance{}, err
	}
	if !pol.SLA.PublicStatistics {
		return Performance{}, embargo.Errorf(embargo.KindNotFound, "%s does not publish its response statistics", p.Name)
	}
	now := a.now().UTC()
	// Cached: the page is anonymous, and computing the statistics opens
	// every report of the window.
	if v, ok := a.publicStats.Load(p.ID); ok {
		if cached := v.(Performance); now.Sub(cached.To) < PublicPerformanceTTL && !now.Before(cached.To) {
			return cached, nil
		}
	}
	perf, err := a.performance(ctx, p)
	if err != nil {
		return perf, err
	}
	a.publicStats.Store(p.ID, perf)
	return perf, nil
}

// performance evaluates the timers of every report received in the
// window, under the policy revision each arrived with (so the statistics
// measure the promises made, not today's).
func (a *App) performance(ctx context.Context, p embargo.Project) (Performance, error) {
	now := a.now().UTC()
	perf := Performance{Project: p, From: now.Add(-PerformanceWindow), To: now}
	ms, err := a.store.ReportMilestones(ctx, p.ID, perf.From)
	if err != nil {
		return perf, err
	}
	current, err := a.policyAt(ctx, p, p.PolicyRevision)
	if err != nil {
		return perf, err
	}
	byStage := map[string]*StageStats{}
	times := map[string][]time.Duration{}
	for _, stage := range embargo.Stages {
		if spec, ok := current.SLA.Stages[stage]; ok {
			byStage[stage] = &StageStats{Stage: stage, Promise: promiseText(spec)}
		}
	}
	for _, m := range ms {
		r, err := a.store.Report(ctx, m.ReportID)
		if err != nil {
			return perf, err
		}
		if !r.State.Open() && r.State != embargo.StateFixed && r.State != embargo.StateDisclosed && r.State != embargo.StateWontFix {
			continue // closed as duplicate, invalid, out of scope, withdrawn: no promise held
		}
		pol, err := a.policyAt(ctx, p, r.PolicyRevision)
		if err != nil {
			return perf, err
		}
		evs, err := a.store.Events(ctx, r.ID, "")
		if err != nil {
			return perf, err
		}
		perf.Reports++
		for _, t := range timers(pol, r, evs, now) {
			st := byStage[t.Stage]
			if st == nil {
				continue
			}
			switch t.Status {
			case sla.Met:
				st.Met++
			case sla.MetLate:
				st.Late++
			case sla.Breached:
				st.Breached++
			case sla.Running, sla.Paused:
				st.Pending++
			}
			if t.Status == sla.Met || t.Status == sla.MetLate {
				times[t.Stage] = append(times[t.Stage], t.Ended.Sub(t.Start)-t.Paused)
			}
		}
	}
	for _, stage := range embargo.Stages {
		st := byStage[stage]
		if st == nil {
			continue
		}
		st.Median, st.P90 = percentile(times[stage], 0.5), percentile(times[stage], 0.9)
		perf.Stages = append(perf.Stages, *st)
	}
	return perf, nil
}

func promiseText(s embargo.StageSLA) string {
	if len(s.BySeverity) > 0 {
		return "by severity"
	}
	return s.All.Human()
}

// percentile is the nearest-rank percentile (0 for no values).
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// HumanDuration writes a duration for people: "45 minutes", "5.5 hours",
// "3.2 days".
func HumanDuration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()+0.5))
	case d < 48*time.Hour:
		return trimFloat(d.Hours()) + " hours"
	default:
		return trimFloat(d.Hours()/24) + " days"
	}
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s
}

// DueItem is one report in the due-next view.
type DueItem struct {
	Project embargo.Project
	Report  embargo.Report
	// Stage is the stage whose deadline is nearest; Due its deadline.
	Stage  string
	Due    time.Time
	Status sla.Status
}

// DueNextLimit is how many reports the due-next view shows.
const DueNextLimit = 100

// DueNext lists the reports of u's projects (narrowed by an API token's
// project) with a running deadline, nearest first.
func (a *App) DueNext(ctx context.Context, u embargo.User) ([]DueItem, error) {
	ms, err := a.store.Memberships(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	projects := map[int64]embargo.Project{}
	var ids []int64
	for _, m := range ms {
		if u.Token != nil && u.Token.ProjectID != 0 && u.Token.ProjectID != m.ProjectID {
			continue
		}
		p, err := a.store.Project(ctx, m.ProjectID)
		if err != nil {
			return nil, err
		}
		projects[p.ID] = p
		ids = append(ids, p.ID)
	}
	rs, err := a.store.DueNext(ctx, ids, DueNextLimit)
	if err != nil {
		return nil, err
	}
	now := a.now().UTC()
	out := make([]DueItem, 0, len(rs))
	for _, r := range rs {
		p := projects[r.ProjectID]
		it := DueItem{Project: p, Report: r, Due: r.NextDue}
		pol, err := a.policyAt(ctx, p, r.PolicyRevision)
		if err != nil {
			return nil, err
		}
		evs, err := a.store.Events(ctx, r.ID, "")
		if err != nil {
			return nil, err
		}
		for _, t := range timers(pol, r, evs, now) {
			if t.Due.Equal(r.NextDue) && (t.Status == sla.Running || t.Status == sla.Breached) {
				it.Stage, it.Status = t.Stage, t.Status
				break
			}
		}
		out = append(out, it)
	}
	return out, nil
}
