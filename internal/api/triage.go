package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// Report is a report as the maintainer API shows it.
type Report struct {
	Project          string                   `json:"project"`
	Number           int64                    `json:"number"`
	Ref              string                   `json:"ref"`
	State            string                   `json:"state"`
	Resume           string                   `json:"resume_state,omitempty"`
	Next             []string                 `json:"next_states"`
	Severity         string                   `json:"severity,omitempty"`
	SeverityOverride bool                     `json:"severity_override"`
	CVSS3            *Score                   `json:"cvss_v3,omitempty"`
	CVSS4            *Score                   `json:"cvss_v4,omitempty"`
	CWEs             []string                 `json:"cwes"`
	Labels           []string                 `json:"labels"`
	Affected         []embargo.Affected       `json:"affected"`
	AssigneeID       int64                    `json:"assignee_id,omitempty"`
	DuplicateOf      int64                    `json:"duplicate_of_id,omitempty"`
	Channel          string                   `json:"channel"`
	PolicyRevision   int                      `json:"policy_revision"`
	ReceivedAt       time.Time                `json:"received_at"`
	UpdatedAt        time.Time                `json:"updated_at"`
	NextDue          *time.Time               `json:"next_due,omitempty"`
	Title            string                   `json:"title"`
	Description      string                   `json:"description"`
	Steps            string                   `json:"steps,omitempty"`
	AffectedVersions string                   `json:"affected_versions,omitempty"`
	Impact           string                   `json:"impact,omitempty"`
	SuggestedFix     string                   `json:"suggested_fix,omitempty"`
	Contact          string                   `json:"contact,omitempty"`
	Credit           embargo.CreditPreference `json:"credit"`
	Deadlines        []Timer                  `json:"deadlines,omitempty"`
	Timeline         []Event                  `json:"timeline,omitempty"`
}

// Score is a CVSS vector with its computed base score.
type Score struct {
	Vector string  `json:"vector"`
	Score  float64 `json:"score"`
}

// Timer is one promised stage of a report.
type Timer struct {
	Stage    string     `json:"stage"`
	Severity string     `json:"severity,omitempty"`
	Duration string     `json:"duration"`
	Status   string     `json:"status"`
	Due      *time.Time `json:"due,omitempty"`
}

