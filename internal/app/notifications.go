package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/mail"
	"github.com/embargo-cvd/embargo/internal/pgp"
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

// Mailer composes and sends mail (internal/mail.Relay).
type Mailer interface {
	Compose(m mail.Message, now time.Time) ([]byte, error)
	// ComposeEnvelope writes a mail to a reporter, encrypted to
	// env.EncryptTo (and signed by signer) when set.
	ComposeEnvelope(env mail.Envelope, signer *pgp.Key, now time.Time) ([]byte, error)
	Send(ctx context.Context, to []string, msg []byte) error
}

// Mail delivery of notifications: how far back a pending one is still
// worth sending, and how many failed attempts make Embargo give up (the
// notification stays in the app).
const (
	MailWindow      = 24 * time.Hour
	MailMaxAttempts = 5
)

// DeliverNotificationEmails mails the notifications not mailed yet, when
// a relay is configured. The mail holds no report content (only the
// report's reference, the stage and a link): report text never leaves
// Embargo in the clear. Each result is recorded; a failure is returned
// (after trying the others) so that the job engine retries with backoff.
// Delivery is at least once: a crash between the relay's acceptance and
// the record sends that one mail again.
func (a *App) DeliverNotificationEmails(ctx context.Context) (int, error) {
	if a.opts.Mailer == nil {
		return 0, nil
	}
	now := a.now().UTC()
	pending, err := a.store.PendingEmails(ctx, now.Add(-MailWindow), MailMaxAttempts, 100)
	if err != nil {
		return 0, err
	}
	sent := 0
	var firstErr error
	projects := map[int64]embargo.Project{}
	for _, n := range pending {
		r, err := a.store.Report(ctx, n.ReportID)
		if err != nil {
			return sent, err
		}
		p, ok := projects[r.ProjectID]
		if !ok {
			if p, err = a.store.Project(ctx, r.ProjectID); err != nil {
				return sent, err
			}
			projects[p.ID] = p
		}
		subject := fmt.Sprintf("[Embargo] Reminder: %s %s due", r.Ref(p.Slug), strings.TrimPrefix(stageNoun(n.Stage), "the "))
		if n.Kind == sla.Breach {
			subject = fmt.Sprintf("[Embargo] Deadline missed: %s %s", r.Ref(p.Slug), strings.TrimPrefix(stageNoun(n.Stage), "the "))
		}
		body := fmt.Sprintf("Hello %s,\n\n%s\n\nOpen the report: %s/m/%s/reports/%d\n\n"+
			"This mail holds no report content, by design: read the report in Embargo.\n",
			n.Name, notificationText(n.Kind, n.Stage, n.To, p, r), strings.TrimRight(a.opts.BaseURL, "/"), p.Slug, r.Number)
		msg, err := a.opts.Mailer.Compose(mail.Message{To: []string{n.Email}, Subject: subject, Body: body}, now)
		if err == nil {
			err = a.opts.Mailer.Send(ctx, []string{n.Email}, msg)
		}
		if merr := a.store.MarkEmailed(ctx, n.ID, err); merr != nil {
			return sent, merr
		}
		if err != nil {
			a.log.Warn("notification mail failed", "notification", n.ID, "attempt", n.Attempts+1, "err", err.Error())
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		sent++
	}
	return sent, firstErr
}
