package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// SetMember gives a user a role on a project (adding or changing it) and
// audits it. It returns a NotFound-kind error for an unknown user or
// project.
func (s *Store) SetMember(ctx context.Context, actor embargo.Actor, projectID, userID int64, role embargo.Role) error {
	if !role.Valid() {
		return embargo.Errorf(embargo.KindInvalid, "unknown role %q", role)
	}
	return s.inTx(ctx, "store.SetMember", func(ctx context.Context, tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT role FROM members WHERE project_id = $1 AND user_id = $2`, projectID, userID).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO members (project_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
				projectID, userID, string(role), s.now())
			if err != nil && isForeignKeyViolation(err) {
				return embargo.Errorf(embargo.KindNotFound, "no such user or project")
			}
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE members SET role = $1 WHERE project_id = $2 AND user_id = $3`, string(role), projectID, userID)
		}
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "member.set", ProjectID: projectID,
			Subject: "user:" + strconv.FormatInt(userID, 10), Details: map[string]string{"from": old, "to": string(role)}})
	})
}

// RemoveMember takes a user's role on a project away and audits it.
func (s *Store) RemoveMember(ctx context.Context, actor embargo.Actor, projectID, userID int64) error {
	return s.inTx(ctx, "store.RemoveMember", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM members WHERE project_id = $1 AND user_id = $2`, projectID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return embargo.Errorf(embargo.KindNotFound, "that user is not a member of the project")
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "member.remove", ProjectID: projectID,
			Subject: "user:" + strconv.FormatInt(userID, 10)})
	})
}

// MemberRole returns a user's role on a project, or "" when they have
// none.
func (s *Store) MemberRole(ctx context.Context, projectID, userID int64) (embargo.Role, error) {
	var role string
	err := s.r.QueryRowContext(ctx, `SELECT role FROM members WHERE project_id = $1 AND user_id = $2`, projectID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store.MemberRole: %w", err)
	}
	return embargo.Role(role), nil
}

// Members lists a project's members, owners first.
func (s *Store) Members(ctx context.Context, projectID int64) ([]embargo.Member, error) {
	return s.members(ctx, `m.project_id = $1`, projectID)
}

// Memberships lists the projects a user belongs to, with their role.
func (s *Store) Memberships(ctx context.Context, userID int64) ([]embargo.Member, error) {
	return s.members(ctx, `m.user_id = $1`, userID)
}

func (s *Store) members(ctx context.Context, cond string, arg int64) ([]embargo.Member, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.project_id, m.user_id, u.email, u.name, m.role
		FROM members m JOIN users u ON u.id = m.user_id WHERE `+cond+`
		ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'triager' THEN 1 ELSE 2 END, u.email, m.project_id`, arg)
	if err != nil {
		return nil, fmt.Errorf("store.members: %w", err)
	}
	defer rows.Close()
	var out []embargo.Member
	for rows.Next() {
		var m embargo.Member
		if err := rows.Scan(&m.ProjectID, &m.UserID, &m.Email, &m.Name, &m.Role); err != nil {
			return nil, fmt.Errorf("store.members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// User returns a user by id (without the password hash), or a
// NotFound-kind error.
func (s *Store) User(ctx context.Context, id int64) (embargo.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT id, email, name, '', is_admin, created_at FROM users WHERE id = $1`, id))
	if err != nil {
		return u, fmt.Errorf("store.User(%d): %w", id, notFound(err, "user"))
	}
	return u, nil
}

func isForeignKeyViolation(err error) bool {
	m := err.Error()
	return containsAny(m, "FOREIGN KEY constraint failed", "SQLSTATE 23503")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
