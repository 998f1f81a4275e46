package httpx

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Session cookie names. Over https the cookie carries the __Host- prefix,
// which browsers only accept with Secure, Path=/ and no Domain, so no
// sibling subdomain can plant or overwrite it. Its value is a random token;
// the database keeps only its hash.
const (
	SessionCookie       = "embargo_session"
	SecureSessionCookie = "__Host-embargo_session"
)

func cookieName(secure bool) string {
	if secure {
		return SecureSessionCookie
	}
	return SessionCookie
}

// SetSession writes the session cookie: HttpOnly, SameSite=Lax, Secure
// (and __Host-) when the instance is served over https.
func SetSession(w http.ResponseWriter, token string, secure bool, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(secure), Value: token, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// ClearSession removes the session cookie.
func ClearSession(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(secure), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// SessionToken returns the session cookie's value, or "".
func SessionToken(r *http.Request) string {
	for _, name := range []string{SecureSessionCookie, SessionCookie} {
		if c, err := r.Cookie(name); err == nil {
			return c.Value
		}
	}
	return ""
}

type userKey struct{}

// WithUser returns a context carrying the signed-in user.
func WithUser(ctx context.Context, u embargo.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the signed-in user, if any.
func UserFrom(ctx context.Context) (embargo.User, bool) {
	u, ok := ctx.Value(userKey{}).(embargo.User)
	return u, ok
}

// FormToken returns the anti-CSRF form token bound to a session: a hash of
// the session token, which a cross-site page can neither read nor compute.
func FormToken(sessionToken string) string {
	if sessionToken == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("embargo form token\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CheckFormToken compares a submitted form token with the session's, in
// constant time.
func CheckFormToken(sessionToken, submitted string) bool {
	want := FormToken(sessionToken)
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(submitted)) == 1
}
