// Package server assembles Embargo's HTTP server: one route table in which
// every route names the permission it requires, the middleware chain, and
// graceful shutdown.
package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// Permission is what a route requires of its caller. The zero value is
// deliberately invalid, so a route without a permission cannot be served.
type Permission int

// Permissions, from least to most privileged.
const (
	permUnset Permission = iota
	// Public routes serve anyone; capability routes (setup links) check
	// their token themselves.
	Public
	// SignedIn routes need a maintainer session.
	SignedIn
	// Admin routes need the instance admin.
	Admin
)

func (p Permission) String() string {
	return [...]string{"unset", "public", "signed-in", "admin"}[p]
}

// Route is one entry of the route table.
type Route struct {
	Method, Pattern string
	Perm            Permission
	Handler         httpx.HandlerFunc
}

// routes is the whole HTTP surface of Embargo.
func (s *Server) routes() []Route {
	w := s.web
	return []Route{
		{"GET", "/{$}", Public, w.Home},
		{"GET", "/healthz", Public, s.healthz},
		{"GET", "/readyz", Public, s.readyz},
		{"GET", "/static/", Public, handler(w.Static())},
		{"GET", "/p/{slug}", Public, w.Project},
		{"GET", "/p/{slug}/SECURITY.md", Public, w.SecurityMD},
		{"GET", "/p/{slug}/security.txt", Public, w.SecurityTxt},
		{"GET", "/.well-known/security.txt", Public, w.WellKnownSecurityTxt},
		{"GET", "/setup/{token}", Public, w.SetupForm},
		{"POST", "/setup/{token}", Public, w.SetupSubmit},
		{"GET", "/login", Public, w.LoginForm},
		{"POST", "/login", Public, w.LoginSubmit},
		{"POST", "/logout", Public, w.Logout},
		{"GET", "/admin", SignedIn, w.Admin},
		{"GET", "/admin/p/{slug}/policy", Admin, w.PolicyFile},
		{"GET", "/admin/projects/new", Admin, w.NewProject},
		{"POST", "/admin/projects/import", Admin, w.ImportDraft},
		{"POST", "/admin/projects", Admin, w.CreateProject},
	}
}

func handler(h http.Handler) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	}
}

// authorize wraps a route's handler with its permission check. Every
// request resolves its session (so pages can show who is signed in); only
// the check differs per permission.
func (s *Server) authorize(rt Route) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if tok := httpx.SessionToken(r); tok != "" {
			u, err := s.sessions.SessionUser(r.Context(), tok)
			switch {
			case err == nil:
				r = r.WithContext(httpx.WithUser(r.Context(), u))
			case embargo.KindOf(err) == embargo.KindUnauthorized:
			case rt.Perm == Public:
				// A public page still serves, as anonymous, when the
				// session cannot be looked up.
				s.log.Error("session lookup failed", "route", r.Pattern, "err", err.Error())
			default:
				return err
			}
		}
		u, signedIn := httpx.UserFrom(r.Context())
		switch rt.Perm {
		case Public:
		case SignedIn, Admin:
			if !signedIn {
				if r.Method == http.MethodGet && wantsPage(r) {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
					return nil
				}
				return embargo.Errorf(embargo.KindUnauthorized, "sign in first")
			}
			if rt.Perm == Admin && !u.IsAdmin {
				return embargo.Errorf(embargo.KindForbidden, "this needs the instance admin")
			}
		default:
			return embargo.Errorf(embargo.KindForbidden, "route has no permission")
		}
		return rt.Handler(w, r)
	}
}

func wantsPage(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return a == "" || strings.Contains(a, "text/html")
}
