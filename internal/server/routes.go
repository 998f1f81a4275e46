// Package server assembles Embargo's HTTP server: one route table in which
// every route names the permission it requires, the middleware chain, and
// graceful shutdown.
package server

import (
	"errors"
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
	// Thread routes are reached through a reporter's or collaborator's
	// private link: the {token} in the path is the capability, checked by
	// the use case.
	Thread
	// SignedIn routes need a maintainer session.
	SignedIn
	// ProjectViewer, ProjectTriager and ProjectOwner need that role (or a
	// higher one) on the project named by {slug}.
	ProjectViewer
	ProjectTriager
	ProjectOwner
	// Admin routes need the instance admin.
	Admin
	// Metrics is /metrics: the operator's bearer token
	// (EMBARGO_METRICS_TOKEN) when one is set, else a request from the
	// loopback interface that did not come through a proxy.
	Metrics
)

func (p Permission) String() string {
	return [...]string{"unset", "public", "thread", "signed-in", "project-viewer", "project-triager", "project-owner", "admin", "metrics"}[p]
}

// role is the project role a permission needs, if it is a project one.
func (p Permission) role() (embargo.Role, bool) {
	switch p {
	case ProjectViewer:
		return embargo.RoleViewer, true
	case ProjectTriager:
		return embargo.RoleTriager, true
	case ProjectOwner:
		return embargo.RoleOwner, true
	}
	return "", false
}

// Route is one entry of the route table.
type Route struct {
	Method, Pattern string
	Perm            Permission
	Handler         httpx.HandlerFunc
	// Upload routes accept files: their bodies may be as large as a
	// report's limit instead of the general one.
	Upload bool
}

