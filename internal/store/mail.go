package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// PGPKey is a project's OpenPGP key as stored: the public half in the
// clear (it is published), the private key sealed.
type PGPKey struct {
	ID, ProjectID int64
	Ref           string
	Fingerprint   string
	PublicKey     string
	PrivateKey    []byte
	Active        bool
	CreatedAt     time.Time
	CreatedBy     string
}

// SetPGPKey makes a key the project's active OpenPGP key, keeping the one
// it replaces (inactive) so that nothing is lost, and audits the change
// with both fingerprints. The private key is sealed to the key's ref.
func (s *Store) SetPGPKey(ctx context.Context, projectID int64, ref, fingerprint, public string, private []byte, actor embargo.Actor) (PGPKey, error) {
	k := PGPKey{ProjectID: projectID, Ref: ref, Fingerprint: fingerprint, PublicKey: public, PrivateKey: private,
		Active: true, CreatedAt: s.now(), CreatedBy: string(actor)}
	sealed, err := s.sealCell(ctx, projectID, "project_pgp_keys", "private_key", ref, private)
	if err != nil {
		return k, fmt.Errorf("store.SetPGPKey: %w", err)
	}
	err = s.inTx(ctx, "store.SetPGPKey", func(ctx context.Context, tx *sql.Tx) error {
		var previous string
		err := tx.QueryRowContext(ctx, `SELECT fingerprint FROM project_pgp_keys WHERE project_id = $1 AND active`, projectID).Scan(&previous)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE project_pgp_keys SET active = FALSE WHERE project_id = $1 AND active`, projectID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO project_pgp_keys (project_id, ref, fingerprint, public_key, private_key, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, projectID, ref, fingerprint, public, sealed, k.CreatedAt, k.CreatedBy).Scan(&k.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "project.pgp_key", ProjectID: projectID,
			Subject: "project:" + strconv.FormatInt(projectID, 10), Details: map[string]string{"fingerprint": fingerprint, "previous": previous}})
	})
	return k, err
}

// PGPKey returns the project's active OpenPGP key with its private key
// opened; a NotFound-kind error when the project has none.
func (s *Store) PGPKey(ctx context.Context, projectID int64) (PGPKey, error) {
	var k PGPKey
	var sealed []byte
	err := s.r.QueryRowContext(ctx, `SELECT id, project_id, ref, fingerprint, public_key, private_key, active, created_at, created_by
		FROM project_pgp_keys WHERE project_id = $1 AND active`, projectID).
		Scan(&k.ID, &k.ProjectID, &k.Ref, &k.Fingerprint, &k.PublicKey, &sealed, &k.Active, &k.CreatedAt, &k.CreatedBy)
	if err != nil {
		return k, fmt.Errorf("store.PGPKey(%d): %w", projectID, notFound(err, "OpenPGP key"))
	}
	k.CreatedAt = k.CreatedAt.UTC()
	if k.PrivateKey, err = s.openCell(ctx, projectID, "project_pgp_keys", "private_key", k.Ref, sealed); err != nil {
		return k, fmt.Errorf("store.PGPKey(%d): %w", projectID, err)
	}
	return k, nil
}

// PGPKeyRef returns the ref of the project's active key (it changes with
// the key, so callers may cache the key by it); NotFound-kind when none.
func (s *Store) PGPKeyRef(ctx context.Context, projectID int64) (string, error) {
	var ref string
	if err := s.r.QueryRowContext(ctx, `SELECT ref FROM project_pgp_keys WHERE project_id = $1 AND active`, projectID).Scan(&ref); err != nil {
		return "", fmt.Errorf("store.PGPKeyRef(%d): %w", projectID, notFound(err, "OpenPGP key"))
	}
	return ref, nil
}

// PublicPGPKey returns the project's active public key and fingerprint
// without opening anything; a NotFound-kind error when it has none.
func (s *Store) PublicPGPKey(ctx context.Context, projectID int64) (fingerprint, public string, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT fingerprint, public_key FROM project_pgp_keys WHERE project_id = $1 AND active`, projectID).
		Scan(&fingerprint, &public)
	if err != nil {
		return "", "", fmt.Errorf("store.PublicPGPKey(%d): %w", projectID, notFound(err, "OpenPGP key"))
	}
	return fingerprint, public, nil
}

// Kinds of mail-thread keys.
const (
	MailKeyInbound  = "in"    // the Message-ID of a mail received for the report
	MailKeyOutbound = "out"   // the Message-ID of a mail Embargo sent about it
	MailKeyReply    = "reply" // the token of a reply address given out for it
)

// MailKey is one key that threads mail to a report: only its hash is stored.
type MailKey struct {
	Hash, Kind string
}

// NewMailKey hashes a Message-ID or reply token within its project.
func NewMailKey(projectID int64, kind, value string) MailKey {
	sum := sha256.Sum256([]byte(strconv.FormatInt(projectID, 10) + "\x00" + kind + "\x00" + value))
	return MailKey{Hash: hex.EncodeToString(sum[:]), Kind: kind}
}

// MailThread returns the report a mail key belongs to and the key's kind;
// a NotFound-kind error when none.
func (s *Store) MailThread(ctx context.Context, hash string) (reportID int64, kind string, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT report_id, kind FROM mail_threads WHERE key_hash = $1`, hash).Scan(&reportID, &kind)
	if err != nil {
		return 0, "", fmt.Errorf("store.MailThread: %w", notFound(err, "mail thread"))
	}
	return reportID, kind, nil
}

// ReportMailEncrypted reports whether the reporter ever wrote to the
// report in encrypted mail (then no plaintext content goes back to them).
func (s *Store) ReportMailEncrypted(ctx context.Context, reportID int64) (bool, error) {
	var enc bool
	err := s.r.QueryRowContext(ctx, `SELECT encrypted FROM report_mail WHERE report_id = $1`, reportID).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store.ReportMailEncrypted(%d): %w", reportID, err)
	}
	return enc, nil
}

// MailChange is what a mail (in or out) adds to a report inside the
// transaction that stores the report's change: thread keys, the sticky
// "encrypted" mark, and mail for the outbox.
type MailChange struct {
	Keys      []MailKey
	Encrypted bool
	Outbound  []NewOutbound
	// Release sends the report's held mail now.
	Release bool
}

// NewOutbound is a mail to queue: Message is the whole envelope (recipient
// included) as the caller encodes it; it is sealed to Ref.
type NewOutbound struct {
	Ref       string
	Kind      string
	Encrypted bool
	Message   []byte
	// Held waits until released (see MailChange.Release).
	Held bool
}

func (s *Store) applyMail(ctx context.Context, tx *sql.Tx, projectID, reportID int64, m *MailChange, now time.Time) error {
	if m == nil {
		return nil
	}
	for _, k := range m.Keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mail_threads (key_hash, report_id, kind, created_at) VALUES ($1, $2, $3, $4)`,
			k.Hash, reportID, k.Kind, now); err != nil {
			if isUniqueViolation(err) {
				return embargo.Errorf(embargo.KindConflict, "this mail was already stored")
			}
			return fmt.Errorf("mail thread: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_mail (report_id, encrypted, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (report_id) DO UPDATE SET encrypted = report_mail.encrypted OR excluded.encrypted, updated_at = excluded.updated_at`,
		reportID, m.Encrypted, now); err != nil {
		return fmt.Errorf("report mail: %w", err)
	}
	for _, o := range m.Outbound {
		sealed, err := s.sealCell(ctx, projectID, "outbound_mail", "message", o.Ref, o.Message)
		if err != nil {
			return err
		}
		next := now
		if o.Held {
			next = heldUntil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbound_mail (project_id, report_id, ref, kind, encrypted, message, created_at, next_attempt)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, projectID, reportID, o.Ref, o.Kind, o.Encrypted || o.Held, sealed, now, next); err != nil {
			return fmt.Errorf("outbound mail: %w", err)
		}
	}
	if m.Release {
		if _, err := tx.ExecContext(ctx, `UPDATE outbound_mail SET next_attempt = $1 WHERE report_id = $2 AND sent_at IS NULL AND gave_up = FALSE AND next_attempt > $1`,
			now, reportID); err != nil {
			return fmt.Errorf("outbound mail: %w", err)
		}
	}
	return nil
}

// heldUntil is the next attempt of held mail: never, until released.
var heldUntil = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Outbound is one queued mail to a reporter.
type Outbound struct {
	ID, ProjectID, ReportID int64
	Ref, Kind               string
	Encrypted               bool
	// Message is the opened envelope (nil in listings).
	Message     []byte
	CreatedAt   time.Time
	Attempts    int
	NextAttempt time.Time
	LastError   string
	SentAt      time.Time
	GaveUp      bool
}

const outboundColumns = `id, project_id, report_id, ref, kind, encrypted, created_at, attempts, next_attempt, last_error, sent_at, gave_up`

func scanOutbound(row interface{ Scan(...any) error }, extra ...any) (Outbound, error) {
	var o Outbound
	var sent sql.NullTime
	dest := append([]any{&o.ID, &o.ProjectID, &o.ReportID, &o.Ref, &o.Kind, &o.Encrypted, &o.CreatedAt, &o.Attempts,
		&o.NextAttempt, &o.LastError, &sent}, &o.GaveUp)
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return o, err
	}
	o.CreatedAt, o.NextAttempt = o.CreatedAt.UTC(), o.NextAttempt.UTC()
	if sent.Valid {
		o.SentAt = sent.Time.UTC()
	}
	return o, nil
}

