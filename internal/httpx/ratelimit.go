package httpx

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Limiter is a token bucket per client key, bounded in memory. Limits are
// per replica: with N replicas a client gets at most N times the rate,
// which still stops brute force.
type Limiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	max     int
	buckets map[string]*rate.Limiter
}

// NewLimiter allows burst requests at once and one more every interval.
func NewLimiter(every time.Duration, burst int) *Limiter {
	return &Limiter{every: every, burst: burst, max: 100000, buckets: map[string]*rate.Limiter{}}
}

// Allow reports whether key may act now, or returns a RateLimited-kind error.
func (l *Limiter) Allow(key string) error {
	l.mu.Lock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.buckets = map[string]*rate.Limiter{} // forget everyone rather than grow without bound
		}
		b = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.buckets[key] = b
	}
	l.mu.Unlock()
	if !b.Allow() {
		return embargo.Errorf(embargo.KindRateLimited, "too many attempts: wait a minute and try again")
	}
	return nil
}

// ClientIP is the address of the connection's peer (a reverse proxy's
// headers are not trusted).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