// routes is the whole HTTP surface of Embargo.
func (s *Server) routes() []Route {
	w, a := s.web, s.api
	return []Route{
		{Method: "GET", Pattern: "/{$}", Perm: Public, Handler: w.Home},
		{Method: "GET", Pattern: "/healthz", Perm: Public, Handler: s.healthz},
		{Method: "GET", Pattern: "/metrics", Perm: Metrics, Handler: s.metrics},
		{Method: "GET", Pattern: "/readyz", Perm: Public, Handler: s.readyz},
		{Method: "GET", Pattern: "/static/", Perm: Public, Handler: handler(w.Static())},
		{Method: "GET", Pattern: "/p/{slug}", Perm: Public, Handler: w.Project},
		{Method: "GET", Pattern: "/p/{slug}/stats", Perm: Public, Handler: w.PublicStats},
		{Method: "GET", Pattern: "/p/{slug}/SECURITY.md", Perm: Public, Handler: w.SecurityMD},
		{Method: "GET", Pattern: "/p/{slug}/security.txt", Perm: Public, Handler: w.SecurityTxt},
		{Method: "GET", Pattern: "/.well-known/security.txt", Perm: Public, Handler: w.WellKnownSecurityTxt},
		{Method: "GET", Pattern: "/p/{slug}/pgp-key.asc", Perm: Public, Handler: w.PublicPGPKey},
		{Method: "GET", Pattern: "/p/{slug}/advisories", Perm: Public, Handler: w.PublishedIndex},
		{Method: "GET", Pattern: "/p/{slug}/advisories/{path...}", Perm: Public, Handler: w.PublishedFile},
		{Method: "GET", Pattern: "/.well-known/csaf/{path...}", Perm: Public, Handler: w.WellKnownCSAF},
		{Method: "GET", Pattern: "/.well-known/openpgpkey/policy", Perm: Public, Handler: w.WKDPolicy},
		{Method: "GET", Pattern: "/.well-known/openpgpkey/{dir}/{name}", Perm: Public, Handler: w.WKD},
		{Method: "GET", Pattern: "/.well-known/openpgpkey/{domain}/hu/{hash}", Perm: Public, Handler: w.WKD},
		{Method: "GET", Pattern: "/p/{slug}/report", Perm: Public, Handler: w.ReportForm},
		{Method: "POST", Pattern: "/p/{slug}/report", Perm: Public, Handler: w.SubmitReport, Upload: true},
		{Method: "GET", Pattern: "/t/{token}", Perm: Thread, Handler: w.Thread},
		{Method: "POST", Pattern: "/t/{token}/messages", Perm: Thread, Handler: w.ThreadMessage, Upload: true},
		{Method: "POST", Pattern: "/t/{token}/credit", Perm: Thread, Handler: w.ThreadCredit},
		{Method: "POST", Pattern: "/t/{token}/disclosure", Perm: Thread, Handler: w.ThreadDisclosure},
		{Method: "GET", Pattern: "/t/{token}/files/{id}", Perm: Thread, Handler: w.ThreadFile},
		{Method: "GET", Pattern: "/c/{token}", Perm: Thread, Handler: w.CollabThread},
		{Method: "POST", Pattern: "/c/{token}/messages", Perm: Thread, Handler: w.CollabMessage, Upload: true},
		{Method: "GET", Pattern: "/c/{token}/files/{id}", Perm: Thread, Handler: w.CollabFile},
		{Method: "GET", Pattern: "/setup/{token}", Perm: Public, Handler: w.SetupForm},
		{Method: "POST", Pattern: "/setup/{token}", Perm: Public, Handler: w.SetupSubmit},
		{Method: "GET", Pattern: "/invite/{token}", Perm: Public, Handler: w.InviteForm},
		{Method: "POST", Pattern: "/invite/{token}", Perm: Public, Handler: w.InviteSubmit},
		{Method: "GET", Pattern: "/login", Perm: Public, Handler: w.LoginForm},
		{Method: "POST", Pattern: "/login", Perm: Public, Handler: w.LoginSubmit},
		{Method: "POST", Pattern: "/logout", Perm: Public, Handler: w.Logout},
		{Method: "GET", Pattern: "/admin", Perm: SignedIn, Handler: w.Admin},
		{Method: "GET", Pattern: "/inbox", Perm: SignedIn, Handler: w.Inbox},
		{Method: "GET", Pattern: "/notifications", Perm: SignedIn, Handler: w.Notifications},
		{Method: "GET", Pattern: "/due", Perm: SignedIn, Handler: w.DueNext},
		{Method: "POST", Pattern: "/notifications/read", Perm: SignedIn, Handler: w.MarkNotificationsRead},
		{Method: "GET", Pattern: "/account/tokens", Perm: SignedIn, Handler: w.Tokens},
		{Method: "POST", Pattern: "/account/tokens", Perm: SignedIn, Handler: w.CreateToken},
		{Method: "POST", Pattern: "/account/tokens/{id}/revoke", Perm: SignedIn, Handler: w.RevokeToken},
		{Method: "GET", Pattern: "/m/{slug}/reports/{n}", Perm: ProjectViewer, Handler: w.Case},
		{Method: "GET", Pattern: "/m/{slug}/reports/{n}/files/{id}", Perm: ProjectViewer, Handler: w.CaseFile},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/transition", Perm: ProjectTriager, Handler: w.CaseTransition},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/duplicate", Perm: ProjectTriager, Handler: w.CaseDuplicate},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/notes", Perm: ProjectTriager, Handler: w.CaseNote, Upload: true},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/messages", Perm: ProjectTriager, Handler: w.CaseMessage, Upload: true},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/cvss", Perm: ProjectTriager, Handler: w.CaseCVSS},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/severity", Perm: ProjectTriager, Handler: w.CaseSeverity},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/assignee", Perm: ProjectTriager, Handler: w.CaseAssign},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/labels", Perm: ProjectTriager, Handler: w.CaseLabels},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/affected", Perm: ProjectTriager, Handler: w.CaseAffected},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/cwe", Perm: ProjectTriager, Handler: w.CaseCWE},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/disclosure", Perm: ProjectTriager, Handler: w.CaseDisclosure},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/collaborators", Perm: ProjectTriager, Handler: w.CaseCollaborator},
		{Method: "POST", Pattern: "/m/{slug}/reports/{n}/collaborators/{id}/revoke", Perm: ProjectTriager, Handler: w.CaseRevokeCollaborator},
		{Method: "GET", Pattern: "/m/{slug}/members", Perm: ProjectViewer, Handler: w.Members},
		{Method: "GET", Pattern: "/m/{slug}/performance", Perm: ProjectViewer, Handler: w.Performance},
		{Method: "GET", Pattern: "/m/{slug}/webhooks", Perm: ProjectOwner, Handler: w.Webhooks},
		{Method: "POST", Pattern: "/m/{slug}/webhooks", Perm: ProjectOwner, Handler: w.CreateWebhook},
		{Method: "POST", Pattern: "/m/{slug}/webhooks/{id}/disable", Perm: ProjectOwner, Handler: w.DisableWebhook},
		{Method: "GET", Pattern: "/m/{slug}/advisories", Perm: ProjectViewer, Handler: w.Advisories},
		{Method: "POST", Pattern: "/m/{slug}/advisories", Perm: ProjectTriager, Handler: w.CreateAdvisory},
		{Method: "GET", Pattern: "/m/{slug}/advisories/{ref}", Perm: ProjectViewer, Handler: w.Advisory},
		{Method: "POST", Pattern: "/m/{slug}/advisories/{ref}", Perm: ProjectTriager, Handler: w.SaveAdvisory},
		{Method: "POST", Pattern: "/m/{slug}/advisories/{ref}/publish", Perm: ProjectOwner, Handler: w.PublishAdvisory},
		{Method: "POST", Pattern: "/m/{slug}/advisories/{ref}/withdraw", Perm: ProjectOwner, Handler: w.WithdrawAdvisory},
		{Method: "POST", Pattern: "/m/{slug}/advisories/{ref}/cve", Perm: ProjectTriager, Handler: w.TakeCVE},
		{Method: "POST", Pattern: "/m/{slug}/cves", Perm: ProjectOwner, Handler: w.ReserveCVEs},
		{Method: "GET", Pattern: "/m/{slug}/pgp-key", Perm: ProjectOwner, Handler: w.PGPKeySettings},
		{Method: "POST", Pattern: "/m/{slug}/pgp-key/generate", Perm: ProjectOwner, Handler: w.GeneratePGPKey},
		{Method: "POST", Pattern: "/m/{slug}/pgp-key/import", Perm: ProjectOwner, Handler: w.ImportPGPKey},
		{Method: "GET", Pattern: "/m/{slug}/audit", Perm: ProjectOwner, Handler: w.Audit},
		{Method: "GET", Pattern: "/admin/audit", Perm: Admin, Handler: w.Audit},
		{Method: "POST", Pattern: "/m/{slug}/members", Perm: ProjectOwner, Handler: w.SetMember},
		{Method: "POST", Pattern: "/m/{slug}/invitations", Perm: ProjectOwner, Handler: w.CreateInvitation},
		{Method: "POST", Pattern: "/admin/invitations", Perm: Admin, Handler: w.CreateInvitation},
		{Method: "GET", Pattern: "/admin/p/{slug}/policy", Perm: Admin, Handler: w.PolicyFile},
		{Method: "GET", Pattern: "/admin/projects/new", Perm: Admin, Handler: w.NewProject},
		{Method: "POST", Pattern: "/admin/projects/import", Perm: Admin, Handler: w.ImportDraft},
		{Method: "POST", Pattern: "/admin/projects", Perm: Admin, Handler: w.CreateProject},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/reports", Perm: Public, Handler: a.SubmitReport, Upload: true},
		{Method: "GET", Pattern: "/api/v1/openapi.json", Perm: Public, Handler: a.OpenAPIDocument},
		{Method: "GET", Pattern: "/api/v1/reports", Perm: SignedIn, Handler: a.Inbox},
		{Method: "GET", Pattern: "/api/v1/notifications", Perm: SignedIn, Handler: a.Notifications},
		{Method: "GET", Pattern: "/api/v1/due", Perm: SignedIn, Handler: a.Due},
		{Method: "GET", Pattern: "/api/v1/projects/{slug}/performance", Perm: ProjectViewer, Handler: a.Performance},
		{Method: "GET", Pattern: "/api/v1/projects/{slug}/reports/{n}", Perm: ProjectViewer, Handler: a.Case},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/reports/{n}/transitions", Perm: ProjectTriager, Handler: a.Transition},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/reports/{n}/duplicate", Perm: ProjectTriager, Handler: a.Duplicate},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/reports/{n}/notes", Perm: ProjectTriager, Handler: a.Note},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/reports/{n}/messages", Perm: ProjectTriager, Handler: a.Message},
		{Method: "PUT", Pattern: "/api/v1/projects/{slug}/reports/{n}/cvss", Perm: ProjectTriager, Handler: a.CVSS},
		{Method: "PUT", Pattern: "/api/v1/projects/{slug}/reports/{n}/severity", Perm: ProjectTriager, Handler: a.Severity},
		{Method: "PUT", Pattern: "/api/v1/projects/{slug}/reports/{n}/assignee", Perm: ProjectTriager, Handler: a.Assignee},
		{Method: "PUT", Pattern: "/api/v1/projects/{slug}/reports/{n}/labels", Perm: ProjectTriager, Handler: a.Labels},
		{Method: "PUT", Pattern: "/api/v1/projects/{slug}/reports/{n}/cwe", Perm: ProjectTriager, Handler: a.CWE},
		{Method: "PUT", Pattern: "/api/v1/projects/{slug}/reports/{n}/affected", Perm: ProjectTriager, Handler: a.Affected},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/reports/{n}/disclosure", Perm: ProjectTriager, Handler: a.Disclosure},
		{Method: "GET", Pattern: "/api/v1/projects/{slug}/advisories", Perm: ProjectViewer, Handler: a.ListAdvisories},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/advisories", Perm: ProjectTriager, Handler: a.CreateAdvisory},
		{Method: "GET", Pattern: "/api/v1/projects/{slug}/advisories/{ref}", Perm: ProjectViewer, Handler: a.GetAdvisory},
		{Method: "PUT", Pattern: "/api/v1/projects/{slug}/advisories/{ref}", Perm: ProjectTriager, Handler: a.EditAdvisory},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/advisories/{ref}/publish", Perm: ProjectOwner, Handler: a.PublishAdvisory},
		{Method: "POST", Pattern: "/api/v1/projects/{slug}/advisories/{ref}/withdraw", Perm: ProjectOwner, Handler: a.WithdrawAdvisory},
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
		if rt.Perm == Metrics {
			if err := s.metricsAllowed(r); err != nil {
				return err
			}
			return rt.Handler(w, r)
		}
		tok := httpx.SessionToken(r)
		bearer, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if hasBearer && !strings.HasPrefix(r.URL.Path, "/api/") {
			// API tokens are for the API: pages are for people with a session.
			return embargo.Errorf(embargo.KindUnauthorized, "API tokens work on /api/v1 only")
		}
		if hasBearer {
			// An API token authenticates this request alone; it is not a
			// cookie, so no form token is needed and a session is ignored.
			tok = ""
			u, err := s.backend.APITokenUser(r.Context(), strings.TrimSpace(bearer))
			switch {
			case err == nil:
				r = r.WithContext(httpx.WithUser(r.Context(), u))
			case rt.Perm == Public || rt.Perm == Thread:
			default:
				return err
			}
		}
		if tok != "" {
			u, err := s.backend.SessionUser(r.Context(), tok)
			switch {
			case err == nil:
				r = r.WithContext(httpx.WithUser(r.Context(), u))
			case embargo.KindOf(err) == embargo.KindUnauthorized:
			case rt.Perm == Public || rt.Perm == Thread:
				// A public page still serves, as anonymous, when the
				// session cannot be looked up.
				s.log.Error("session lookup failed", "route", r.Pattern, "err", err.Error())
			default:
				return err
			}
		}
		u, signedIn := httpx.UserFrom(r.Context())
		switch rt.Perm {
		case Public, Thread:
			return rt.Handler(w, r)
		case SignedIn, Admin, ProjectViewer, ProjectTriager, ProjectOwner:
		default:
			return embargo.Errorf(embargo.KindForbidden, "route has no permission")
		}
		if !signedIn {
			if r.Method == http.MethodGet && wantsPage(r) && !strings.HasPrefix(r.URL.Path, "/api/") {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
				return nil
			}
			return embargo.Errorf(embargo.KindUnauthorized, "sign in first")
		}
		if rt.Perm == Admin && !u.IsAdmin {
			return embargo.Errorf(embargo.KindForbidden, "this needs the instance admin")
		}
		if min, ok := rt.Perm.role(); ok {
			p, role, err := s.backend.ProjectRole(r.Context(), u, r.PathValue("slug"))
			if err != nil {
				return err
			}
			if !role.AtLeast(min) {
				if u.Token != nil && u.Token.ProjectID != 0 && u.Token.ProjectID != p.ID {
					return embargo.Errorf(embargo.KindForbidden, "this API token is for another project")
				}
				if role == "" {
					return embargo.Errorf(embargo.KindForbidden, "you are not a member of %s", p.Name)
				}
				return embargo.Errorf(embargo.KindForbidden, "this needs the %s role on %s; you are %s", min, p.Name, role)
			}
		}
		// A signed-in browser's state change carries the session's form
		// token as well as passing the cross-origin check. A form too large
		// to read is refused here: nothing runs without a verified token.
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !hasBearer {
			submitted := r.Header.Get("X-CSRF-Token")
			if submitted == "" {
				v, tooBig := s.formValue(r, "csrf")
				if tooBig != nil {
					return embargo.Errorf(embargo.KindTooLarge, "the form is larger than %d bytes: nothing was changed", tooBig.(*http.MaxBytesError).Limit)
				}
				submitted = v
			}
			if !httpx.CheckFormToken(tok, submitted) {
				return embargo.Errorf(embargo.KindForbidden, "the form has expired or did not come from this site: reload the page and try again")
			}
		}
		return rt.Handler(w, r)
	}
}

// formValue reads one field of a urlencoded or multipart form. A
// multipart form is kept in memory (the body limit bounds it), so no
// uploaded file is written to a temporary file. It returns the body's
// *http.MaxBytesError when the form is over the limit.
func (s *Server) formValue(r *http.Request, key string) (string, error) {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(s.opts.MaxUploadBytes)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return "", tooBig
	}
	return r.PostFormValue(key), nil
}

func wantsPage(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return a == "" || strings.Contains(a, "text/html")
}
