package api

import (
	"net/http"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// Advisory is an advisory as the maintainer API shows it.
type Advisory struct {
	Project     string                     `json:"project"`
	Ref         string                     `json:"ref"`
	State       string                     `json:"state"`
	Version     int                        `json:"version"`
	Summary     string                     `json:"summary"`
	Details     string                     `json:"details"`
	Severity    string                     `json:"severity,omitempty"`
	CVSS3       *Score                     `json:"cvss_v3,omitempty"`
	CVSS4       *Score                     `json:"cvss_v4,omitempty"`
	CWEs        []string                   `json:"cwes"`
	CVE         string                     `json:"cve,omitempty"`
	Aliases     []string                   `json:"aliases"`
	References  []embargo.Reference        `json:"references"`
	Affected    []embargo.AffectedProduct  `json:"affected"`
	Credits     []embargo.AdvisoryCredit   `json:"credits"`
	Reports     []int64                    `json:"reports"`
	DisclosesAt *time.Time                 `json:"discloses_at,omitempty"`
	Published   *time.Time                 `json:"published,omitempty"`
	Modified    *time.Time                 `json:"modified,omitempty"`
	Withdrawn   *time.Time                 `json:"withdrawn,omitempty"`
	Revisions   []embargo.AdvisoryRevision `json:"revisions"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func advisoryOf(v app.AdvisoryView) Advisory {
	a := v.Advisory
	out := Advisory{Project: v.Project.Slug, Ref: a.Ref, State: string(a.State), Version: a.Version, Summary: a.Summary, Details: a.Details,
		Severity: a.Severity, CWEs: nonNil(a.CWEs), CVE: a.CVE, Aliases: nonNil(a.Aliases), References: nonNil(a.References),
		Affected: nonNil(a.Affected), Credits: nonNil(a.Credits), Reports: []int64{}, DisclosesAt: timePtr(a.DisclosesAt),
		Published: timePtr(a.Published), Modified: timePtr(a.Modified), Withdrawn: timePtr(a.Withdrawn), Revisions: nonNil(a.Revisions)}
	if a.CVSS3 != "" {
		out.CVSS3 = &Score{Vector: a.CVSS3, Score: a.CVSS3Score}
	}
	if a.CVSS4 != "" {
		out.CVSS4 = &Score{Vector: a.CVSS4, Score: a.CVSS4Score}
	}
	for _, r := range v.Reports {
		out.Reports = append(out.Reports, r.Number)
	}
	return out
}

func (a *API) writeAdvisory(w http.ResponseWriter, r *http.Request, status int, ref string) error {
	u, _ := httpx.UserFrom(r.Context())
	v, err := a.app.Advisory(r.Context(), u, r.PathValue("slug"), ref)
	if err != nil {
		return err
	}
	return writeJSON(w, status, advisoryOf(v))
}

// CreateAdvisoryRequest names the reports an advisory is drafted from.
type CreateAdvisoryRequest struct {
	Reports []int64 `json:"reports"`
}

// CreateAdvisory serves POST /api/v1/projects/{slug}/advisories.
func (a *API) CreateAdvisory(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	var req CreateAdvisoryRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	adv, err := a.app.CreateAdvisory(r.Context(), u, r.PathValue("slug"), req.Reports)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/projects/"+r.PathValue("slug")+"/advisories/"+adv.Ref)
	return a.writeAdvisory(w, r, http.StatusCreated, adv.Ref)
}

// GetAdvisory serves GET /api/v1/projects/{slug}/advisories/{ref}.
func (a *API) GetAdvisory(w http.ResponseWriter, r *http.Request) error {
	return a.writeAdvisory(w, r, http.StatusOK, r.PathValue("ref"))
}

// EditAdvisoryRequest is the whole editable advisory; change summarises
// a change to a published one (it becomes a revision).
type EditAdvisoryRequest struct {
	app.AdvisoryInput
	Change string `json:"change,omitempty"`
}

// EditAdvisory serves PUT /api/v1/projects/{slug}/advisories/{ref}.
func (a *API) EditAdvisory(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	var req EditAdvisoryRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if _, err := a.app.EditAdvisory(r.Context(), u, r.PathValue("slug"), r.PathValue("ref"), req.AdvisoryInput, req.Change); err != nil {
		return err
	}
	return a.writeAdvisory(w, r, http.StatusOK, r.PathValue("ref"))
}

// ReasonRequest carries a recorded reason.
type ReasonRequest struct {
	Reason string `json:"reason,omitempty"`
}

// PublishAdvisory serves POST …/advisories/{ref}/publish.
func (a *API) PublishAdvisory(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	var req ReasonRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if _, err := a.app.PublishAdvisory(r.Context(), u, r.PathValue("slug"), r.PathValue("ref"), req.Reason); err != nil {
		return err
	}
	return a.writeAdvisory(w, r, http.StatusOK, r.PathValue("ref"))
}

// WithdrawAdvisory serves POST …/advisories/{ref}/withdraw.
func (a *API) WithdrawAdvisory(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	var req ReasonRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if _, err := a.app.WithdrawAdvisory(r.Context(), u, r.PathValue("slug"), r.PathValue("ref"), req.Reason); err != nil {
		return err
	}
	return a.writeAdvisory(w, r, http.StatusOK, r.PathValue("ref"))
}

// DisclosureRequest proposes a disclosure instant (RFC 3339, any offset;
// stored in UTC) or, with accept, accepts the reporter's proposal (at, when
// given, must be the instant proposed: a proposal changed meanwhile is not
// accepted unseen).
type DisclosureRequest struct {
	Accept bool      `json:"accept,omitempty"`
	At     time.Time `json:"at,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

// Disclosure serves POST /api/v1/projects/{slug}/reports/{n}/disclosure.
func (a *API) Disclosure(w http.ResponseWriter, r *http.Request) error {
	return change(a, w, r, http.StatusOK, func(u embargo.User, slug string, n int64, req DisclosureRequest) error {
		if req.Accept {
			return a.app.AcceptDisclosure(r.Context(), u, slug, n, req.At)
		}
		if req.At.IsZero() {
			return embargo.FieldErrors{{Field: "at", Message: "give the proposed instant as RFC 3339 (2026-12-24T10:00:00+01:00), or accept: true"}}
		}
		return a.app.ProposeDisclosure(r.Context(), u, slug, n, req.At, req.Reason)
	})
}

// AdvisoryLine is one advisory of a project's list.
type AdvisoryLine struct {
	Ref         string     `json:"ref"`
	State       string     `json:"state"`
	Version     int        `json:"version"`
	DisclosesAt *time.Time `json:"discloses_at,omitempty"`
	Published   *time.Time `json:"published,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// ListAdvisories serves GET /api/v1/projects/{slug}/advisories: every
// advisory of the project, newest first (drafts included: members only).
func (a *API) ListAdvisories(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	_, list, err := a.app.ProjectAdvisories(r.Context(), u, r.PathValue("slug"))
	if err != nil {
		return err
	}
	out := struct {
		Advisories []AdvisoryLine `json:"advisories"`
	}{Advisories: []AdvisoryLine{}}
	for _, s := range list {
		out.Advisories = append(out.Advisories, AdvisoryLine{Ref: s.Ref, State: string(s.State), Version: s.Version,
			DisclosesAt: timePtr(s.DisclosesAt), Published: timePtr(s.Published), UpdatedAt: s.UpdatedAt})
	}
	return writeJSON(w, http.StatusOK, out)
}
