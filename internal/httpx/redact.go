package httpx

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// RedactingHandler wraps a slog.Handler so that secrets never reach a log:
// attributes named like secrets (password, token, secret, cookie,
// authorization, session, master key) are replaced, and capability paths
// (/setup/{token}, /t/{token}) inside any string value are masked.
type RedactingHandler struct{ slog.Handler }

var capabilityPath = regexp.MustCompile(`/(setup|t|c|invite)/[A-Za-z0-9_-]{16,}`)

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "token", "secret", "cookie", "authorization", "session", "master_key", "masterkey", "private"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

func redact(a slog.Attr) slog.Attr {
	if secretKey(a.Key) {
		return slog.String(a.Key, "REDACTED")
	}
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); capabilityPath.MatchString(s) {
			return slog.String(a.Key, capabilityPath.ReplaceAllString(s, "/$1/REDACTED"))
		}
	case slog.KindGroup:
		attrs := a.Value.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = redact(g)
		}
		return slog.Group(a.Key, out...)
	}
	return a
}

// Handle redacts the record's message and attributes, then passes it on.
func (h RedactingHandler) Handle(ctx context.Context, r slog.Record) error {
	msg := capabilityPath.ReplaceAllString(r.Message, "/$1/REDACTED")
	nr := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(redact(a))
		return true
	})
	return h.Handler.Handle(ctx, nr)
}

// WithAttrs redacts attributes bound to a derived logger.
func (h RedactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = redact(a)
	}
	return RedactingHandler{h.Handler.WithAttrs(out)}
}

// WithGroup keeps redaction on grouped loggers.
func (h RedactingHandler) WithGroup(name string) slog.Handler {
	return RedactingHandler{h.Handler.WithGroup(name)}
}