// PendingOutbound returns up to limit queued mails whose next attempt is
// due at now, oldest first, with their envelopes opened.
func (s *Store) PendingOutbound(ctx context.Context, now time.Time, limit int) ([]Outbound, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboundColumns+`, message FROM outbound_mail
		WHERE sent_at IS NULL AND gave_up = FALSE AND next_attempt <= $1 ORDER BY next_attempt, id LIMIT $2`, now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("store.PendingOutbound: %w", err)
	}
	defer rows.Close()
	var out []Outbound
	for rows.Next() {
		var sealed []byte
		o, err := scanOutbound(rows, &sealed)
		if err != nil {
			return nil, fmt.Errorf("store.PendingOutbound: %w", err)
		}
		if o.Message, err = s.openCell(ctx, o.ProjectID, "outbound_mail", "message", o.Ref, sealed); err != nil {
			return nil, fmt.Errorf("store.PendingOutbound: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OutboundFor lists the mail queued for a report, newest first, without
// the envelopes.
func (s *Store) OutboundFor(ctx context.Context, reportID int64) ([]Outbound, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboundColumns+` FROM outbound_mail WHERE report_id = $1 ORDER BY id DESC`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store.OutboundFor(%d): %w", reportID, err)
	}
	defer rows.Close()
	var out []Outbound
	for rows.Next() {
		o, err := scanOutbound(rows)
		if err != nil {
			return nil, fmt.Errorf("store.OutboundFor(%d): %w", reportID, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// RecordOutbound records one delivery attempt: sent (and its envelope
// erased) when sendErr is nil, else the error (cut to 500 bytes) and the
// next attempt, or given up (the envelope erased too).
func (s *Store) RecordOutbound(ctx context.Context, id int64, sendErr error, next time.Time, giveUp bool) error {
	now := s.now()
	return s.inTx(ctx, "store.RecordOutbound", func(ctx context.Context, tx *sql.Tx) error {
		if sendErr == nil {
			// A sent mail's envelope is emptied: the receipt held a thread
			// link, and nothing needs the text once the reporter has it.
			_, err := tx.ExecContext(ctx, `UPDATE outbound_mail SET attempts = attempts + 1, sent_at = $1, last_error = '', message = $2 WHERE id = $3`,
				now, []byte{}, id)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbound_mail SET attempts = attempts + 1, last_error = $1, next_attempt = $2, gave_up = $3 WHERE id = $4`,
			truncate(sendErr.Error(), 500), next.UTC(), giveUp, id); err != nil || !giveUp {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbound_mail SET message = $1 WHERE id = $2`, []byte{}, id)
		return err
	})
}

// HoldOutbound puts a mail back on hold (it needs what is not there yet).
func (s *Store) HoldOutbound(ctx context.Context, id int64) error {
	return s.inTx(ctx, "store.HoldOutbound", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbound_mail SET next_attempt = $1 WHERE id = $2`, heldUntil, id)
		return err
	})
}

// Held reports whether a queued mail waits to be released.
func (o Outbound) Held() bool {
	return o.SentAt.IsZero() && !o.GaveUp && o.NextAttempt.Year() >= heldUntil.Year()
}

// OutboxDue reports whether some queued mail's next attempt has come.
func (s *Store) OutboxDue(ctx context.Context, now time.Time) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM outbound_mail
		WHERE sent_at IS NULL AND gave_up = FALSE AND next_attempt <= $1 LIMIT 1) AS d`, now.UTC()).Scan(&n); err != nil {
		return false, fmt.Errorf("store.OutboxDue: %w", err)
	}
	return n > 0, nil
}
