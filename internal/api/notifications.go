package api

import (
	"net/http"
	"time"

	"github.com/embargo-cvd/embargo/internal/httpx"
)

// Notification is one in-app notice in the API.
type Notification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
	Report    string    `json:"report"`
	Stage     string    `json:"stage"`
	Text      string    `json:"text"`
}

// NotificationList is the response of GET /api/v1/notifications.
type NotificationList struct {
	Notifications []Notification `json:"notifications"`
	Unread        int            `json:"unread"`
}

// Notifications serves GET /api/v1/notifications: the caller's newest
// reminders and escalations (narrowed to the token's project).
func (a *API) Notifications(w http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	ns, unread, err := a.app.Notifications(r.Context(), u)
	if err != nil {
		return err
	}
	out := NotificationList{Notifications: []Notification{}, Unread: unread}
	for _, n := range ns {
		out.Notifications = append(out.Notifications, Notification{ID: n.ID, Kind: n.Kind, CreatedAt: n.CreatedAt, Read: n.Read,
			Report: n.Report.Ref(n.Project.Slug), Stage: n.Stage, Text: n.Text})
	}
	return writeJSON(w, http.StatusOK, out)
}
