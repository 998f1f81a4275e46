package web

import (
	"net/http"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// AdminPage is the maintainer dashboard.
type AdminPage struct {
	Base
	Title    string
	Projects []embargo.Project
}

// Admin serves GET /admin.
func (w *Web) Admin(rw http.ResponseWriter, r *http.Request) error {
	ps, err := w.app.Projects(r.Context())
	if err != nil {
		return err
	}
	return w.render(rw, http.StatusOK, "admin", AdminPage{Base: baseOf(r), Title: "Dashboard", Projects: ps})
}

// PolicyFilePage shows a stored policy revision.
type PolicyFilePage struct {
	Base
	Title    string
	Project  embargo.Project
	Revision embargo.PolicyRevision
}

// PolicyFile serves GET /admin/p/{slug}/policy.
func (w *Web) PolicyFile(rw http.ResponseWriter, r *http.Request) error {
	p, _, rev, err := w.app.ProjectPolicy(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return w.render(rw, http.StatusOK, "policyfile", PolicyFilePage{Base: baseOf(r), Title: p.Name + " policy file", Project: p, Revision: rev})
}
