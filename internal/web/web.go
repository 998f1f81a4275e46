// Package web serves Embargo's HTML pages: server-rendered, working without
// JavaScript, from templates embedded in the binary and parsed once.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Web holds the page handlers.
type Web struct {
	app        *app.App
	log        *slog.Logger
	pages      map[string]*template.Template
	md         goldmark.Markdown
	sanitize   *bluemonday.Policy
	secure     bool
	sessionTTL time.Duration
	// attempts limits sign-in and setup attempts per client address,
	// accounts the sign-in attempts per account.
	attempts *httpx.Limiter
	accounts *httpx.Limiter
	client   httpx.ClientAddr
	// intake limits report submissions per client address; messages the
	// thread messages of reporters and collaborators.
	intake, messages   *httpx.Limiter
	maxFile, maxReport int64
}

// Options configure the web handlers.
type Options struct {
	SecureCookies bool
	SessionTTL    time.Duration
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Intake limits report submissions per client (shared with the API).
	Intake *httpx.Limiter
	// MaxFileBytes and MaxReportBytes are the upload limits to show and
	// to enforce while reading forms.
	MaxFileBytes, MaxReportBytes int64
}

// New parses the templates (failing fast on a broken one).
func New(a *app.App, log *slog.Logger, o Options) (*Web, error) {
	w := &Web{app: a, log: log, pages: map[string]*template.Template{}, secure: o.SecureCookies,
		sessionTTL: o.SessionTTL, attempts: httpx.NewLimiter(6*time.Second, 10),
		accounts: httpx.NewLimiter(30*time.Second, 10), client: httpx.ClientAddr{Trusted: o.TrustedProxies},
		md:       goldmark.New(goldmark.WithExtensions(extension.GFM)),
		sanitize: bluemonday.UGCPolicy(), intake: o.Intake, maxFile: o.MaxFileBytes, maxReport: o.MaxReportBytes}
	if w.intake == nil {
		w.intake = httpx.NewLimiter(time.Minute, 10)
	}
	w.messages = httpx.NewLimiter(20*time.Second, 30)
	if w.maxFile <= 0 {
		w.maxFile = app.DefaultMaxFileBytes
	}
	if w.maxReport <= 0 {
		w.maxReport = app.DefaultMaxReportBytes
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		w.pages[n[len("templates/"):len(n)-len(".html")]] = t
	}
	return w, nil
}

// Static serves the embedded stylesheet.
func (w *Web) Static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}

// Base is embedded in every page.
type Base struct {
	User *embargo.User
	// CSRF is the signed-in session's form token, for every form.
	CSRF string
}

func baseOf(r *http.Request) Base {
	if u, ok := httpx.UserFrom(r.Context()); ok {
		return Base{User: &u, CSRF: httpx.FormToken(httpx.SessionToken(r))}
	}
	return Base{}
}

func (w *Web) render(rw http.ResponseWriter, status int, name string, page any) error {
	t, ok := w.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, err := rw.Write(buf.Bytes())
	return err
}

// ErrorPage is the page for httpx.Adapter's HTML errors.
type ErrorPage struct {
	Base
	Title, Heading, Message string
}

// RenderError renders an error page; it is the httpx.ErrorPage hook.
func (w *Web) RenderError(rw http.ResponseWriter, r *http.Request, status int, message string) {
	page := ErrorPage{Base: baseOf(r), Title: http.StatusText(status), Heading: http.StatusText(status), Message: message}
	if err := w.render(rw, status, "error", page); err != nil {
		w.log.Error("error page failed", "err", err.Error())
		http.Error(rw, message, status)
	}
}

// markdown renders trusted-author Markdown and sanitises it all the same.
func (w *Web) markdown(src []byte) (template.HTML, error) {
	var buf bytes.Buffer
	if err := w.md.Convert(src, &buf); err != nil {
		return "", err
	}
	return template.HTML(w.sanitize.SanitizeBytes(buf.Bytes())), nil // #nosec: sanitised by bluemonday
}

// parseForm reads a urlencoded form, turning an oversized body into a
// TooLarge-kind error (413) rather than a misleading validation message.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return embargo.Errorf(embargo.KindTooLarge, "the form is larger than %d bytes", tooBig.Limit)
		}
		return embargo.Errorf(embargo.KindInvalid, "could not read the form")
	}
	return nil
}
