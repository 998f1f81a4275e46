package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/metrics"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
	"github.com/embargo-cvd/embargo/internal/web"
)

// harness is a running server over a temp-file SQLite database.
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	app   *app.App
	store *store.Store
	clock *storetest.Clock
	logs  *strings.Builder
	// intake is the report rate limit, generous unless a test narrows it.
	intake *httpx.Limiter
	dbPath string
	// metrics is the registry behind /metrics (no token: loopback only).
	metrics *metrics.Metrics
}

const adminPassword = "correct horse battery staple"

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, httpx.NewLimiter(time.Minute, 1000))
}

// newHarnessWith starts a harness whose report submissions are limited by
// intake.
func newHarnessWith(t *testing.T, intake *httpx.Limiter) *harness {
	t.Helper()
	return newHarnessOpts(t, intake, nil)
}

// newHarnessOpts builds a harness whose app sends mail through mailer
// (nil: no mail leaves).
func newHarnessOpts(t *testing.T, intake *httpx.Limiter, mailer app.Mailer) *harness {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock()
	dbPath := filepath.Join(t.TempDir(), "embargo.db")
	st, err := store.Open(ctx, dbPath, store.Options{Now: clock.Now, MasterKey: testMasterKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	logs := &strings.Builder{}
	log := slog.New(slog.NewJSONHandler(&syncWriter{b: logs}, nil))
	h := &harness{t: t, store: st, clock: clock, logs: logs, dbPath: dbPath, intake: intake}
	h.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + h.srv.Listener.Addr().String()
	h.app = app.New(st, log, app.Options{BaseURL: base, Now: clock.Now, MaxFileBytes: 512 << 10, MaxReportBytes: 1 << 20, Mailer: mailer})
	w, err := web.New(h.app, log, web.Options{SessionTTL: 12 * 3600e9,
		// The test client is the proxy: X-Forwarded-For names the client.
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Intake:         h.intake, MaxFileBytes: 512 << 10, MaxReportBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	client := httpx.ClientAddr{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	h.metrics = metrics.New(st)
	handler, err := New(h.app, w, api.New(h.app, log, api.Options{Client: client, Intake: h.intake}), log,
		Options{MaxBodyBytes: 64 << 10, MaxUploadBytes: 2 << 20, Metrics: h.metrics.Handler(), ObserveHTTP: h.metrics.ObserveHTTP}).Handler()
	if err != nil {
		t.Fatal(err)
	}
	h.srv.Config.Handler = handler
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	return h
}

type syncWriter struct{ b *strings.Builder }

func (s *syncWriter) Write(p []byte) (int, error) { return s.b.Write(p) }

func (h *harness) addProject(file string) {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join("../../examples/policies", file))
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.app.AddProject(context.Background(), embargo.ActorCLI, file, data); err != nil {
		h.t.Fatal(err)
	}
}

// client returns a browser-like client with a cookie jar that does not
// follow redirects.
func (h *harness) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn creates a user and returns a client signed in as them.
func (h *harness) signIn(email string, admin bool) *http.Client {
	h.t.Helper()
	if _, err := h.app.CreateUser(context.Background(), embargo.ActorCLI, app.NewAccount{Email: email, Name: email, Password: adminPassword}, admin); err != nil {
		h.t.Fatal(err)
	}
	c := h.client()
	res := h.post(c, "/login", url.Values{"email": {email}, "password": {adminPassword}})
	if res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign-in: %d %s", res.StatusCode, body(res))
	}
	return c
}

func (h *harness) do(c *http.Client, method, path string, form url.Values, hdr map[string]string) *http.Response {
	h.t.Helper()
	var rd io.Reader
	if form != nil {
		if _, set := form["csrf"]; !set {
			form = withCSRF(h, c, form)
		}
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "text/html")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { res.Body.Close() })
	return res
}

// withCSRF adds the form token of the client's session, as the pages do.
func withCSRF(h *harness, c *http.Client, form url.Values) url.Values {
	u, _ := url.Parse(h.srv.URL)
	if c.Jar == nil {
		return form
	}
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == httpx.SessionCookie {
			out.Set("csrf", httpx.FormToken(ck.Value))
		}
	}
	return out
}

func (h *harness) get(c *http.Client, path string) *http.Response {
	return h.do(c, "GET", path, nil, nil)
}
func (h *harness) post(c *http.Client, path string, form url.Values) *http.Response {
	return h.do(c, "POST", path, form, nil)
}

func body(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestEveryRouteHasAPermission(t *testing.T) {
	h := newHarness(t)
	s := &Server{}
	_ = h
	s.web = &web.Web{}
	for _, rt := range s.routes() {
		if rt.Perm == permUnset || rt.Handler == nil {
			t.Errorf("route %s %s has no permission or handler", rt.Method, rt.Pattern)
		}
		if strings.HasPrefix(rt.Pattern, "/admin") && rt.Perm < SignedIn {
			t.Errorf("route %s %s is under /admin but %s", rt.Method, rt.Pattern, rt.Perm)
		}
	}
	bad := &Server{web: &web.Web{}}
	if _, err := bad.handlerFor([]Route{{Method: "GET", Pattern: "/x", Perm: permUnset, Handler: func(http.ResponseWriter, *http.Request) error { return nil }}}); err == nil {
		t.Fatal("a route without a permission was accepted")
	}
}

func TestAnonymousAPIStyleRequestGetsProblem(t *testing.T) {
	h := newHarness(t)
	res := h.do(h.client(), "GET", "/admin", nil, map[string]string{"Accept": "application/json"})
	if res.StatusCode != 401 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if b := body(res); !strings.Contains(b, `"status":401`) || !strings.Contains(b, "sign in first") {
		t.Fatalf("problem body: %s", b)
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	for _, p := range []string{"/", "/p/virtrigaud", "/p/virtrigaud/security.txt", "/nope", "/static/style.css", "/login"} {
		res := h.get(h.client(), p)
		for k, want := range map[string]string{
			"Referrer-Policy":         "no-referrer",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Content-Security-Policy": "default-src 'none'",
		} {
			if got := res.Header.Get(k); !strings.Contains(got, want) {
				t.Errorf("%s: %s = %q, want %q", p, k, got, want)
			}
		}
		if strings.Contains(res.Header.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code", p)
		}
	}
}

// TestOversizedFormActsOnNothing: a form too large to read its token from
// is refused before the handler runs, even for handlers that never read
// their body (revoking a token).
func TestOversizedFormActsOnNothing(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	c := h.member("tri@demo.org", "virtrigaud", embargo.RoleTriager)
	tok, err := h.app.CreateAPIToken(context.Background(), mustUser(h, "tri@demo.org"), "ci", "", embargo.RoleViewer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	res := h.post(c, "/account/tokens/1/revoke", url.Values{"csrf": {"nope"}, "pad": {strings.Repeat("x", 100<<10)}})
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized revoke: %d", res.StatusCode)
	}
	if r := h.apiDo("GET", "/api/v1/reports", "", tok); r.StatusCode != 200 {
		t.Fatalf("the token was revoked by an unverified request: %d", r.StatusCode)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	h := newHarness(t)
	res := h.do(h.client(), "POST", "/login", url.Values{"email": {"a@b.org"}, "password": {"x"}},
		map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body(res), "cross-origin") {
		t.Fatalf("cross-site POST: %d", res.StatusCode)
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHarness(t)
	big := url.Values{"email": {strings.Repeat("a", 100<<10)}, "password": {"x"}}
	res := h.post(h.client(), "/login", big)
	if b := body(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(b, "larger than 65536 bytes") {
		t.Fatalf("oversized body: %d %s", res.StatusCode, b)
	}
}

var setupLink = regexp.MustCompile(`/setup/[A-Za-z0-9_-]{43}`)

func TestSetupLinkCreatesAdminOnceAndNeverLogsToken(t *testing.T) {
	h := newHarness(t)
	link, ok, err := h.app.SetupLink(context.Background())
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	path := setupLink.FindString(link)
	token := strings.TrimPrefix(path, "/setup/")
	c := h.client()
	if res := h.get(c, path); res.StatusCode != 200 || !strings.Contains(body(res), "Create admin account") {
		t.Fatalf("setup form: %d", res.StatusCode)
	}
	res := h.post(c, path, url.Values{"email": {"root@demo.org"}, "name": {"Root"}, "password": {"short"}})
	if b := body(res); res.StatusCode != 400 || !strings.Contains(b, "at least 12 characters") || !strings.Contains(b, "root@demo.org") {
		t.Fatalf("short password: %d %s", res.StatusCode, b)
	}
	res = h.post(c, path, url.Values{"email": {"root@demo.org"}, "name": {"Root"}, "password": {adminPassword}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/admin" {
		t.Fatalf("setup: %d %s", res.StatusCode, body(res))
	}
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "embargo_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie flags: %+v", session)
	}
	if res := h.get(c, "/admin"); res.StatusCode != 200 || !strings.Contains(body(res), "instance admin") {
		t.Fatalf("dashboard after setup: %d", res.StatusCode)
	}
	// The link is one-time.
	if res := h.get(h.client(), path); res.StatusCode != 404 {
		t.Fatalf("used setup link: %d", res.StatusCode)
	}
	if res := h.post(h.client(), path, url.Values{"email": {"x@demo.org"}, "name": {"X"}, "password": {adminPassword}}); res.StatusCode != 401 {
		t.Fatalf("reused setup link: %d", res.StatusCode)
	}
	if _, ok, _ := h.app.SetupLink(context.Background()); ok {
		t.Fatal("a setup link was issued although an admin exists")
	}
	// Sign out ends the session server-side.
	if res := h.post(c, "/logout", url.Values{}); res.StatusCode != 303 {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	replay := h.client()
	u, _ := url.Parse(h.srv.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "embargo_session", Value: session.Value}})
	if res := h.get(replay, "/admin"); res.StatusCode != 303 {
		t.Fatalf("session still valid after logout: %d", res.StatusCode)
	}
	if strings.Contains(h.logs.String(), token) || strings.Contains(h.logs.String(), session.Value) || strings.Contains(h.logs.String(), adminPassword) {
		t.Fatal("a token or password reached the log")
	}
	if !strings.Contains(h.logs.String(), `"route":"GET /setup/{token}"`) {
		t.Fatalf("request log does not name the route pattern:\n%s", h.logs.String())
	}
}

func TestLoginFailuresAndRateLimit(t *testing.T) {
	h := newHarness(t)
	h.signIn("admin@demo.org", true)
	c := h.client()
	res := h.post(c, "/login", url.Values{"email": {"admin@demo.org"}, "password": {"wrong password!"}})
	if b := body(res); res.StatusCode != 401 || !strings.Contains(b, "wrong email or password") {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	res = h.post(c, "/login", url.Values{"email": {"nobody@demo.org"}, "password": {"wrong password!"}})
	if b := body(res); res.StatusCode != 401 || !strings.Contains(b, "wrong email or password") {
		t.Fatalf("unknown user must look the same: %d", res.StatusCode)
	}
	limited := false
	for range 12 {
		if h.post(c, "/login", url.Values{"email": {"admin@demo.org"}, "password": {"guess guess guess"}}).StatusCode == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("no rate limit on sign-in attempts")
	}
}

func TestSignInLimitedPerAccount(t *testing.T) {
	h := newHarness(t)
	h.signIn("admin@demo.org", true)
	limited := false
	// Different client addresses (as a botnet would use) against one account.
	for i := range 14 {
		res := h.do(h.client(), "POST", "/login", url.Values{"email": {"Admin@demo.org"}, "password": {"guess guess guess"}},
			map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i)})
		if res.StatusCode == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("no per-account limit on sign-in attempts")
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	h := newHarness(t)
	h.app.CreateUser(context.Background(), embargo.ActorCLI, app.NewAccount{Email: "a@demo.org", Name: "A", Password: adminPassword}, false)
	for _, next := range []string{"https://evil.test/", "//evil.test/", `/\evil.test`} {
		res := h.post(h.client(), "/login", url.Values{"email": {"a@demo.org"}, "password": {adminPassword}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != "/admin" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
}

// testMasterKey wraps the harness's project keysets.
var testMasterKey = []byte("0123456789abcdef0123456789abcdef")
