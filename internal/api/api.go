// Package api serves Embargo's JSON API under /api/v1: the same use cases
// as the web pages, with RFC 9457 problem documents for errors.
package api

import (
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// API holds the JSON handlers.
type API struct {
	app    *app.App
	log    *slog.Logger
	submit *httpx.Limiter
	client httpx.ClientAddr
}

// Options configure the API.
type Options struct {
	Client httpx.ClientAddr
	// Intake limits submissions per client; shared with the web form.
	Intake *httpx.Limiter
}

// New returns the API handlers.
func New(a *app.App, log *slog.Logger, o Options) *API {
	if o.Intake == nil {
		o.Intake = httpx.NewLimiter(time.Minute, 10)
	}
	return &API{app: a, log: log, client: o.Client, submit: o.Intake}
}

// ReportRequest is the body of POST /api/v1/projects/{slug}/reports: the
// report's fields (as the form has them) and files inline.
type ReportRequest struct {
	embargo.ReportContent
	Attachments []AttachmentRequest `json:"attachments,omitempty"`
}

// AttachmentRequest is a file sent inline, base64-encoded.
type AttachmentRequest struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type,omitempty"`
	Data        []byte `json:"data"` // base64 in JSON
}

// ReportReceipt is the answer to a submission.
type ReportReceipt struct {
	Project    string     `json:"project"`
	Number     int64      `json:"number"`
	State      string     `json:"state"`
	ReceivedAt time.Time  `json:"received_at"`
	ThreadURL  string     `json:"thread_url"`
	Promises   []Deadline `json:"promises"`
}

// Deadline is one promised date.
type Deadline struct {
	Stage    string     `json:"stage"`
	Title    string     `json:"title"`
	Duration string     `json:"duration"`
	Due      *time.Time `json:"due,omitempty"`
}

// SubmitReport serves POST /api/v1/projects/{slug}/reports: 201 with the
// receipt, or 200 with the same receipt for an idempotent retry.
func (a *API) SubmitReport(w http.ResponseWriter, r *http.Request) error {
	if err := a.submit.Allow(a.client.Key(r)); err != nil {
		return err
	}
	var req ReportRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	sub := app.Submission{Channel: embargo.IntakeAPI, IdempotencyKey: r.Header.Get("Idempotency-Key"),
		Content: req.ReportContent}
	for _, f := range req.Attachments {
		sub.Files = append(sub.Files, app.Upload{Name: f.Name, ContentType: f.ContentType, Data: f.Data})
	}
	rc, err := a.app.SubmitReport(r.Context(), r.PathValue("slug"), sub)
	if err != nil {
		return err
	}
	out := ReportReceipt{Project: rc.Project.Slug, Number: rc.Report.Number, State: string(rc.Report.State),
		ReceivedAt: rc.Report.ReceivedAt, ThreadURL: rc.ThreadURL, Promises: []Deadline{}}
	for _, p := range rc.Promises {
		d := Deadline{Stage: p.Stage, Title: embargo.StageTitle(p.Stage), Duration: p.Duration.String()}
		if !p.Due.IsZero() {
			due := p.Due
			d.Due = &due
		}
		out.Promises = append(out.Promises, d)
	}
	status := http.StatusCreated
	if rc.Replay {
		status = http.StatusOK
	}
	return writeJSON(w, status, out)
}

// decodeJSON reads one JSON object, refusing unknown fields, trailing data
// and bodies over the limit, each with a clear problem.
func decodeJSON(r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return embargo.Errorf(embargo.KindInvalid, "send the request as Content-Type: application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var b64 base64.CorruptInputError
		switch {
		case errors.As(err, &tooBig):
			return embargo.Errorf(embargo.KindTooLarge, "the request is larger than %d bytes", tooBig.Limit)
		case errors.As(err, &syntax):
			return embargo.Errorf(embargo.KindInvalid, "malformed JSON at byte %d", syntax.Offset)
		case errors.As(err, &typ):
			return embargo.Errorf(embargo.KindInvalid, "field %s: expected %s", typ.Field, typ.Type)
		case errors.As(err, &b64):
			return embargo.Errorf(embargo.KindInvalid, "attachment data must be base64")
		case errors.Is(err, io.EOF):
			return embargo.Errorf(embargo.KindInvalid, "the request body is empty")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return embargo.Errorf(embargo.KindInvalid, "malformed JSON: the body ends in the middle of a value")
		}
		return embargo.Errorf(embargo.KindInvalid, "invalid JSON: %s", err.Error())
	}
	if dec.More() {
		return embargo.Errorf(embargo.KindInvalid, "the request body holds more than one JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document of the API.
func OpenAPI() []byte { return openAPI }

// OpenAPIDocument serves GET /api/v1/openapi.json.
func (a *API) OpenAPIDocument(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPI)
	return err
}
