package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/web"
)

// Backend is what the server asks of the use cases (app.App): who a
// session belongs to, which role a maintainer has on a project, and
// whether the instance can serve (the database dialect, and an error when
// it cannot).
type Backend interface {
	SessionUser(ctx context.Context, token string) (embargo.User, error)
	APITokenUser(ctx context.Context, token string) (embargo.User, error)
	ProjectRole(ctx context.Context, u embargo.User, slug string) (embargo.Project, embargo.Role, error)
	Ready(ctx context.Context) (string, error)
}

// Server is Embargo's HTTP server.
type Server struct {
	backend Backend
	web     *web.Web
	api     *api.API
	log     *slog.Logger
	opts    Options
}

// Options configure the server.
type Options struct {
	MaxBodyBytes int64
	// MaxUploadBytes bounds the bodies of routes that take files (a
	// report's limit plus room for the form); MaxBodyBytes when smaller.
	MaxUploadBytes int64
	// HSTS adds Strict-Transport-Security (the instance is served over https).
	HSTS bool
	// Metrics serves /metrics (nil: 404). MetricsToken, when set, is the
	// bearer token a scraper must send; without one only loopback
	// requests that did not pass a proxy get the metrics.
	Metrics      http.Handler
	MetricsToken string
	// ObserveHTTP hears every request's route, status and duration.
	ObserveHTTP func(route string, status int, d time.Duration)
}

// New builds a server over the web and API handlers.
func New(b Backend, w *web.Web, a *api.API, log *slog.Logger, o Options) *Server {
	if o.MaxUploadBytes < o.MaxBodyBytes {
		o.MaxUploadBytes = o.MaxBodyBytes
	}
	return &Server{backend: b, web: w, api: a, log: log, opts: o}
}

// Handler returns the complete handler: routes behind the middleware chain.
func (s *Server) Handler() (http.Handler, error) {
	return s.handlerFor(s.routes())
}

func (s *Server) handlerFor(routes []Route) (http.Handler, error) {
	mux := http.NewServeMux()
	ad := httpx.Adapter{Log: s.log, HTML: s.web.RenderError}
	for _, rt := range routes {
		if rt.Perm == permUnset {
			return nil, fmt.Errorf("route %s %s has no permission", rt.Method, rt.Pattern)
		}
		limit := s.opts.MaxBodyBytes
		if rt.Upload {
			limit = s.opts.MaxUploadBytes
		}
		mux.Handle(rt.Method+" "+rt.Pattern, httpx.LimitBody(limit, ad.Handle(s.authorize(rt))))
	}
	// Unmatched requests get a proper page or problem, not the mux's text:
	// 405 with Allow when the path exists for another method, else 404.
	mux.Handle("/", ad.Handle(func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := mux.Handler(probe); p != "" && p != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return embargo.Errorf(embargo.KindMethodNotAllowed, "%s is not allowed here (allowed: %s)", r.Method, strings.Join(allow, ", "))
		}
		return notFoundErr
	}))
	// Each route bounds its own body (above); unmatched requests never read one.
	var h http.Handler = mux
	h = httpx.CSRF(h)
	h = httpx.SecurityHeaders(s.opts.HSTS, h)
	if s.opts.ObserveHTTP != nil {
		h = httpx.Log(s.log, h, s.opts.ObserveHTTP)
	} else {
		h = httpx.Log(s.log, h)
	}
	return h, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}

// readyz reports ready when the database answers and its schema is the one
// this binary expects.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]any{"database": "ok"}
	code := http.StatusOK
	dialect, err := s.backend.Ready(ctx)
	if err != nil {
		status["database"], code = err.Error(), http.StatusServiceUnavailable
	}
	status["dialect"] = dialect
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	return json.NewEncoder(w).Encode(status)
}

// Serve serves on ln until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	h, err := s.Handler()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

var notFoundErr = embargo.Errorf(embargo.KindNotFound, "there is no page here")

// metrics serves GET /metrics.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Metrics == nil {
		return notFoundErr
	}
	s.opts.Metrics.ServeHTTP(w, r)
	return nil
}

// metricsAllowed checks a scraper: the bearer token in constant time when
// one is configured; otherwise the request must come from the loopback
// interface without any proxy header (behind a reverse proxy on the same
// host, every request would look local).
func (s *Server) metricsAllowed(r *http.Request) error {
	if s.opts.MetricsToken != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.opts.MetricsToken)) != 1 {
			return embargo.Errorf(embargo.KindUnauthorized, "the metrics need the bearer token set in EMBARGO_METRICS_TOKEN")
		}
		return nil
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip, perr := netip.ParseAddr(host)
	if err != nil || perr != nil || !ip.IsLoopback() || r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return embargo.Errorf(embargo.KindForbidden, "the metrics are served to the local host only: set EMBARGO_METRICS_TOKEN to scrape them from elsewhere")
	}
	return nil
}
