package app

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Invite returns a one-time link with which the person at email creates
// their account: with role on project slug, or (admin) as instance admin.
// Instance admins may invite anyone; a project's owners may invite to
// their project. by is nil for the command line.
func (a *App) Invite(ctx context.Context, by *embargo.User, email, slug string, role embargo.Role, admin bool) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return "", embargo.FieldErrors{{Field: "email", Message: "give the email address to invite"}}
	}
	inv := store.Invitation{Email: email, Role: role, IsAdmin: admin, CreatedBy: embargo.ActorCLI, ExpiresAt: a.now().Add(InvitationTTL)}
	if by != nil {
		inv.CreatedBy = embargo.UserActor(by.ID)
	}
	if slug != "" {
		if !role.Valid() {
			return "", embargo.Errorf(embargo.KindInvalid, "choose the role on %s: owner, triager or viewer", slug)
		}
		p, err := a.store.ProjectBySlug(ctx, slug)
		if err != nil {
			return "", err
		}
		if by != nil && !by.IsAdmin {
			if _, _, err := a.require(ctx, *by, slug, embargo.RoleOwner); err != nil {
				return "", err
			}
		}
		inv.ProjectID = p.ID
	} else if !admin {
		return "", embargo.Errorf(embargo.KindInvalid, "invite to a project (with a role) or as instance admin")
	}
	if (admin || slug == "") && by != nil && !by.IsAdmin {
		return "", embargo.Errorf(embargo.KindForbidden, "only the instance admin can invite admins")
	}
	if _, err := a.store.UserByEmail(ctx, email); err == nil {
		return "", embargo.Errorf(embargo.KindConflict, "%s already has an account: give it a role instead", email)
	}
	token, hash := embargo.NewToken()
	if err := a.store.CreateInvitation(ctx, hash, inv); err != nil {
		return "", err
	}
	return a.opts.BaseURL + "/invite/" + token, nil
}

// Invitation returns the invitation behind a link token, or an
// Unauthorized-kind error.
func (a *App) Invitation(ctx context.Context, token string) (store.Invitation, error) {
	return a.store.InvitationByHash(ctx, embargo.HashToken(token))
}

// AcceptInvitation creates the invited account with the name and password
// given and signs it in, returning the session token.
func (a *App) AcceptInvitation(ctx context.Context, token, name, password string) (string, error) {
	hash := embargo.HashToken(token)
	inv, err := a.store.InvitationByHash(ctx, hash)
	if err != nil {
		return "", err
	}
	nu, err := a.validate(ctx, NewAccount{Email: inv.Email, Name: name, Password: password})
	if err != nil {
		return "", err
	}
	u, err := a.store.AcceptInvitation(ctx, hash, nu)
	if err != nil {
		return "", err
	}
	a.log.Info("invitation accepted", "user", u.ID)
	return a.newSession(ctx, u)
}
