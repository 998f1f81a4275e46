package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// HasAdmin reports whether an instance admin exists.
func (s *Store) HasAdmin(ctx context.Context) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE is_admin`).Scan(&n); err != nil {
		return false, fmt.Errorf("store.HasAdmin: %w", err)
	}
	return n > 0, nil
}

// setupLockID serialises setup-token changes across PostgreSQL replicas.
const setupLockID = 0x7365747570 // "setup"

// lockSetup takes a transaction-scoped lock on PostgreSQL; SQLite's
// immediate transactions already run one at a time.
func (s *Store) lockSetup(ctx context.Context, tx *sql.Tx) error {
	if s.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, setupLockID)
	return err
}

// AddSetupToken stores a new one-time setup token hash and drops expired
// ones. Links printed earlier (by this or another replica) keep working
// until they expire or an admin exists.
func (s *Store) AddSetupToken(ctx context.Context, hash string, expires time.Time) error {
	return s.inTx(ctx, "store.AddSetupToken", func(ctx context.Context, tx *sql.Tx) error {
		if err := s.lockSetup(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens WHERE expires_at <= $1`, s.now()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)`,
			hash, s.now(), expires.UTC())
		return err
	})
}

// SetupTokenValid reports whether a setup token hash is unused and unexpired.
func (s *Store) SetupTokenValid(ctx context.Context, hash string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
		hash, s.now()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store.SetupTokenValid: %w", err)
	}
	return n > 0, nil
}

// NewUser is an account to create; PasswordHash is already argon2id.
type NewUser struct {
	Email        string
	Name         string
	PasswordHash string
	IsAdmin      bool
}

// CompleteSetup consumes a setup token and creates the first admin, in one
// transaction. It returns an Unauthorized-kind error when the token is
// unknown, used or expired, and a Conflict-kind error when an admin exists.
func (s *Store) CompleteSetup(ctx context.Context, tokenHash string, nu NewUser) (embargo.User, error) {
	u := embargo.User{Email: nu.Email, Name: nu.Name, PasswordHash: nu.PasswordHash, IsAdmin: true, CreatedAt: s.now()}
	err := s.inTx(ctx, "store.CompleteSetup", func(ctx context.Context, tx *sql.Tx) error {
		if err := s.lockSetup(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1`,
			u.CreatedAt, tokenHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return embargo.Errorf(embargo.KindUnauthorized, "this setup link is invalid, used or expired: if no admin exists yet, restart Embargo to print a new one")
		}
		var admins int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE is_admin`).Scan(&admins); err != nil {
			return err
		}
		if admins > 0 {
			return embargo.Errorf(embargo.KindConflict, "an admin already exists: sign in instead")
		}
		if err := s.insertUser(ctx, tx, &u); err != nil {
			return err
		}
		// Every other setup link dies with the first admin.
		if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens WHERE used_at IS NULL`); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: embargo.Actor("user:" + strconv.FormatInt(u.ID, 10)),
			Action: "user.create", Subject: "user:" + strconv.FormatInt(u.ID, 10),
			Details: map[string]string{"admin": "true", "via": "setup-link"}})
	})
	if err != nil {
		return embargo.User{}, err
	}
	return u, nil
}

func (s *Store) insertUser(ctx context.Context, tx *sql.Tx, u *embargo.User) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, is_admin, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, u.Email, u.Name, u.PasswordHash, u.IsAdmin, u.CreatedAt).Scan(&u.ID)
	if isUniqueViolation(err) {
		return embargo.Errorf(embargo.KindConflict, "a user with email %q already exists", u.Email)
	}
	return err
}

const userColumns = `id, email, name, password_hash, is_admin, created_at`

func scanUser(row interface{ Scan(...any) error }) (embargo.User, error) {
	var u embargo.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.IsAdmin, &u.CreatedAt)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// UserByEmail returns the user, or a NotFound-kind error.
func (s *Store) UserByEmail(ctx context.Context, email string) (embargo.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	if err != nil {
		return u, fmt.Errorf("store.UserByEmail: %w", notFound(err, "user"))
	}
	return u, nil
}

// CreateSession stores a session token hash for a user and audits the
// sign-in.
func (s *Store) CreateSession(ctx context.Context, hash string, userID int64, expires time.Time) error {
	return s.inTx(ctx, "store.CreateSession", func(ctx context.Context, tx *sql.Tx) error {
		// Sweep expired sessions while here; they can never be used again.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, s.now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			hash, userID, s.now(), expires.UTC()); err != nil {
			return err
		}
		who := "user:" + strconv.FormatInt(userID, 10)
		return s.appendAudit(ctx, tx, auditRecord{Actor: embargo.Actor(who), Action: "session.create", Subject: who})
	})
}

// SessionUser returns the user of an unexpired session, without the
// password hash, or an Unauthorized-kind error.
func (s *Store) SessionUser(ctx context.Context, hash string) (embargo.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, '', u.is_admin, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2`, hash, s.now()))
	if err == sql.ErrNoRows {
		return u, embargo.Errorf(embargo.KindUnauthorized, "not signed in")
	}
	if err != nil {
		return u, fmt.Errorf("store.SessionUser: %w", err)
	}
	return u, nil
}

// DeleteSession ends a session; ending an unknown one is not an error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash); err != nil {
		return fmt.Errorf("store.DeleteSession: %w", err)
	}
	return nil
}

// CreateUser creates an account and audits it. It returns a Conflict-kind
// error when the email is taken.
func (s *Store) CreateUser(ctx context.Context, nu NewUser, actor embargo.Actor) (embargo.User, error) {
	u := embargo.User{Email: nu.Email, Name: nu.Name, PasswordHash: nu.PasswordHash, IsAdmin: nu.IsAdmin, CreatedAt: s.now()}
	err := s.inTx(ctx, "store.CreateUser", func(ctx context.Context, tx *sql.Tx) error {
		if err := s.insertUser(ctx, tx, &u); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "user.create",
			Subject: "user:" + strconv.FormatInt(u.ID, 10), Details: map[string]string{"admin": strconv.FormatBool(u.IsAdmin)}})
	})
	if err != nil {
		return embargo.User{}, err
	}
	return u, nil
}
