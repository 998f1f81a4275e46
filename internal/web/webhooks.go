package web

import (
	"net/http"
	"strconv"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// WebhooksPage lists a project's webhooks and their delivery logs.
type WebhooksPage struct {
	Base
	Title   string
	Project embargo.Project
	Hooks   []app.WebhookView
	// Secret is the new webhook's signing secret, shown once.
	Secret string
	URL    string
	Error  string
}

// Webhooks serves GET /m/{slug}/webhooks.
func (w *Web) Webhooks(rw http.ResponseWriter, r *http.Request) error {
	return w.webhooks(rw, r, http.StatusOK, "", "", nil)
}

func (w *Web) webhooks(rw http.ResponseWriter, r *http.Request, status int, secret, typed string, failure error) error {
	u, _ := httpx.UserFrom(r.Context())
	p, hooks, err := w.app.Webhooks(r.Context(), u, r.PathValue("slug"))
	if err != nil {
		return err
	}
	page := WebhooksPage{Base: baseOf(r), Title: p.Name + " webhooks", Project: p, Hooks: hooks, Secret: secret, URL: typed}
	if failure != nil {
		page.Error = embargo.MessageOf(failure)
	}
	return w.render(rw, status, "webhooks", page)
}

// CreateWebhook serves POST /m/{slug}/webhooks (field: url).
func (w *Web) CreateWebhook(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	typed := r.PostFormValue("url")
	_, secret, err := w.app.CreateWebhook(r.Context(), u, r.PathValue("slug"), typed)
	if err == nil {
		return w.webhooks(rw, r, http.StatusCreated, secret, "", nil)
	}
	if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindConflict {
		return w.webhooks(rw, r, httpx.StatusOf(err), "", typed, err)
	}
	return err
}

// DisableWebhook serves POST /m/{slug}/webhooks/{id}/disable.
func (w *Web) DisableWebhook(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "no such webhook")
	}
	if err := w.app.DisableWebhook(r.Context(), u, r.PathValue("slug"), id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/m/"+r.PathValue("slug")+"/webhooks", http.StatusSeeOther)
	return nil
}
