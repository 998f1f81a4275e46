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

// APIToken is a maintainer's API token, as listed (never its secret).
type APIToken struct {
	ID          int64
	UserID      int64
	Name        string
	ProjectID   int64 // 0: every project of the user
	ProjectSlug string
	Role        embargo.Role
	CreatedAt   time.Time
	ExpiresAt   time.Time
	LastUsedAt  time.Time
}

// CreateAPIToken stores a token under its hash and audits it.
func (s *Store) CreateAPIToken(ctx context.Context, hash string, t APIToken) (int64, error) {
	var id int64
	err := s.inTx(ctx, "store.CreateAPIToken", func(ctx context.Context, tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (token_hash, user_id, name, project_id, role, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, hash, t.UserID, t.Name, nullID(t.ProjectID), string(t.Role), s.now(), t.ExpiresAt.UTC()).Scan(&id); err != nil {
			return err
		}
		who := embargo.UserActor(t.UserID)
		return s.appendAudit(ctx, tx, auditRecord{Actor: who, Action: "token.create", ProjectID: t.ProjectID,
			Subject: "token:" + strconv.FormatInt(id, 10), Details: map[string]string{"name": t.Name, "role": string(t.Role),
				"expires": t.ExpiresAt.UTC().Format(time.RFC3339)}})
	})
	return id, err
}

// APITokenUser returns the user of an unexpired token with the token's
// scope, or an Unauthorized-kind error. It records when the token was last
// used (at most once a minute, to keep reads cheap).
func (s *Store) APITokenUser(ctx context.Context, hash string) (embargo.User, error) {
	var u embargo.User
	var sc embargo.TokenScope
	var project sql.NullInt64
	var last sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.is_admin, u.created_at, t.id, t.project_id, t.role, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.expires_at > $2`, hash, s.now()).
		Scan(&u.ID, &u.Email, &u.Name, &u.IsAdmin, &u.CreatedAt, &sc.ID, &project, &sc.Role, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return u, embargo.Errorf(embargo.KindUnauthorized, "the API token is unknown, revoked or expired")
	}
	if err != nil {
		return u, fmt.Errorf("store.APITokenUser: %w", err)
	}
	sc.ProjectID = project.Int64
	u.Token = &sc
	// An API token never carries instance-admin power: it is for reports.
	u.IsAdmin = false
	if !last.Valid || s.now().Sub(last.Time) > time.Minute {
		if _, err := s.w.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, s.now(), sc.ID); err != nil {
			return u, fmt.Errorf("store.APITokenUser: %w", err)
		}
	}
	return u, nil
}

// APITokens lists a user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, t.user_id, t.name, t.project_id, COALESCE(p.slug, ''), t.role, t.created_at, t.expires_at, t.last_used_at
		FROM api_tokens t LEFT JOIN projects p ON p.id = t.project_id WHERE t.user_id = $1 ORDER BY t.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store.APITokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var project sql.NullInt64
		var last sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &project, &t.ProjectSlug, &t.Role, &t.CreatedAt, &t.ExpiresAt, &last); err != nil {
			return nil, fmt.Errorf("store.APITokens: %w", err)
		}
		t.ProjectID = project.Int64
		t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
		if last.Valid {
			t.LastUsedAt = last.Time.UTC()
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken deletes one of a user's tokens and audits it; NotFound
// when the user has no such token.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	return s.inTx(ctx, "store.RevokeAPIToken", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return embargo.Errorf(embargo.KindNotFound, "no such token")
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: embargo.UserActor(userID), Action: "token.revoke", Subject: "token:" + strconv.FormatInt(id, 10)})
	})
}
