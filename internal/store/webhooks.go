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

// Webhook is a project's outbound webhook.
type Webhook struct {
	ID, ProjectID int64
	Ref, Host     string
	URL           string
	Secret        []byte
	Active        bool
	CreatedAt     time.Time
	CreatedBy     string
}

// CreateWebhook stores a webhook with its URL and secret sealed (bound to
// the webhook's random ref), audited with its host only.
func (s *Store) CreateWebhook(ctx context.Context, projectID int64, ref, host, url string, secret []byte, actor embargo.Actor) (Webhook, error) {
	w := Webhook{ProjectID: projectID, Ref: ref, Host: host, URL: url, Secret: secret, Active: true, CreatedAt: s.now(), CreatedBy: string(actor)}
	sealedURL, err := s.sealCell(ctx, projectID, "webhooks", "url", ref, []byte(url))
	if err != nil {
		return w, err
	}
	sealedSecret, err := s.sealCell(ctx, projectID, "webhooks", "secret", ref, secret)
	if err != nil {
		return w, err
	}
	err = s.inTx(ctx, "store.CreateWebhook", func(ctx context.Context, tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (project_id, ref, host, url, secret, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, projectID, ref, host, sealedURL, sealedSecret, w.CreatedAt, w.CreatedBy).Scan(&w.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "webhook.create", ProjectID: projectID,
			Subject: "webhook:" + strconv.FormatInt(w.ID, 10), Details: map[string]string{"host": host}})
	})
	return w, err
}

// Webhooks returns a project's webhooks, active ones first, URLs and
// secrets opened.
func (s *Store) Webhooks(ctx context.Context, projectID int64) ([]Webhook, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, project_id, ref, host, url, secret, active, created_at, created_by FROM webhooks
		WHERE project_id = $1 ORDER BY active DESC, id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("store.Webhooks: %w", err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		w, err := s.scanWebhook(ctx, rows)
		if err != nil {
			return nil, fmt.Errorf("store.Webhooks: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func (s *Store) scanWebhook(ctx context.Context, row interface{ Scan(...any) error }) (Webhook, error) {
	var w Webhook
	var url, secret []byte
	if err := row.Scan(&w.ID, &w.ProjectID, &w.Ref, &w.Host, &url, &secret, &w.Active, &w.CreatedAt, &w.CreatedBy); err != nil {
		return w, err
	}
	w.CreatedAt = w.CreatedAt.UTC()
	plain, err := s.openCell(ctx, w.ProjectID, "webhooks", "url", w.Ref, url)
	if err != nil {
		return w, err
	}
	w.URL = string(plain)
	if w.Secret, err = s.openCell(ctx, w.ProjectID, "webhooks", "secret", w.Ref, secret); err != nil {
		return w, err
	}
	return w, nil
}

// DisableWebhook stops a project's webhook (its delivery log stays),
// audited; NotFound-kind when the project has no such active webhook.
func (s *Store) DisableWebhook(ctx context.Context, projectID, id int64, actor embargo.Actor) error {
	return s.inTx(ctx, "store.DisableWebhook", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET active = FALSE WHERE id = $1 AND project_id = $2 AND active`, id, projectID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return embargo.Errorf(embargo.KindNotFound, "no such webhook")
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET gave_up = TRUE WHERE webhook_id = $1 AND delivered_at IS NULL`, id)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "webhook.disable", ProjectID: projectID,
			Subject: "webhook:" + strconv.FormatInt(id, 10)})
	})
}

// Delivery is one webhook delivery with what it is about.
type Delivery struct {
	ID, WebhookID, ReportID int64
	Hook                    Webhook
	Event                   embargo.Event
	CreatedAt               time.Time
	Attempts, LastStatus    int
	LastError               string
	LastAttempt, Delivered  time.Time
	GaveUp                  bool
}

// PendingDeliveries returns the ids of deliveries neither made nor given up.
func (s *Store) PendingDeliveries(ctx context.Context, limit int) ([]int64, error) {
	ids, err := s.idsOf(ctx, `SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND gave_up = FALSE ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store.PendingDeliveries: %w", err)
	}
	return ids, nil
}

const deliveryColumns = `d.id, d.webhook_id, d.report_id, d.created_at, d.attempts, d.last_status, d.last_error, d.last_attempt, d.delivered_at, d.gave_up,
	e.id, e.kind, e.from_value, e.to_value, e.at`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var last, done sql.NullTime
	err := row.Scan(&d.ID, &d.WebhookID, &d.ReportID, &d.CreatedAt, &d.Attempts, &d.LastStatus, &d.LastError, &last, &done, &d.GaveUp,
		&d.Event.ID, &d.Event.Kind, &d.Event.From, &d.Event.To, &d.Event.At)
	d.CreatedAt, d.Event.At = d.CreatedAt.UTC(), d.Event.At.UTC()
	if last.Valid {
		d.LastAttempt = last.Time.UTC()
	}
	if done.Valid {
		d.Delivered = done.Time.UTC()
	}
	return d, err
}

// Delivery returns a delivery with its webhook (URL and secret opened).
func (s *Store) Delivery(ctx context.Context, id int64) (Delivery, error) {
	d, err := scanDelivery(s.r.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		JOIN report_events e ON e.id = d.event_id WHERE d.id = $1`, id))
	if err != nil {
		return d, fmt.Errorf("store.Delivery(%d): %w", id, notFound(err, "delivery"))
	}
	d.Hook, err = s.scanWebhook(ctx, s.r.QueryRowContext(ctx, `SELECT id, project_id, ref, host, url, secret, active, created_at, created_by
		FROM webhooks WHERE id = $1`, d.WebhookID))
	if err != nil {
		return d, fmt.Errorf("store.Delivery(%d): %w", id, err)
	}
	return d, nil
}

// Deliveries returns a webhook's newest deliveries (its log).
func (s *Store) Deliveries(ctx context.Context, webhookID int64, limit int) ([]Delivery, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		JOIN report_events e ON e.id = d.event_id WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("store.Deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store.Deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RecordDelivery records one delivery attempt: its HTTP status (0 when
// there was no response) and error; delivered on success, gaveUp after
// the last attempt.
func (s *Store) RecordDelivery(ctx context.Context, id int64, status int, errText string, delivered, gaveUp bool) error {
	errText = truncate(errText, 500)
	return s.inTx(ctx, "store.RecordDelivery", func(ctx context.Context, tx *sql.Tx) error {
		now := s.now()
		var done any
		if delivered {
			done = now
		}
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1, last_error = $2,
			last_attempt = $3, delivered_at = $4, gave_up = $5 WHERE id = $6`, status, errText, now, done, gaveUp && !delivered, id)
		return err
	})
}

// truncate shortens s to at most n bytes on a UTF-8 boundary (PostgreSQL
// refuses a cut character).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
