package api

import (
	"net/http"
	"time"

	"github.com/embargo-cvd/embargo/internal/httpx"
)

// DueItem is one report in the due-next list.
type DueItem struct {
	Report   string    `json:"report"`
	Title    string    `json:"title"`
	State    string    `json:"state"`
	Severity string    `json:"severity"`
	Stage    string    `json:"stage"`
	Due      time.Time `json:"due"`
	Missed   bool      `json:"missed"`
}

// DueList is the response of GET /api/v1/due.
type DueList struct {
	Due []DueItem `json:"due"`
}

// Due serves GET /api/v1/due: the nearest running deadlines across the
// caller's projects (narrowed to a token's project), missed ones first.
func (a *API) Due(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	items, err := a.app.DueNext(r.Context(), u)
	if err != nil {
		return err
	}
	out := DueList{Due: []DueItem{}}
	for _, it := range items {
		out.Due = append(out.Due, DueItem{Report: it.Report.Ref(it.Project.Slug), Title: it.Report.Content.Title, State: string(it.Report.State),
			Severity: it.Report.Severity, Stage: it.Stage, Due: it.Due, Missed: it.Status == "breached"})
	}
	return writeJSON(w, http.StatusOK, out)
}

// StageStats is one stage of a project's response statistics.
type StageStats struct {
	Stage         string   `json:"stage"`
	Promise       string   `json:"promise"`
	Met           int      `json:"met"`
	Late          int      `json:"late"`
	Missed        int      `json:"missed"`
	Pending       int      `json:"pending"`
	MedianSeconds *float64 `json:"median_seconds"`
	P90Seconds    *float64 `json:"p90_seconds"`
	WithinPromise *float64 `json:"within_promise"`
}

// Performance is the response of GET /api/v1/projects/{slug}/performance.
type Performance struct {
	Project string       `json:"project"`
	From    time.Time    `json:"from"`
	To      time.Time    `json:"to"`
	Reports int          `json:"reports"`
	Stages  []StageStats `json:"stages"`
}

// Performance serves GET /api/v1/projects/{slug}/performance: the last 90
// days of the project's response statistics.
func (a *API) Performance(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	perf, err := a.app.ProjectPerformance(r.Context(), u, r.PathValue("slug"))
	if err != nil {
		return err
	}
	out := Performance{Project: perf.Project.Slug, From: perf.From, To: perf.To, Reports: perf.Reports, Stages: []StageStats{}}
	for _, s := range perf.Stages {
		st := StageStats{Stage: s.Stage, Promise: s.Promise, Met: s.Met, Late: s.Late, Missed: s.Breached, Pending: s.Pending}
		if s.Done() > 0 {
			med, p90 := s.Median.Seconds(), s.P90.Seconds()
			st.MedianSeconds, st.P90Seconds = &med, &p90
		}
		if share := s.WithinShare(); share >= 0 {
			st.WithinPromise = &share
		}
		out.Stages = append(out.Stages, st)
	}
	return writeJSON(w, http.StatusOK, out)
}
