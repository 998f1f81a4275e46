package httpx

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// SecurityHeaders sets the headers every response carries: a strict CSP
// with no inline script, no referrer (thread and setup links are
// capabilities), no framing, no sniffing, and HSTS when served over https.
func SecurityHeaders(hsts bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// CSRF rejects cross-origin state-changing requests from browsers, using
// Fetch metadata and Origin (net/http.CrossOriginProtection), with a
// problem document instead of a bare 403.
func CSRF(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteProblem(w, embargo.Errorf(embargo.KindForbidden, "cross-origin request refused"))
	}))
	return cop.Handler(next)
}

// LimitBody bounds every request body to max bytes.
func LimitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Log logs one line per request and recovers panics. It logs the route
// pattern, never the raw path or query: paths such as /setup/{token} hold
// capabilities that must not reach a log.
//
// Each observer (metrics) hears the route, status and duration of every
// request.
func Log(log *slog.Logger, next http.Handler, observers ...func(route string, status int, d time.Duration)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				log.Error("panic", "route", r.Pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					WriteProblem(sw, fmt.Errorf("panic"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = r.Method + " (unmatched)"
			}
			d := time.Since(start)
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			log.Info("http", "route", route, "status", sw.status, "bytes", sw.bytes, "ms", d.Milliseconds())
			for _, o := range observers {
				o(route, status, d)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
