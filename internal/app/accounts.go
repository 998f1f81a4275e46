package app

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// MinPasswordLength follows NIST SP 800-63B for passwords chosen by users.
const MinPasswordLength = 12

// SetupLink returns a fresh one-time admin setup link when no admin exists
// yet (ok is false once one does). Earlier links keep working until they
// expire or the admin is created.
func (a *App) SetupLink(ctx context.Context) (link string, ok bool, err error) {
	has, err := a.store.HasAdmin(ctx)
	if err != nil || has {
		return "", false, err
	}
	token, hash := embargo.NewToken()
	if err := a.store.AddSetupToken(ctx, hash, a.now().Add(a.opts.SetupLinkTTL)); err != nil {
		return "", false, err
	}
	return a.opts.BaseURL + "/setup/" + token, true, nil
}

// SetupTokenValid reports whether a setup link token can still be used.
func (a *App) SetupTokenValid(ctx context.Context, token string) (bool, error) {
	return a.store.SetupTokenValid(ctx, embargo.HashToken(token))
}

// NewAccount is what a person types to create an account.
type NewAccount struct {
	Email, Name, Password string
}

func (a *App) validate(ctx context.Context, n NewAccount) (store.NewUser, error) {
	email := strings.TrimSpace(n.Email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return store.NewUser{}, embargo.Errorf(embargo.KindInvalid, "%q is not an email address", n.Email)
	}
	name := strings.TrimSpace(n.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return store.NewUser{}, embargo.Errorf(embargo.KindInvalid, "give a name of 1 to 100 characters")
	}
	if utf8.RuneCountInString(n.Password) < MinPasswordLength || len(n.Password) > 1024 {
		return store.NewUser{}, embargo.Errorf(embargo.KindInvalid, "the password needs at least %d characters", MinPasswordLength)
	}
	var hash string
	if err := a.hashing(ctx, func() { hash = HashPassword(n.Password) }); err != nil {
		return store.NewUser{}, err
	}
	return store.NewUser{Email: strings.ToLower(email), Name: name, PasswordHash: hash}, nil
}

// CompleteSetup uses a setup link to create the first admin and signs them
// in, returning the new session token.
func (a *App) CompleteSetup(ctx context.Context, token string, n NewAccount) (embargo.User, string, error) {
	nu, err := a.validate(ctx, n)
	if err != nil {
		return embargo.User{}, "", err
	}
	u, err := a.store.CompleteSetup(ctx, embargo.HashToken(token), nu)
	if err != nil {
		return u, "", fmt.Errorf("app.CompleteSetup: %w", err)
	}
	a.log.Info("first admin created", "user_id", u.ID)
	session, err := a.newSession(ctx, u)
	return u, session, err
}

// errBadLogin is deliberately the same for an unknown email and a wrong
// password.
var errBadLogin = embargo.Errorf(embargo.KindUnauthorized, "wrong email or password")

// Login checks a password and returns a new session token. The work done
// is the same whether or not the email exists, so timing reveals nothing.
func (a *App) Login(ctx context.Context, email, password string) (embargo.User, string, error) {
	u, err := a.store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	hash := u.PasswordHash
	if err != nil {
		if embargo.KindOf(err) != embargo.KindNotFound {
			return u, "", err
		}
		hash = dummyHash()
	}
	var ok bool
	if herr := a.hashing(ctx, func() { ok = CheckPassword(hash, password) }); herr != nil {
		return embargo.User{}, "", herr
	}
	if !ok || err != nil {
		return embargo.User{}, "", errBadLogin
	}
	session, err := a.newSession(ctx, u)
	return u, session, err
}

func (a *App) newSession(ctx context.Context, u embargo.User) (string, error) {
	token, hash := embargo.NewToken()
	if err := a.store.CreateSession(ctx, hash, u.ID, a.now().Add(a.opts.SessionTTL)); err != nil {
		return "", err
	}
	return token, nil
}

// SessionUser returns the user signed in with a session token, or an
// Unauthorized-kind error.
func (a *App) SessionUser(ctx context.Context, token string) (embargo.User, error) {
	if token == "" {
		return embargo.User{}, embargo.Errorf(embargo.KindUnauthorized, "not signed in")
	}
	return a.store.SessionUser(ctx, embargo.HashToken(token))
}

// Logout ends a session.
func (a *App) Logout(ctx context.Context, token string) error {
	return a.store.DeleteSession(ctx, embargo.HashToken(token))
}

// CreateUser creates a maintainer account (admin or not) on behalf of actor.
func (a *App) CreateUser(ctx context.Context, actor embargo.Actor, n NewAccount, admin bool) (embargo.User, error) {
	nu, err := a.validate(ctx, n)
	if err != nil {
		return embargo.User{}, err
	}
	nu.IsAdmin = admin
	u, err := a.store.CreateUser(ctx, nu, actor)
	if err != nil {
		return u, fmt.Errorf("app.CreateUser: %w", err)
	}
	return u, nil
}
