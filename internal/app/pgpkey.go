package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
)

// ProjectKey is the public side of a project's OpenPGP key.
type ProjectKey struct {
	Fingerprint string
	Armored     string
	Emails      []string
}

// keyIdentity is the user id of a project's generated key: its name and
// the security address of the policy in force.
func keyIdentity(p embargo.Project, pol *embargo.Policy) (name, email string, err error) {
	email = strings.ToLower(strings.TrimSpace(pol.Contacts.Email))
	if email == "" {
		return "", "", embargo.Errorf(embargo.KindInvalid,
			"the policy of %s names no security e-mail address (contacts.email): an OpenPGP key needs one for its user id", p.Slug)
	}
	return pol.Project.Name + " Security", email, nil
}

// GeneratePGPKey gives the project a new OpenPGP key (Ed25519 and
// Curve25519) for the security address of its policy, replacing any
// previous one (kept, inactive). Owners only; actor "" means the operator
// at the command line. Errors: Forbidden, NotFound, Invalid when the
// policy names no security address.
func (a *App) GeneratePGPKey(ctx context.Context, u *embargo.User, slug string) (ProjectKey, error) {
	p, actor, err := a.keyOwner(ctx, u, slug)
	if err != nil {
		return ProjectKey{}, err
	}
	return a.generateKey(ctx, p, actor)
}

func (a *App) generateKey(ctx context.Context, p embargo.Project, actor embargo.Actor) (ProjectKey, error) {
	slug := p.Slug
	_, pol, _, err := a.policyInForce(ctx, slug)
	if err != nil {
		return ProjectKey{}, err
	}
	name, email, err := keyIdentity(p, pol)
	if err != nil {
		return ProjectKey{}, err
	}
	// The key's creation time is what peers check it against: never
	// ahead of the real clock, whatever the app's clock says.
	created := a.now()
	if real := time.Now(); created.After(real) {
		created = real
	}
	k, err := pgp.Generate(name, email, created)
	if err != nil {
		return ProjectKey{}, fmt.Errorf("app.GeneratePGPKey(%s): %w", slug, err)
	}
	return a.storePGPKey(ctx, p, k, actor)
}

// ImportPGPKey makes an existing private key (armored or binary, without
// a passphrase) the project's OpenPGP key. Errors: Forbidden, NotFound,
// Invalid with the reason the key cannot serve.
func (a *App) ImportPGPKey(ctx context.Context, u *embargo.User, slug string, data []byte) (ProjectKey, error) {
	p, actor, err := a.keyOwner(ctx, u, slug)
	if err != nil {
		return ProjectKey{}, err
	}
	k, err := pgp.ParsePrivateKey(data)
	if err != nil {
		return ProjectKey{}, embargo.Errorf(embargo.KindInvalid, "%s", err.Error())
	}
	// The key speaks for the project's addresses only: a key naming
	// another project's address would take over its Web Key Directory.
	_, pol, _, err := a.policyInForce(ctx, p.Slug)
	if err != nil {
		return ProjectKey{}, err
	}
	addrs := projectAddresses(pol)
	for _, e := range k.Emails() {
		if !slices.Contains(addrs, e) {
			return ProjectKey{}, embargo.Errorf(embargo.KindInvalid,
				"the key's user id %s is not a security address of %s (%s): import a key for the project's own addresses", e, p.Name, strings.Join(addrs, ", "))
		}
	}
	return a.storePGPKey(ctx, p, k, actor)
}

func (a *App) keyOwner(ctx context.Context, u *embargo.User, slug string) (embargo.Project, embargo.Actor, error) {
	if u == nil {
		p, err := a.store.ProjectBySlug(ctx, slug)
		return p, embargo.ActorCLI, err
	}
	p, _, err := a.require(ctx, *u, slug, embargo.RoleOwner)
	return p, embargo.UserActor(u.ID), err
}

func (a *App) storePGPKey(ctx context.Context, p embargo.Project, k *pgp.Key, actor embargo.Actor) (ProjectKey, error) {
	priv, err := k.PrivateBinary()
	if err != nil {
		return ProjectKey{}, err
	}
	ref, _ := embargo.NewToken()
	pub := k.Public()
	if _, err := a.store.SetPGPKey(ctx, p.ID, ref, k.Fingerprint(), string(pub.Armored()), priv, actor); err != nil {
		return ProjectKey{}, err
	}
	a.log.Info("project OpenPGP key set", "project", p.Slug, "fingerprint", k.Fingerprint(), "actor", string(actor))
	return ProjectKey{Fingerprint: k.Fingerprint(), Armored: string(pub.Armored()), Emails: k.Emails()}, nil
}

