package embargo

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that exactly one function (in httpx) maps it
// to an HTTP status and the CLI to an exit code.
type Kind int

// Error kinds. KindInternal is the zero value: anything not classified.
const (
	KindInternal Kind = iota
	KindNotFound
	KindInvalid
	KindConflict
	KindForbidden
	KindUnauthorized
	KindTooLarge
	KindRateLimited
	KindMethodNotAllowed
)

// String returns the kind's name as used in problem documents.
func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not-found"
	case KindInvalid:
		return "invalid"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnauthorized:
		return "unauthorized"
	case KindTooLarge:
		return "too-large"
	case KindRateLimited:
		return "rate-limited"
	case KindMethodNotAllowed:
		return "method-not-allowed"
	}
	return "internal"
}

// Sentinel errors, one per kind, for errors.Is.
var (
	ErrNotFound     = &Error{Kind: KindNotFound, Message: "not found"}
	ErrInvalid      = &Error{Kind: KindInvalid, Message: "invalid"}
	ErrConflict     = &Error{Kind: KindConflict, Message: "conflict"}
	ErrForbidden    = &Error{Kind: KindForbidden, Message: "forbidden"}
	ErrUnauthorized = &Error{Kind: KindUnauthorized, Message: "unauthorized"}
	ErrTooLarge     = &Error{Kind: KindTooLarge, Message: "too large"}
	ErrRateLimited  = &Error{Kind: KindRateLimited, Message: "rate limited"}
)

// Error is a classified error with a message that is safe to show to the
// caller. Wrap it with fmt.Errorf("op: %w", err) to add context.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrNotFound) true for any *Error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// Errorf returns an *Error of kind k with a formatted, caller-safe message.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first *Error in err's chain (Invalid for
// FieldErrors), or KindInternal.
func KindOf(err error) Kind {
	var fe FieldErrors
	if errors.As(err, &fe) {
		return KindInvalid
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the caller-safe message of the first *Error in err's
// chain, or "" when err is unclassified (its text may hold internals).
func MessageOf(err error) string {
	var fe FieldErrors
	if errors.As(err, &fe) {
		return fe.Error()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
