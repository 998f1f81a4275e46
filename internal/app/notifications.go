package app

import (
	"context"
	"fmt"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/sla"
)

// NotificationLimit is how many notifications a list shows.
const NotificationLimit = 100

// Notification is one in-app notice, as a maintainer reads it.
type Notification struct {
	ID        int64
	Kind      string // sla.Remind or sla.Breach
	CreatedAt time.Time
	Read      bool
	Project   embargo.Project
	Report    embargo.Report
	// Stage is the promise it is about; Text says what happened.
	Stage string
	Text  string
}

// Notifications returns u's newest notifications about reports of the
// projects u still belongs to (and, for an API token, of the token's
// project), and how many of those are unread.
func (a *App) Notifications(ctx context.Context, u embargo.User) ([]Notification, int, error) {
	ns, _, err := a.store.Notifications(ctx, u.ID, NotificationLimit)
	if err != nil {
		return nil, 0, err
	}
	ms, err := a.store.Memberships(ctx, u.ID)
	if err != nil {
		return nil, 0, err
	}
	member := map[int64]bool{}
	for _, m := range ms {
		if u.Token == nil || u.Token.ProjectID == 0 || u.Token.ProjectID == m.ProjectID {
			member[m.ProjectID] = true
		}
	}
	projects := map[int64]embargo.Project{}
	var out []Notification
	unread := 0
	for _, n := range ns {
		if !member[n.ProjectID] {
			continue // no longer a member: the report is not theirs to see
		}
		p, ok := projects[n.ProjectID]
		if !ok {
			if p, err = a.store.Project(ctx, n.ProjectID); err != nil {
				return nil, 0, err
			}
			projects[n.ProjectID] = p
		}
		out = append(out, Notification{ID: n.ID, Kind: n.Kind, CreatedAt: n.CreatedAt, Read: n.Read, Project: p, Report: n.Report,
			Stage: n.Event.From, Text: notificationText(n.Kind, n.Event.From, n.Event.To, p, n.Report)})
		if !n.Read {
			unread++
		}
	}
	return out, unread, nil
}

func notificationText(kind, stage, to string, p embargo.Project, r embargo.Report) string {
	ref := r.Ref(p.Slug)
	if kind == sla.Breach {
		return fmt.Sprintf("%s missed its deadline for %s.", ref, stageNoun(stage))
	}
	left := to
	if len(to) > len(sla.Remind)+1 {
		left = to[len(sla.Remind)+1:]
	}
	return fmt.Sprintf("%s: %s is due in %s.", ref, stageNoun(stage), left)
}

// MarkNotificationsRead marks all of u's notifications read.
func (a *App) MarkNotificationsRead(ctx context.Context, u embargo.User) error {
	return a.store.MarkNotificationsRead(ctx, u.ID)
}
