package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/audit"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

// auditRecord is what a change asks to be logged.
type auditRecord struct {
	Actor     embargo.Actor
	Action    string
	ProjectID int64
	Subject   string
	Details   map[string]string
}

// appendAudit writes the next chained entry inside tx. Updating the head
// row first takes its lock, so concurrent writers (PostgreSQL replicas)
// append one after another and the chain never forks.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, r auditRecord) error {
	var seq int64
	var prev string
	err := s.txQueryRow(ctx, tx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev)
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return s.appendAuditAt(ctx, tx, r, seq, prev)
}

// appendAuditAt writes the entry numbered seq after the entry whose hash
// is prev, for a caller that has already advanced the head (with
// auditHeadCTE inside its own statement) and holds its lock.
func (s *Store) appendAuditAt(ctx context.Context, tx *sql.Tx, r auditRecord, seq int64, prev string) error {
	e := audit.Entry{Seq: seq, At: audit.Time(s.now()), Actor: string(r.Actor), Action: r.Action,
		ProjectID: r.ProjectID, Subject: r.Subject, Details: r.Details, PrevHash: prev}
	e.Hash = e.ComputeHash()
	details, err := json.Marshal(nonNil(e.Details))
	if err != nil {
		return err
	}
	var project any
	if e.ProjectID != 0 {
		project = e.ProjectID
	}
	if s.dialect == Postgres {
		// One round trip for the entry and the new head while the head's
		// row lock is held.
		if _, err := tx.ExecContext(ctx, `WITH a AS (
				INSERT INTO audit_log (seq, at, actor, action, project_id, subject, details, prev_hash, hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			) UPDATE audit_head SET hash = $9 WHERE id = 1`,
			e.Seq, e.At, e.Actor, e.Action, project, e.Subject, string(details), e.PrevHash, e.Hash); err != nil {
			return fmt.Errorf("audit append: %w", err)
		}
		return nil
	}
	if _, err := s.txExec(ctx, tx, `INSERT INTO audit_log (seq, at, actor, action, project_id, subject, details, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.Seq, e.At, e.Actor, e.Action, project, e.Subject, string(details), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	if _, err := s.txExec(ctx, tx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// auditHeadCTE advances the audit head inside a caller's data-modifying
// CTE (PostgreSQL); the caller selects h.seq and h.hash and passes them to
// appendAuditAt.
const auditHeadCTE = `h AS (UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash)`

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// AuditLog returns every audit entry in sequence order.
func (s *Store) AuditLog(ctx context.Context) ([]audit.Entry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("store.AuditLog: %w", err)
	}
	out, err := scanAuditEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("store.AuditLog: %w", err)
	}
	return out, nil
}

const auditColumns = `seq, at, actor, action, project_id, subject, details, prev_hash, hash`

// scanAuditEntries reads audit rows (auditColumns) and closes them.
func scanAuditEntries(rows *sql.Rows) ([]audit.Entry, error) {
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var project sql.NullInt64
		var details string
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &project, &e.Subject, &details, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.ProjectID = project.Int64
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			return nil, fmt.Errorf("entry %d: details: %w", e.Seq, err)
		}
		e.At = audit.Time(e.At)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditHead returns the sequence number and hash the audit chain's head
// row records: what the last entry must be.
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	if err := s.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return 0, "", fmt.Errorf("store.AuditHead: %w", err)
	}
	return seq, hash, nil
}

// AddCheckpoint stores a signed checkpoint; a checkpoint of the same entry
// (another replica's) is kept as it is.
func (s *Store) AddCheckpoint(ctx context.Context, cp audit.Checkpoint) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING`,
		cp.Seq, cp.Hash, cp.At, cp.Signature)
	if err != nil {
		return fmt.Errorf("store.AddCheckpoint: %w", err)
	}
	return nil
}

// Checkpoints returns every checkpoint in sequence order.
func (s *Store) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, hash, at, signature FROM audit_checkpoints ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("store.Checkpoints: %w", err)
	}
	defer rows.Close()
	var out []audit.Checkpoint
	for rows.Next() {
		var cp audit.Checkpoint
		if err := rows.Scan(&cp.Seq, &cp.Hash, &cp.At, &cp.Signature); err != nil {
			return nil, err
		}
		cp.At = audit.Time(cp.At)
		out = append(out, cp)
	}
	return out, rows.Err()
}

// AuditFilter selects audit entries for the audit page.
type AuditFilter struct {
	ProjectID int64 // 0: every project and instance-wide entries
	Actor     string
	Subject   string
	Limit     int
	// Before pages backwards: entries with a smaller sequence number.
	Before int64
}

// AuditEntries returns matching entries, newest first.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) ([]audit.Entry, error) {
	where := []string{"1 = 1"}
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.ProjectID != 0 {
		where = append(where, "project_id = "+arg(f.ProjectID))
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if f.Subject != "" {
		where = append(where, "subject = "+arg(f.Subject))
	}
	if f.Before > 0 {
		where = append(where, "seq < "+arg(f.Before))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log
		WHERE `+strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store.AuditEntries: %w", err)
	}
	out, err := scanAuditEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("store.AuditEntries: %w", err)
	}
	return out, nil
}
