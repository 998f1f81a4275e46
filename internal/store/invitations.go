package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Invitation lets the holder of a link create an account, with a role on a
// project or as instance admin.
type Invitation struct {
	Email     string
	ProjectID int64
	Role      embargo.Role
	IsAdmin   bool
	CreatedBy embargo.Actor
	ExpiresAt time.Time
}

// CreateInvitation stores an invitation under its link's token hash and
// audits it.
func (s *Store) CreateInvitation(ctx context.Context, hash string, inv Invitation) error {
	return s.inTx(ctx, "store.CreateInvitation", func(ctx context.Context, tx *sql.Tx) error {
		var project, role any
		if inv.ProjectID != 0 {
			project, role = inv.ProjectID, string(inv.Role)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO invitations (token_hash, email, project_id, role, is_admin, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, hash, inv.Email, project, role, inv.IsAdmin, string(inv.CreatedBy), s.now(), inv.ExpiresAt.UTC()); err != nil {
			if isForeignKeyViolation(err) {
				return embargo.Errorf(embargo.KindNotFound, "no such project")
			}
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: inv.CreatedBy, Action: "invitation.create", ProjectID: inv.ProjectID,
			Subject: "invitation", Details: map[string]string{"email": inv.Email, "role": string(inv.Role), "admin": strconv.FormatBool(inv.IsAdmin)}})
	})
}

// InvitationByHash returns an unused, unexpired invitation, or an
// Unauthorized-kind error.
func (s *Store) InvitationByHash(ctx context.Context, hash string) (Invitation, error) {
	return s.invitation(ctx, s.r, hash)
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) invitation(ctx context.Context, q rowQuerier, hash string) (Invitation, error) {
	var inv Invitation
	var project sql.NullInt64
	var role sql.NullString
	var by string
	err := q.QueryRowContext(ctx, `SELECT email, project_id, role, is_admin, created_by, expires_at FROM invitations
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`, hash, s.now()).
		Scan(&inv.Email, &project, &role, &inv.IsAdmin, &by, &inv.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return inv, embargo.Errorf(embargo.KindUnauthorized, "this invitation link is invalid, used or expired: ask for a new one")
	}
	if err != nil {
		return inv, fmt.Errorf("store.Invitation: %w", err)
	}
	inv.ProjectID, inv.Role, inv.CreatedBy = project.Int64, embargo.Role(role.String), embargo.Actor(by)
	inv.ExpiresAt = inv.ExpiresAt.UTC()
	return inv, nil
}

// AcceptInvitation consumes an invitation and creates its account (with
// the invited email, whatever nu says) and role, in one transaction.
func (s *Store) AcceptInvitation(ctx context.Context, hash string, nu NewUser) (embargo.User, error) {
	var u embargo.User
	err := s.inTx(ctx, "store.AcceptInvitation", func(ctx context.Context, tx *sql.Tx) error {
		inv, err := s.invitation(ctx, tx, hash)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL`, s.now(), hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return embargo.Errorf(embargo.KindUnauthorized, "this invitation link was just used")
		}
		u = embargo.User{Email: inv.Email, Name: nu.Name, PasswordHash: nu.PasswordHash, IsAdmin: inv.IsAdmin, CreatedAt: s.now()}
		if err := s.insertUser(ctx, tx, &u); err != nil {
			return err
		}
		who := embargo.UserActor(u.ID)
		if inv.ProjectID != 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO members (project_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
				inv.ProjectID, u.ID, string(inv.Role), s.now()); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: who, Action: "user.create", ProjectID: inv.ProjectID, Subject: string(who),
			Details: map[string]string{"admin": strconv.FormatBool(inv.IsAdmin), "via": "invitation", "invited_by": string(inv.CreatedBy), "role": string(inv.Role)}})
	})
	if err != nil {
		return embargo.User{}, err
	}
	return u, nil
}
