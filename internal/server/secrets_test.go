package server

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/web"
)

// TestNoSecretReachesLogsOrErrors sends known secrets (a password, a
// session cookie, a thread token, a collaborator token, an API token,
// report text and the master key's bytes) through every route of the
// table, and finds none of them in the captured logs, nor any credential
// in an error page or problem document.
func endsCredential(rt Route) bool {
	return rt.Pattern == "/logout" || strings.HasSuffix(rt.Pattern, "/revoke")
}

func TestNoSecretReachesLogsOrErrors(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	c := h.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	u, _ := url.Parse(h.srv.URL)
	var session string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == httpx.SessionCookie {
			session = ck.Value
		}
	}
	const text = "SECRET-REPORT-TEXT-0b9e"
	rc := h.submit("virtrigaud", text)
	thread := strings.TrimPrefix(rc.ThreadURL, h.srv.URL+"/t/")
	collabLink, err := h.app.InviteCollaborator(context.Background(), mustUser(h, "owner@demo.org"), "virtrigaud", 1, "v@example.org")
	if err != nil {
		t.Fatal(err)
	}
	collab := strings.TrimPrefix(collabLink, h.srv.URL+"/c/")
	apiToken, err := h.app.CreateAPIToken(context.Background(), mustUser(h, "owner@demo.org"), "ci", "", embargo.RoleOwner, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	master := base64.StdEncoding.EncodeToString(testMasterKey)
	credentials := map[string]string{"password": adminPassword, "session": session, "API token": apiToken, "master key": master,
		"master key bytes": string(testMasterKey)}
	everything := map[string]string{"thread token": thread, "collaborator token": collab, "report text": text}
	for k, v := range credentials {
		everything[k] = v
	}
	s := &Server{web: &web.Web{}, api: &api.API{}}
	routes := s.routes()
	// Routes that end the session or the token go last, so every other
	// route runs signed in.
	sort.SliceStable(routes, func(i, j int) bool { return !endsCredential(routes[i]) && endsCredential(routes[j]) })
	for _, rt := range routes {
		path := rt.Pattern
		for k, v := range map[string]string{"{slug}": "virtrigaud", "{n}": "1", "{id}": "1", "{$}": ""} {
			path = strings.ReplaceAll(path, k, v)
		}
		switch {
		case strings.HasPrefix(path, "/t/"):
			path = strings.Replace(path, "{token}", thread, 1)
		case strings.HasPrefix(path, "/c/"):
			path = strings.Replace(path, "{token}", collab, 1)
		default:
			path = strings.Replace(path, "{token}", thread, 1)
		}
		form := url.Values{"title": {text}, "description": {text}, "body": {text}, "password": {adminPassword}, "email": {"owner@demo.org"},
			"reason": {text}, "name": {text}, "source": {text}, "policy": {text}, "master": {master}}
		for _, withToken := range []bool{false, true} {
			var body io.Reader
			if rt.Method != "GET" {
				body = strings.NewReader(form.Encode())
			}
			req, _ := http.NewRequest(rt.Method, h.srv.URL+path+"?q="+url.QueryEscape(text), body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "text/html")
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: session})
			req.Header.Set("X-CSRF-Token", httpx.FormToken(session))
			if withToken {
				req.Header.Set("Authorization", "Bearer "+apiToken)
				req.Header.Set("Accept", "application/json")
			}
			res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode >= 400 {
				for name, secret := range credentials {
					if strings.Contains(string(b), secret) {
						t.Errorf("%s %s → %d: the error response contains the %s", rt.Method, rt.Pattern, res.StatusCode, name)
					}
				}
			}
		}
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"route":"POST /m/{slug}/reports/{n}/notes"`) {
		t.Fatal("the requests were not logged")
	}
	for name, secret := range everything {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain the %s", name)
		}
	}
}