// PublicPGPKey returns a project's public OpenPGP key, or a NotFound-kind
// error when it has none.
func (a *App) PublicPGPKey(ctx context.Context, slug string) (ProjectKey, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return ProjectKey{}, err
	}
	return a.publicKeyOf(ctx, p.ID)
}

func (a *App) publicKeyOf(ctx context.Context, projectID int64) (ProjectKey, error) {
	fpr, armored, err := a.store.PublicPGPKey(ctx, projectID)
	if err != nil {
		return ProjectKey{}, err
	}
	pub, err := pgp.ParsePublicKey([]byte(armored))
	if err != nil {
		return ProjectKey{}, fmt.Errorf("app.PublicPGPKey: stored key: %w", err)
	}
	return ProjectKey{Fingerprint: fpr, Armored: armored, Emails: pub.Emails()}, nil
}

// projectKey returns the project's private key, nil when it has none.
// Parsed keys are cached by their ref, which a new key changes.
func (a *App) projectKey(ctx context.Context, projectID int64) (*pgp.Key, error) {
	ref, err := a.store.PGPKeyRef(ctx, projectID)
	if errors.Is(err, embargo.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if k, ok := a.keys.Load(ref); ok {
		return k.(*pgp.Key), nil
	}
	stored, err := a.store.PGPKey(ctx, projectID)
	if err != nil {
		return nil, err
	}
	k, err := pgp.ParsePrivateKey(stored.PrivateKey)
	if err != nil {
		return nil, err
	}
	a.keys.Store(stored.Ref, k)
	return k, nil
}

// WKDKey answers a Web Key Directory lookup: the binary public key of the
// project whose key has a user id at domain whose local part hashes to
// hash (draft-koch-openpgp-webkey-service). NotFound-kind when none.
func (a *App) WKDKey(ctx context.Context, domain, hash string) ([]byte, error) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	ps, err := a.store.Projects(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		// Only the project's own addresses: its policy names them.
		_, pol, _, err := a.policyInForce(ctx, p.Slug)
		if err != nil {
			return nil, err
		}
		addrs := projectAddresses(pol)
		k, err := a.publicKeyOf(ctx, p.ID)
		if errors.Is(err, embargo.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range k.Emails {
			at := strings.LastIndexByte(e, '@')
			if at < 0 || e[at+1:] != domain || pgp.WKDHash(e[:at]) != hash || !slices.Contains(addrs, e) {
				continue
			}
			pub, err := pgp.ParsePublicKey([]byte(k.Armored))
			if err != nil {
				return nil, err
			}
			return pub.Binary(), nil
		}
	}
	return nil, embargo.Errorf(embargo.KindNotFound, "no key for this address")
}

// ensurePGPKey generates a key for a new project whose policy names a
// security address; a failure is logged, never fatal to the project.
func (a *App) ensurePGPKey(ctx context.Context, p embargo.Project, actor embargo.Actor) {
	if _, err := a.store.PGPKey(ctx, p.ID); err == nil {
		return
	}
	if _, err := a.generateKey(ctx, p, actor); err != nil && !errors.Is(err, embargo.ErrInvalid) {
		a.log.Warn("project OpenPGP key not generated", "project", p.Slug, "err", err.Error())
	}
}

// PGPKeyView is the owner's view of the project's OpenPGP key and mail
// addresses.
type PGPKeyView struct {
	Project   embargo.Project
	Key       *ProjectKey
	Addresses []string
}

// ProjectPGPKey shows an owner the project's key (nil when it has none)
// and the addresses its mail comes to. Errors: Forbidden, NotFound.
func (a *App) ProjectPGPKey(ctx context.Context, u embargo.User, slug string) (PGPKeyView, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleOwner)
	if err != nil {
		return PGPKeyView{}, err
	}
	_, pol, _, err := a.policyInForce(ctx, slug)
	if err != nil {
		return PGPKeyView{}, err
	}
	v := PGPKeyView{Project: p, Addresses: projectAddresses(pol)}
	k, err := a.publicKeyOf(ctx, p.ID)
	switch {
	case err == nil:
		v.Key = &k
	case !errors.Is(err, embargo.ErrNotFound):
		return v, err
	}
	return v, nil
}
