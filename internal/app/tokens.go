package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// TokenPrefix starts every API token, so secret scanners can spot one.
const TokenPrefix = "embargo_"

// MaxTokenTTL is the longest an API token may live.
const MaxTokenTTL = 366 * 24 * time.Hour

// CreateAPIToken makes an API token for u, limited to role (at most) on
// project slug, or on each of u's projects when slug is empty, expiring
// after ttl. It returns the token, shown once; only its hash is stored.
// A token cannot create tokens: u must be signed in with a session.
func (a *App) CreateAPIToken(ctx context.Context, u embargo.User, name, slug string, role embargo.Role, ttl time.Duration) (string, error) {
	if u.Token != nil {
		return "", embargo.Errorf(embargo.KindForbidden, "API tokens are created in the web interface, not with another token")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", embargo.FieldErrors{{Field: "name", Message: "name the token (what uses it), in at most 100 characters"}}
	}
	if !role.Valid() {
		return "", embargo.FieldErrors{{Field: "role", Message: "choose the token's role: owner, triager or viewer"}}
	}
	if ttl <= 0 || ttl > MaxTokenTTL {
		return "", embargo.FieldErrors{{Field: "expires", Message: "a token lives from 1 day to 366 days"}}
	}
	t := store.APIToken{UserID: u.ID, Name: name, Role: role, ExpiresAt: a.now().Add(ttl)}
	if slug != "" {
		p, _, err := a.require(ctx, u, slug, embargo.RoleViewer)
		if err != nil {
			return "", err
		}
		t.ProjectID = p.ID
	}
	token, _ := embargo.NewToken()
	token = TokenPrefix + token
	if _, err := a.store.CreateAPIToken(ctx, embargo.HashToken(token), t); err != nil {
		return "", err
	}
	return token, nil
}

// APITokenUser resolves a bearer token to its user and scope, or returns
// an Unauthorized-kind error.
func (a *App) APITokenUser(ctx context.Context, token string) (embargo.User, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) != len(TokenPrefix)+43 {
		return embargo.User{}, embargo.Errorf(embargo.KindUnauthorized, "the API token is malformed")
	}
	return a.store.APITokenUser(ctx, embargo.HashToken(token))
}

// APITokens lists u's tokens.
func (a *App) APITokens(ctx context.Context, u embargo.User) ([]store.APIToken, error) {
	return a.store.APITokens(ctx, u.ID)
}

// RevokeAPIToken deletes one of u's tokens.
func (a *App) RevokeAPIToken(ctx context.Context, u embargo.User, id int64) error {
	if u.Token != nil {
		return embargo.Errorf(embargo.KindForbidden, "tokens are revoked in the web interface")
	}
	return a.store.RevokeAPIToken(ctx, u.ID, id)
}

// effectiveRole narrows a member's role by the API token they act with.
func effectiveRole(u embargo.User, p embargo.Project, role embargo.Role) embargo.Role {
	if u.Token == nil || role == "" {
		return role
	}
	if u.Token.ProjectID != 0 && u.Token.ProjectID != p.ID {
		return ""
	}
	if !role.AtLeast(u.Token.Role) {
		return role
	}
	return u.Token.Role
}
