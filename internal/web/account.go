package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// SetupPage is the one-time admin creation form.
type SetupPage struct {
	Base
	Title              string
	Token              string
	Valid              bool
	Error, Email, Name string
	MinPassword        int
}

// SetupForm serves GET /setup/{token}.
func (w *Web) SetupForm(rw http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	ok, err := w.app.SetupTokenValid(r.Context(), token)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusNotFound
	}
	return w.render(rw, status, "setup", SetupPage{Base: baseOf(r), Title: "Create the admin account", Token: token,
		Valid: ok, MinPassword: app.MinPasswordLength})
}

// SetupSubmit serves POST /setup/{token}.
func (w *Web) SetupSubmit(rw http.ResponseWriter, r *http.Request) error {
	if err := w.attempts.Allow(w.client.Key(r)); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	token := r.PathValue("token")
	acc := app.NewAccount{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Password: r.PostFormValue("password")}
	_, session, err := w.app.CompleteSetup(r.Context(), token, acc)
	if embargo.KindOf(err) == embargo.KindInvalid {
		return w.render(rw, http.StatusBadRequest, "setup", SetupPage{Base: baseOf(r), Title: "Create the admin account",
			Token: token, Valid: true, Error: embargo.MessageOf(err), Email: acc.Email, Name: acc.Name, MinPassword: app.MinPasswordLength})
	}
	if err != nil {
		return err
	}
	httpx.SetSession(rw, session, w.secure, w.sessionTTL)
	http.Redirect(rw, r, "/admin", http.StatusSeeOther)
	return nil
}

// LoginPage is the sign-in form.
type LoginPage struct {
	Base
	Title, Error, Email, Next string
}

// LoginForm serves GET /login.
func (w *Web) LoginForm(rw http.ResponseWriter, r *http.Request) error {
	return w.render(rw, http.StatusOK, "login", LoginPage{Base: baseOf(r), Title: "Sign in", Next: safeNext(r.URL.Query().Get("next"))})
}

// LoginSubmit serves POST /login.
func (w *Web) LoginSubmit(rw http.ResponseWriter, r *http.Request) error {
	if err := w.attempts.Allow(w.client.Key(r)); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	email := r.PostFormValue("email")
	if err := w.accounts.Allow(strings.ToLower(strings.TrimSpace(email))); err != nil {
		return err
	}
	next := safeNext(r.PostFormValue("next"))
	_, session, err := w.app.Login(r.Context(), email, r.PostFormValue("password"))
	if embargo.KindOf(err) == embargo.KindUnauthorized {
		return w.render(rw, http.StatusUnauthorized, "login", LoginPage{Base: baseOf(r), Title: "Sign in",
			Error: embargo.MessageOf(err), Email: email, Next: next})
	}
	if err != nil {
		return err
	}
	httpx.SetSession(rw, session, w.secure, w.sessionTTL)
	http.Redirect(rw, r, next, http.StatusSeeOther)
	return nil
}

// Logout serves POST /logout.
func (w *Web) Logout(rw http.ResponseWriter, r *http.Request) error {
	if t := httpx.SessionToken(r); t != "" {
		if err := w.app.Logout(r.Context(), t); err != nil {
			return err
		}
	}
	httpx.ClearSession(rw, w.secure)
	http.Redirect(rw, r, "/", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-login redirect on this site: a local absolute path
// only, never //host or a scheme.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, `\`) {
		return "/admin"
	}
	return next
}
