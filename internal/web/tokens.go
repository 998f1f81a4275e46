package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/store"
)

// TokensPage lists the signed-in maintainer's API tokens and creates them.
type TokensPage struct {
	Base
	Title    string
	Tokens   []store.APIToken
	Projects []embargo.Project
	// Token is a token just created: shown this once.
	Token string
	Error string
	Now   time.Time
}

func (w *Web) tokens(rw http.ResponseWriter, r *http.Request, status int, token string, failure error) error {
	u, _ := httpx.UserFrom(r.Context())
	ts, err := w.app.APITokens(r.Context(), u)
	if err != nil {
		return err
	}
	ms, err := w.app.Memberships(r.Context(), u)
	if err != nil {
		return err
	}
	page := TokensPage{Base: baseOf(r), Title: "API tokens", Tokens: ts, Token: token, Now: w.app.Now()}
	for _, m := range ms {
		if p, err := w.app.ProjectByID(r.Context(), m.ProjectID); err == nil {
			page.Projects = append(page.Projects, p)
		}
	}
	if failure != nil {
		page.Error = httpx.PublicMessage(failure)
	}
	return w.render(rw, status, "tokens", page)
}

// Tokens serves GET /account/tokens.
func (w *Web) Tokens(rw http.ResponseWriter, r *http.Request) error {
	return w.tokens(rw, r, http.StatusOK, "", nil)
}

// CreateToken serves POST /account/tokens (fields: name, project, role,
// days).
func (w *Web) CreateToken(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil {
		days = 0
	}
	role, err := embargo.ParseRole(r.PostFormValue("role"))
	if err == nil {
		var token string
		token, err = w.app.CreateAPIToken(r.Context(), u, r.PostFormValue("name"), r.PostFormValue("project"), role, time.Duration(days)*24*time.Hour)
		if err == nil {
			return w.tokens(rw, r, http.StatusCreated, token, nil)
		}
	}
	if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindForbidden || k == embargo.KindNotFound {
		return w.tokens(rw, r, httpx.StatusOf(err), "", err)
	}
	return err
}

// RevokeToken serves POST /account/tokens/{id}/revoke.
func (w *Web) RevokeToken(rw http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "no such token")
	}
	if err := w.app.RevokeAPIToken(r.Context(), u, id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/account/tokens", http.StatusSeeOther)
	return nil
}
