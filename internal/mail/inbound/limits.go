package inbound

import "fmt"

// Limits bounds the work and memory one message may cost. The zero value of
// a field means its default; see WithDefaults.
type Limits struct {
	MaxBytes       int64 // whole raw message; default 35 MiB
	MaxDepth       int   // multipart nesting; default 10
	MaxParts       int   // MIME parts in all; default 200
	MaxHeaderBytes int   // one part's header block; default 64 KiB
	MaxText        int   // bytes of body text kept; default 1 MiB (the rest is dropped and Message.Truncated set)
}

// Defaults of Limits.
const (
	DefaultMaxBytes       = 35 << 20
	DefaultMaxDepth       = 10
	DefaultMaxParts       = 200
	DefaultMaxHeaderBytes = 64 << 10
	DefaultMaxText        = 1 << 20
)

// WithDefaults returns l with every field that is zero or negative set to its
// default. It returns no error.
func (l Limits) WithDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxText <= 0 {
		l.MaxText = DefaultMaxText
	}
	return l
}

// decodedBudget is how many bytes of decoded and decrypted content one
// message may produce in all: a small multiple of the raw size limit.
func (l Limits) decodedBudget() int64 {
	const factor = 3
	if l.MaxBytes > (1<<62)/factor {
		return 1 << 62
	}
	return factor * l.MaxBytes
}

// Error is a failure the sender must hear about, as an SMTP reply.
type Error struct {
	Code     int    // 554 / 552 / 550 … (5xx permanent; 4xx temporary)
	Enhanced [3]int // RFC 3463, e.g. {5,6,0}
	Message  string // one line, safe to show the sender, never containing message content
}

// Error returns the package name, the reply codes and the message, for
// logs: "inbound: 554 5.6.0 too many MIME parts".
func (e *Error) Error() string {
	return fmt.Sprintf("inbound: %d %d.%d.%d %s", e.Code, e.Enhanced[0], e.Enhanced[1], e.Enhanced[2], e.Message)
}

// Permanent reports whether the failure is permanent (Code >= 500): the
// sender must not retry the same message.
func (e *Error) Permanent() bool { return e.Code >= 500 }

// The failures Parse and ReadHeader return. Messages are fixed strings (or
// carry only the project key fingerprint) so they never echo content.
func errTooBig() *Error {
	return &Error{Code: 552, Enhanced: [3]int{5, 3, 4}, Message: "message too big"}
}

func errDecodedTooBig() *Error {
	return &Error{Code: 552, Enhanced: [3]int{5, 3, 4}, Message: "message too big once decoded or decompressed"}
}

func errMalformed(what string) *Error {
	return &Error{Code: 554, Enhanced: [3]int{5, 6, 0}, Message: what}
}

const (
	msgTooDeep       = "MIME parts nested too deeply"
	msgTooManyParts  = "too many MIME parts"
	msgHeaderTooBig  = "header block too large"
	msgNotAMessage   = "not a parseable e-mail message"
	msgBadPGP        = "malformed OpenPGP data"
	msgInternalPanic = "message could not be parsed"
)

func errNoProjectKey() *Error {
	return &Error{Code: 554, Enhanced: [3]int{5, 7, 0}, Message: "this project has no OpenPGP key: send the message unencrypted"}
}

func errNotForKey(fpr string) *Error {
	return &Error{Code: 554, Enhanced: [3]int{5, 7, 0}, Message: "message is not encrypted to the project key: encrypt to " + fpr}
}
