package app

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// InviteCollaborator gives someone (a downstream vendor, a co-maintainer
// of a dependency) a private link to report n: they read its thread and
// write to it, and see nothing else. The link is returned once.
func (a *App) InviteCollaborator(ctx context.Context, u embargo.User, slug string, n int64, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return "", embargo.FieldErrors{{Field: "collaborator", Message: "give the collaborator's email address"}}
	}
	p, _, err := a.require(ctx, u, slug, embargo.RoleTriager)
	if err != nil {
		return "", err
	}
	r, err := a.store.ReportByNumber(ctx, p.ID, n)
	if err != nil {
		return "", err
	}
	token, hash := embargo.NewToken()
	if _, err := a.store.AddCollaborator(ctx, r.ID, email, hash, embargo.UserActor(u.ID)); err != nil {
		return "", err
	}
	return a.opts.BaseURL + "/c/" + token, nil
}

// RevokeCollaborator ends a collaborator's access to report n.
func (a *App) RevokeCollaborator(ctx context.Context, u embargo.User, slug string, n, id int64) error {
	p, _, err := a.require(ctx, u, slug, embargo.RoleTriager)
	if err != nil {
		return err
	}
	r, err := a.store.ReportByNumber(ctx, p.ID, n)
	if err != nil {
		return err
	}
	return a.store.RevokeCollaborator(ctx, r.ID, id, embargo.UserActor(u.ID))
}

// Collaborators lists the collaborators of a case.
func (a *App) Collaborators(ctx context.Context, c Case) ([]store.Collaborator, error) {
	return a.store.Collaborators(ctx, c.Report.ID)
}

func (a *App) collaborator(ctx context.Context, token string) (store.Collaborator, error) {
	if len(token) != 43 {
		return store.Collaborator{}, embargo.Errorf(embargo.KindNotFound, "this link is not valid")
	}
	return a.store.CollaboratorByToken(ctx, embargo.HashToken(token))
}

// CollaboratorThread is a collaborator's view of their report: the thread
// as the reporter sees it, without the reporter's contact, key or credit.
func (a *App) CollaboratorThread(ctx context.Context, token string) (Thread, error) {
	c, err := a.collaborator(ctx, token)
	if err != nil {
		return Thread{}, err
	}
	r, err := a.store.Report(ctx, c.ReportID)
	if err != nil {
		return Thread{}, err
	}
	th, err := a.threadOf(ctx, r)
	if err != nil {
		return Thread{}, err
	}
	th.Report.Content.Contact, th.Report.Content.PGPKey = "", ""
	th.Report.Content.Credit = embargo.CreditPreference{Mode: embargo.CreditAnonymous}
	return th, nil
}

// CollaboratorMessage adds a collaborator's message to the thread.
func (a *App) CollaboratorMessage(ctx context.Context, token, body string, files []Upload) error {
	c, err := a.collaborator(ctx, token)
	if err != nil {
		return err
	}
	return a.threadMessage(ctx, c.ReportID, embargo.Actor(fmt.Sprintf("collaborator:%d", c.ID)), body, files)
}

// CollaboratorAttachment returns a file of the thread for a collaborator.
func (a *App) CollaboratorAttachment(ctx context.Context, token string, id int64) (embargo.Attachment, []byte, error) {
	c, err := a.collaborator(ctx, token)
	if err != nil {
		return embargo.Attachment{}, nil, err
	}
	return a.store.Attachment(ctx, c.ReportID, id, embargo.AudienceThread)
}
