package web

import (
	"net/http"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// NotificationsPage lists a maintainer's notifications.
type NotificationsPage struct {
	Base
	Title  string
	Items  []app.Notification
	Unread int
}

// Notifications serves GET /notifications.
func (w *Web) Notifications(rw http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	ns, unread, err := w.app.Notifications(r.Context(), u)
	if err != nil {
		return err
	}
	return w.render(rw, http.StatusOK, "notifications", NotificationsPage{Base: baseOf(r), Title: "Notifications", Items: ns, Unread: unread})
}

// MarkNotificationsRead serves POST /notifications/read.
func (w *Web) MarkNotificationsRead(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	if err := w.app.MarkNotificationsRead(r.Context(), u); err != nil {
		return err
	}
	http.Redirect(rw, r, "/notifications", http.StatusSeeOther)
	return nil
}
