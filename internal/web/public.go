package web

import (
	"html/template"
	"net/http"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// HomePage lists the instance's projects.
type HomePage struct {
	Base
	Title    string
	Projects []embargo.Project
}

// Home serves GET /.
func (w *Web) Home(rw http.ResponseWriter, r *http.Request) error {
	ps, err := w.app.Projects(r.Context())
	if err != nil {
		return err
	}
	return w.render(rw, http.StatusOK, "home", HomePage{Base: baseOf(r), Title: "Security policies", Projects: ps})
}

// ProjectPage shows a project's rendered policy.
type ProjectPage struct {
	Base
	Title      string
	Project    embargo.Project
	Revision   int
	PolicyHTML template.HTML
}

// Project serves GET /p/{slug}.
func (w *Web) Project(rw http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	p, _, rev, err := w.app.ProjectPolicy(r.Context(), slug)
	if err != nil {
		return err
	}
	md, err := w.app.SecurityMD(r.Context(), slug)
	if err != nil {
		return err
	}
	html, err := w.markdown(md)
	if err != nil {
		return err
	}
	return w.render(rw, http.StatusOK, "project", ProjectPage{Base: baseOf(r), Title: p.Name + " security policy",
		Project: p, Revision: rev.Revision, PolicyHTML: html})
}

// SecurityMD serves GET /p/{slug}/SECURITY.md as Markdown.
func (w *Web) SecurityMD(rw http.ResponseWriter, r *http.Request) error {
	md, err := w.app.SecurityMD(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	rw.Header().Set("Cache-Control", "public, max-age=300")
	_, err = rw.Write(md)
	return err
}

// SecurityTxt serves GET /p/{slug}/security.txt.
func (w *Web) SecurityTxt(rw http.ResponseWriter, r *http.Request) error {
	return w.securityTxt(rw, r, r.PathValue("slug"), false)
}

// WellKnownSecurityTxt serves GET /.well-known/security.txt for the
// instance's default project.
func (w *Web) WellKnownSecurityTxt(rw http.ResponseWriter, r *http.Request) error {
	slug, err := w.app.DefaultProject(r.Context())
	if err != nil {
		return err
	}
	return w.securityTxt(rw, r, slug, true)
}

func (w *Web) securityTxt(rw http.ResponseWriter, r *http.Request, slug string, wellKnown bool) error {
	txt, err := w.app.SecurityTxt(r.Context(), slug, wellKnown)
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("Cache-Control", "public, max-age=300")
	_, err = rw.Write(txt)
	return err
}
