// Package httpx holds Embargo's HTTP plumbing: the handler shape, the one
// function that maps errors to statuses, problem documents, security
// headers, CSRF protection, body limits, rate limits and request logging.
package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// HandlerFunc is the shape of every Embargo handler: it returns an error
// instead of writing one.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// StatusOf maps an error to its HTTP status. It is the only such mapping.
func StatusOf(err error) int {
	switch embargo.KindOf(err) {
	case embargo.KindNotFound:
		return http.StatusNotFound
	case embargo.KindInvalid:
		return http.StatusBadRequest
	case embargo.KindConflict:
		return http.StatusConflict
	case embargo.KindForbidden:
		return http.StatusForbidden
	case embargo.KindUnauthorized:
		return http.StatusUnauthorized
	case embargo.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case embargo.KindRateLimited:
		return http.StatusTooManyRequests
	case embargo.KindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// PublicMessage is what a caller may be told about err: the classified
// message, or a generic sentence for internal errors (which are logged).
func PublicMessage(err error) string {
	if m := embargo.MessageOf(err); m != "" && embargo.KindOf(err) != embargo.KindInternal {
		return m
	}
	return "Something went wrong on our side. The error has been logged."
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors names each invalid field of a request.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one invalid field of a request.
type FieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// WriteProblem writes err as application/problem+json.
func WriteProblem(w http.ResponseWriter, err error) {
	status := StatusOf(err)
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: PublicMessage(err)}
	var fe embargo.FieldErrors
	if errors.As(err, &fe) {
		for _, f := range fe {
			p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Detail: f.Message})
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// ErrorPage renders an error for a browser; the web package provides it.
type ErrorPage func(w http.ResponseWriter, r *http.Request, status int, message string)

// Adapter turns HandlerFuncs into http.Handlers, rendering their errors as
// HTML pages for browsers and problem documents for everything else.
type Adapter struct {
	Log  *slog.Logger
	HTML ErrorPage
}

// Handle adapts h.
func (a Adapter) Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.Error(w, r, err)
		}
	})
}

// Error renders err in the form the client wants and logs internal errors.
func (a Adapter) Error(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	if status >= 500 {
		a.Log.Error("request failed", "route", r.Pattern, "err", err.Error())
	}
	if a.HTML != nil && wantsHTML(r) {
		a.HTML(w, r, status, PublicMessage(err))
		return
	}
	WriteProblem(w, err)
}

func wantsHTML(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
