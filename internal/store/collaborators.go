package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Collaborator is someone invited to one report (a downstream vendor, a
// co-maintainer of a dependency): they see its thread, nothing else.
type Collaborator struct {
	ID        int64
	ReportID  int64
	Email     string
	CreatedBy string
	Revoked   bool
}

// AddCollaborator stores a collaborator's link hash and records the
// invitation on the report's internal timeline and in the audit log.
func (s *Store) AddCollaborator(ctx context.Context, reportID int64, email, hash string, actor embargo.Actor) (Collaborator, error) {
	c := Collaborator{ReportID: reportID, Email: email, CreatedBy: string(actor)}
	err := s.inTx(ctx, "store.AddCollaborator", func(ctx context.Context, tx *sql.Tx) error {
		var projectID int64
		if err := tx.QueryRowContext(ctx, `SELECT project_id FROM reports WHERE id = $1`, reportID).Scan(&projectID); err != nil {
			return notFound(err, "report")
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO collaborators (report_id, email, token_hash, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, reportID, email, hash, s.now(), string(actor)).Scan(&c.ID)
		if isUniqueViolation(err) {
			return embargo.Errorf(embargo.KindConflict, "%s is already a collaborator on this report", email)
		}
		if err != nil {
			return err
		}
		ev := embargo.Event{ReportID: reportID, At: s.now(), Actor: actor, Kind: embargo.EventCollaborator,
			Audience: embargo.AudienceInternal, To: email}
		if err := s.insertEvent(ctx, tx, projectID, &ev, nil); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "report.collaborator.add", ProjectID: projectID,
			Subject: reportSubject(reportID), Details: map[string]string{"collaborator": strconv.FormatInt(c.ID, 10)}})
	})
	return c, err
}

// CollaboratorByToken returns the live collaborator whose link hashes to
// hash, or a NotFound-kind error.
func (s *Store) CollaboratorByToken(ctx context.Context, hash string) (Collaborator, error) {
	var c Collaborator
	err := s.r.QueryRowContext(ctx, `SELECT id, report_id, email, created_by FROM collaborators WHERE token_hash = $1 AND revoked_at IS NULL`,
		hash).Scan(&c.ID, &c.ReportID, &c.Email, &c.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return c, embargo.Errorf(embargo.KindNotFound, "this link is not valid")
	}
	if err != nil {
		return c, fmt.Errorf("store.CollaboratorByToken: %w", err)
	}
	return c, nil
}

// Collaborators lists a report's collaborators, revoked ones included.
func (s *Store) Collaborators(ctx context.Context, reportID int64) ([]Collaborator, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, report_id, email, created_by, revoked_at IS NOT NULL FROM collaborators WHERE report_id = $1 ORDER BY id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store.Collaborators: %w", err)
	}
	defer rows.Close()
	var out []Collaborator
	for rows.Next() {
		var c Collaborator
		if err := rows.Scan(&c.ID, &c.ReportID, &c.Email, &c.CreatedBy, &c.Revoked); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeCollaborator ends a collaborator's access and audits it.
func (s *Store) RevokeCollaborator(ctx context.Context, reportID, id int64, actor embargo.Actor) error {
	return s.inTx(ctx, "store.RevokeCollaborator", func(ctx context.Context, tx *sql.Tx) error {
		var projectID int64
		if err := tx.QueryRowContext(ctx, `SELECT project_id FROM reports WHERE id = $1`, reportID).Scan(&projectID); err != nil {
			return notFound(err, "report")
		}
		res, err := tx.ExecContext(ctx, `UPDATE collaborators SET revoked_at = $1 WHERE id = $2 AND report_id = $3 AND revoked_at IS NULL`, s.now(), id, reportID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return embargo.Errorf(embargo.KindNotFound, "no such collaborator")
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "report.collaborator.revoke", ProjectID: projectID,
			Subject: reportSubject(reportID), Details: map[string]string{"collaborator": strconv.FormatInt(id, 10)}})
	})
}
