package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// ReportsDueForAction returns the ids of up to limit reports whose next
// SLA action is due at now, earliest first (an index range scan on
// reports_next_action).
func (s *Store) ReportsDueForAction(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	ids, err := s.reportIDs(ctx, `SELECT id FROM reports WHERE next_action_at IS NOT NULL AND next_action_at <= $1
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
// deadline, nearest first (an index scan on reports_due).
func (s *Store) DueNext(ctx context.Context, projectIDs []int64, limit int) ([]embargo.Report, error) {
	if len(projectIDs) == 0 {
		return nil, nil
	}
	ph := make([]string, len(projectIDs))
	args := make([]any, 0, len(projectIDs)+1)
	for i, id := range projectIDs {
		ph[i] = "$" + strconv.Itoa(i+1)
		args = append(args, id)
	}
	args = append(args, limit)
	ids, err := s.reportIDs(ctx, `SELECT id FROM reports WHERE next_due IS NOT NULL AND project_id IN (`+strings.Join(ph, ", ")+`)
		ORDER BY next_due, id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store.DueNext: %w", err)
	}
	rs, err := s.reportsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("store.DueNext: %w", err)
	}
	return rs, nil
}
