package web

import (
	"net/http"
	"strings"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// InvitePage is the form with which an invited person creates their account.
type InvitePage struct {
	Base
	Title       string
	Token       string
	Email       string
	Name        string
	Error       string
	MinPassword int
}

// InviteForm serves GET /invite/{token}.
func (w *Web) InviteForm(rw http.ResponseWriter, r *http.Request) error {
	inv, err := w.app.Invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "%s", embargo.MessageOf(err))
	}
	return w.render(rw, http.StatusOK, "invite", InvitePage{Base: baseOf(r), Title: "Create your account", Token: r.PathValue("token"),
		Email: inv.Email, MinPassword: app.MinPasswordLength})
}

// InviteSubmit serves POST /invite/{token}.
func (w *Web) InviteSubmit(rw http.ResponseWriter, r *http.Request) error {
	if err := w.attempts.Allow(w.client.Key(r)); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	token := r.PathValue("token")
	session, err := w.app.AcceptInvitation(r.Context(), token, r.PostFormValue("name"), r.PostFormValue("password"))
	if embargo.KindOf(err) == embargo.KindInvalid {
		inv, _ := w.app.Invitation(r.Context(), token)
		return w.render(rw, http.StatusBadRequest, "invite", InvitePage{Base: baseOf(r), Title: "Create your account", Token: token,
			Email: inv.Email, Name: r.PostFormValue("name"), Error: embargo.MessageOf(err), MinPassword: app.MinPasswordLength})
	}
	if err != nil {
		return err
	}
	httpx.SetSession(rw, session, w.secure, w.sessionTTL)
	http.Redirect(rw, r, "/inbox", http.StatusSeeOther)
	return nil
}

// InvitedPage shows a new invitation link, once.
type InvitedPage struct {
	Base
	Title, Email, Link, Back string
}

// CreateInvitation serves POST /admin/invitations (instance admin: fields
// email, project, role, admin) and POST /m/{slug}/invitations (project
// owner: fields email, role).
func (w *Web) CreateInvitation(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	slug, back := r.PathValue("slug"), "/admin"
	if slug == "" {
		slug = strings.TrimSpace(r.PostFormValue("project"))
	} else {
		back = "/m/" + slug + "/members"
	}
	var role embargo.Role
	if v := r.PostFormValue("role"); v != "" && slug != "" {
		var err error
		if role, err = embargo.ParseRole(v); err != nil {
			return err
		}
	}
	email := r.PostFormValue("email")
	link, err := w.app.Invite(r.Context(), &u, email, slug, role, r.PostFormValue("admin") == "on" && r.PathValue("slug") == "")
	if err != nil {
		return err
	}
	return w.render(rw, http.StatusCreated, "invited", InvitedPage{Base: baseOf(r), Title: "Invitation created", Email: strings.ToLower(strings.TrimSpace(email)), Link: link, Back: back})
}
