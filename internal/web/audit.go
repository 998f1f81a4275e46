package web

import (
	"net/http"
	"strconv"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// AuditPage shows the audit log: instance-wide for the admin, one
// project's for its owners.
type AuditPage struct {
	Base
	Title string
	View  app.AuditView
	Slug  string
	Older string
}

// Audit serves GET /admin/audit and GET /m/{slug}/audit (query: actor,
// report, before).
func (w *Web) Audit(rw http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	slug := r.PathValue("slug")
	v, err := w.app.AuditEntries(r.Context(), u, slug, q.Get("actor"), q.Get("report"), before)
	if err != nil {
		return err
	}
	page := AuditPage{Base: baseOf(r), Title: "Audit log", View: v, Slug: slug}
	if v.Next != 0 {
		older := q
		older.Set("before", strconv.FormatInt(v.Next, 10))
		page.Older = r.URL.Path + "?" + older.Encode()
	}
	return w.render(rw, http.StatusOK, "audit", page)
}