// Event is one timeline entry.
type Event struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	Who         string    `json:"who"`
	Kind        string    `json:"kind"`
	Audience    string    `json:"audience"`
	From        string    `json:"from,omitempty"`
	To          string    `json:"to,omitempty"`
	Body        string    `json:"body,omitempty"`
	Attachments []string  `json:"attachments,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func reportJSON(p embargo.Project, r embargo.Report) Report {
	out := Report{Project: p.Slug, Number: r.Number, Ref: r.Ref(p.Slug), State: string(r.State), Resume: string(r.Resume),
		Next: []string{}, Severity: r.Severity, SeverityOverride: r.SeverityOverride, CWEs: nonNil(r.CWEs), Labels: nonNil(r.Labels),
		Affected: r.Affected, AssigneeID: r.AssigneeID, DuplicateOf: r.DuplicateOf, Channel: r.Channel, PolicyRevision: r.PolicyRevision,
		ReceivedAt: r.ReceivedAt, UpdatedAt: r.UpdatedAt, NextDue: timePtr(r.NextDue), Title: r.Content.Title,
		Description: r.Content.Description, Steps: r.Content.Steps, AffectedVersions: r.Content.AffectedVersions,
		Impact: r.Content.Impact, SuggestedFix: r.Content.SuggestedFix, Contact: r.Content.Contact, Credit: r.Content.Credit}
	if out.Affected == nil {
		out.Affected = []embargo.Affected{}
	}
	for _, s := range embargo.Next(r.State, r.Resume) {
		out.Next = append(out.Next, string(s))
	}
	return out
}

func caseJSON(c app.Case) Report {
	out := reportJSON(c.Project, c.Report)
	if c.Report.CVSS3 != "" {
		out.CVSS3 = &Score{Vector: c.Report.CVSS3, Score: c.CVSS3Score}
	}
	if c.Report.CVSS4 != "" {
		out.CVSS4 = &Score{Vector: c.Report.CVSS4, Score: c.CVSS4Score}
	}
	for _, t := range c.Timers {
		out.Deadlines = append(out.Deadlines, Timer{Stage: t.Stage, Severity: t.Severity, Duration: t.Duration.String(),
			Status: string(t.Status), Due: timePtr(t.Due)})
	}
	for _, e := range c.Timeline {
		ev := Event{ID: e.ID, At: e.At, Actor: string(e.Actor), Who: e.Who, Kind: string(e.Kind), Audience: string(e.Audience),
			From: e.From, To: e.To, Body: e.Body}
		for _, a := range e.Attachments {
			ev.Attachments = append(ev.Attachments, a.Name)
		}
		out.Timeline = append(out.Timeline, ev)
	}
	return out
}

// InboxPage is the answer of GET /api/v1/reports.
type InboxPage struct {
	Reports []Report `json:"reports"`
	Total   int      `json:"total"`
	Page    int      `json:"page"`
	Pages   int      `json:"pages"`
	// Search is present when the request searched (q).
	Search *SearchInfo `json:"search,omitempty"`
}

// SearchInfo tells how much a search covered: report text is sealed, so a
// search opens the filter's reports one by one, at most a bounded number.
type SearchInfo struct {
	Scanned int  `json:"scanned"`
	Capped  bool `json:"capped"`
}

// Inbox serves GET /api/v1/reports: the reports of the caller's projects,
// nearest deadline first (query: project, state, severity, assignee, q,
// page).
func (a *API) Inbox(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	q := r.URL.Query()
	page := 1
	if v := q.Get("page"); v != "" {
		var err error
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return embargo.Errorf(embargo.KindInvalid, "page must be a positive number")
		}
	}
	in, err := a.app.Inbox(r.Context(), u, app.InboxFilter{Project: q.Get("project"), State: q.Get("state"),
		Severity: q.Get("severity"), Assignee: q.Get("assignee"), Query: q.Get("q"), Page: page})
	if err != nil {
		return err
	}
	out := InboxPage{Reports: []Report{}, Total: in.Total, Page: in.Page, Pages: in.Pages}
	if q.Get("q") != "" {
		out.Search = &SearchInfo{Scanned: in.Searched, Capped: in.SearchCapped}
	}
	for _, it := range in.Items {
		out.Reports = append(out.Reports, reportJSON(it.Project, it.Report))
	}
	return writeJSON(w, http.StatusOK, out)
}

func number(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil || n <= 0 {
		return 0, embargo.Errorf(embargo.KindNotFound, "no such report")
	}
	return n, nil
}

// Case serves GET /api/v1/projects/{slug}/reports/{n}.
func (a *API) Case(w http.ResponseWriter, r *http.Request) error {
	return a.writeCase(w, r, http.StatusOK)
}

func (a *API) writeCase(w http.ResponseWriter, r *http.Request, status int) error {
	u, _ := httpx.UserFrom(r.Context())
	n, err := number(r)
	if err != nil {
		return err
	}
	c, err := a.app.Case(r.Context(), u, r.PathValue("slug"), n)
	if err != nil {
		return err
	}
	return writeJSON(w, status, caseJSON(c))
}

// change decodes a JSON body into req, runs fn, and answers with the
// report as it now is.
func change[T any](a *API, w http.ResponseWriter, r *http.Request, status int, fn func(u embargo.User, slug string, n int64, req T) error) error {
	u, _ := httpx.UserFrom(r.Context())
	n, err := number(r)
	if err != nil {
		return err
	}
	var req T
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := fn(u, r.PathValue("slug"), n, req); err != nil {
		return err
	}
	return a.writeCase(w, r, status)
}

// TransitionRequest moves a report to another state.
type TransitionRequest struct {
	To     string `json:"to"`
	Reason string `json:"reason,omitempty"`
}

// Transition serves POST …/transitions.
func (a *API) Transition(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req TransitionRequest) error {
		_, err := a.app.Transition(r.Context(), u, slug, n, embargo.State(req.To), req.Reason)
		return err
	})
}

// DuplicateRequest names the report a report duplicates.
type DuplicateRequest struct {
	Of int64 `json:"of"`
}

// Duplicate serves POST …/duplicate.
func (a *API) Duplicate(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req DuplicateRequest) error {
		_, err := a.app.MarkDuplicate(r.Context(), u, slug, n, req.Of)
		return err
	})
}

// TextRequest is a note or a message.
type TextRequest struct {
	Body string `json:"body"`
}

// Note serves POST …/notes: an internal note.
func (a *API) Note(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusCreated, func(u embargo.User, slug string, n int64, req TextRequest) error {
		return a.app.AddNote(r.Context(), u, slug, n, req.Body, nil)
	})
}

// Message serves POST …/messages: a message to the reporter.
func (a *API) Message(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusCreated, func(u embargo.User, slug string, n int64, req TextRequest) error {
		return a.app.SendMessage(r.Context(), u, slug, n, req.Body, nil)
	})
}

// CVSSRequest sets (or, with an empty vector, clears) a CVSS vector.
type CVSSRequest struct {
	Version string `json:"version"`
	Vector  string `json:"vector"`
}

// CVSS serves PUT …/cvss.
func (a *API) CVSS(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req CVSSRequest) error {
		return a.app.SetCVSS(r.Context(), u, slug, n, req.Version, req.Vector)
	})
}

// SeverityRequest overrides the severity (with a reason), or with an empty
// severity returns to the one CVSS gives.
type SeverityRequest struct {
	Severity string `json:"severity"`
	Reason   string `json:"reason,omitempty"`
}

// Severity serves PUT …/severity.
func (a *API) Severity(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req SeverityRequest) error {
		return a.app.SetSeverity(r.Context(), u, slug, n, req.Severity, req.Reason)
	})
}

// AssigneeRequest assigns the report (0 unassigns).
type AssigneeRequest struct {
	UserID int64 `json:"user_id"`
}

// Assignee serves PUT …/assignee.
func (a *API) Assignee(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req AssigneeRequest) error {
		return a.app.Assign(r.Context(), u, slug, n, req.UserID)
	})
}

// LabelsRequest replaces the labels.
type LabelsRequest struct {
	Labels []string `json:"labels"`
}

// Labels serves PUT …/labels.
func (a *API) Labels(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req LabelsRequest) error {
		return a.app.SetLabels(r.Context(), u, slug, n, req.Labels)
	})
}

// CWERequest replaces the weaknesses.
type CWERequest struct {
	CWEs []string `json:"cwes"`
}

// CWE serves PUT …/cwe.
func (a *API) CWE(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req CWERequest) error {
		return a.app.SetCWEs(r.Context(), u, slug, n, req.CWEs)
	})
}

// AffectedRequest replaces the affected packages and ranges.
type AffectedRequest struct {
	Affected []embargo.Affected `json:"affected"`
}

// Affected serves PUT …/affected.
func (a *API) Affected(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req AffectedRequest) error {
		return a.app.SetAffected(r.Context(), u, slug, n, req.Affected)
	})
}
