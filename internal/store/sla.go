package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// ReportsDueForAction returns the ids of up to limit reports whose next
// SLA action is due at now, earliest first (an index range scan on
// reports_next_action).
func (s *Store) ReportsDueForAction(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	ids, err := s.idsOf(ctx, `SELECT id FROM reports WHERE next_action_at IS NOT NULL AND next_action_at <= $1
		ORDER BY next_action_at, id LIMIT $2`, now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("store.ReportsDueForAction: %w", err)
	}
	return ids, nil
}

// NextActionAt returns the earliest pending SLA action of any report, or
// the zero time when none is pending.
func (s *Store) NextActionAt(ctx context.Context) (time.Time, error) {
	var t sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT next_action_at FROM reports WHERE next_action_at IS NOT NULL ORDER BY next_action_at LIMIT 1`).Scan(&t)
	if err != nil && err != sql.ErrNoRows {
		return time.Time{}, fmt.Errorf("store.NextActionAt: %w", err)
	}
	return t.Time.UTC(), nil
}

// Notification is an in-app notice to a maintainer about an event of a
// report (a reminder before a deadline, a breach).
type Notification struct {
	ID        int64
	Kind      string
	CreatedAt time.Time
	Read      bool
	ProjectID int64
	Report    embargo.Report
	Event     embargo.Event
}

// Notifications returns a user's newest notifications (at most limit), and
// how many are unread in all.
func (s *Store) Notifications(ctx context.Context, userID int64, limit int) ([]Notification, int, error) {
	var unread int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&unread); err != nil {
		return nil, 0, fmt.Errorf("store.Notifications: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT n.id, n.kind, n.created_at, n.read_at IS NOT NULL, n.report_id, e.id, e.kind, e.from_value, e.to_value
		FROM notifications n JOIN report_events e ON e.id = n.event_id
		WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("store.Notifications: %w", err)
	}
	var out []Notification
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.Kind, &n.CreatedAt, &n.Read, &n.Report.ID, &n.Event.ID, &n.Event.Kind, &n.Event.From, &n.Event.To); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("store.Notifications: %w", err)
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store.Notifications: %w", err)
	}
	for i := range out {
		r, err := s.Report(ctx, out[i].Report.ID)
		if err != nil {
			return nil, 0, err
		}
		out[i].Report, out[i].ProjectID = r, r.ProjectID
	}
	return out, unread, nil
}

// MarkNotificationsRead marks all of a user's notifications read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID int64) error {
	return s.inTx(ctx, "store.MarkNotificationsRead", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, s.now(), userID)
		return err
	})
}

// DueNext returns up to limit open reports of the projects with a running
// deadline, nearest first: for each project and open state, the first
// limit by an index range scan on reports_inbox (project_id, state,
// next_due), merged. The cost grows with the number of projects and the
// limit, not with the number of reports.
func (s *Store) DueNext(ctx context.Context, projectIDs []int64, limit int) ([]embargo.Report, error) {
	type due struct {
		id int64
		at time.Time
	}
	var all []due
	for _, p := range projectIDs {
		for _, st := range embargo.States {
			if !st.Open() {
				continue
			}
			rows, err := s.r.QueryContext(ctx, `SELECT id, next_due FROM reports WHERE project_id = $1 AND state = $2 AND next_due IS NOT NULL
				ORDER BY next_due, id LIMIT $3`, p, string(st), limit)
			if err != nil {
				return nil, fmt.Errorf("store.DueNext: %w", err)
			}
			for rows.Next() {
				var d due
				if err := rows.Scan(&d.id, &d.at); err != nil {
					rows.Close()
					return nil, fmt.Errorf("store.DueNext: %w", err)
				}
				all = append(all, d)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("store.DueNext: %w", err)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].at.Equal(all[j].at) {
			return all[i].at.Before(all[j].at)
		}
		return all[i].id < all[j].id
	})
	ids := make([]int64, 0, min(limit, len(all)))
	for _, d := range all[:min(limit, len(all))] {
		ids = append(ids, d.id)
	}
	rs, err := s.reportsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("store.DueNext: %w", err)
	}
	return rs, nil
}

// PendingEmail is a notification still to be mailed.
type PendingEmail struct {
	ID, ReportID      int64
	Kind, Email, Name string
	// Stage and To are the event's (the stage; "reminder:24h" or "breach").
	Stage, To string
	Attempts  int
}

// PendingEmails returns up to limit notifications created since that
// have not been mailed and have failed fewer than maxAttempts times.
func (s *Store) PendingEmails(ctx context.Context, since time.Time, maxAttempts, limit int) ([]PendingEmail, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT n.id, n.report_id, n.kind, u.email, u.name, e.from_value, e.to_value, n.email_attempts
		FROM notifications n JOIN users u ON u.id = n.user_id JOIN report_events e ON e.id = n.event_id
		WHERE n.emailed_at IS NULL AND n.created_at >= $1 AND n.email_attempts < $2 ORDER BY n.id LIMIT $3`, since.UTC(), maxAttempts, limit)
	if err != nil {
		return nil, fmt.Errorf("store.PendingEmails: %w", err)
	}
	defer rows.Close()
	var out []PendingEmail
	for rows.Next() {
		var p PendingEmail
		if err := rows.Scan(&p.ID, &p.ReportID, &p.Kind, &p.Email, &p.Name, &p.Stage, &p.To, &p.Attempts); err != nil {
			return nil, fmt.Errorf("store.PendingEmails: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MarkEmailed records a mail attempt of a notification: sent when
// sendErr is nil, else one more failed attempt with its error.
func (s *Store) MarkEmailed(ctx context.Context, id int64, sendErr error) error {
	return s.inTx(ctx, "store.MarkEmailed", func(ctx context.Context, tx *sql.Tx) error {
		if sendErr == nil {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET emailed_at = $1, email_error = '' WHERE id = $2`, s.now(), id)
			return err
		}
		msg := truncate(sendErr.Error(), 500)
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET email_attempts = email_attempts + 1, email_error = $1 WHERE id = $2`, msg, id)
		return err
	})
}

// OpenReportIDs returns the ids of a project's open reports.
func (s *Store) OpenReportIDs(ctx context.Context, projectID int64) ([]int64, error) {
	ids, err := s.idsOf(ctx, `SELECT id FROM reports WHERE project_id = $1 AND state IN `+openStatesSQL()+` ORDER BY id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("store.OpenReportIDs: %w", err)
	}
	return ids, nil
}

// DeferAction moves a report's next SLA action to until (after a sweep of
// it failed), without touching anything else.
func (s *Store) DeferAction(ctx context.Context, id int64, until time.Time) error {
	return s.inTx(ctx, "store.DeferAction", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE reports SET next_action_at = $1 WHERE id = $2`, until.UTC(), id)
		return err
	})
}
