package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// Limiter is a token bucket per key (a client address, an account),
// bounded in memory. Limits are per replica: with N replicas a client gets
// at most N times the rate, which still stops brute force.
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

// Allow reports whether key may act now, or returns a RateLimited-kind
// error. When the table is full, idle buckets (refilled to their burst,
// so they hold no state) are dropped; if none is idle the request is
// refused rather than forgetting anyone's limit.
func (l *Limiter) Allow(key string) error {
	l.mu.Lock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			for k, v := range l.buckets {
				if v.Tokens() >= float64(l.burst) {
					delete(l.buckets, k)
				}
			}
		}
		if len(l.buckets) >= l.max {
			l.mu.Unlock()
			return embargo.Errorf(embargo.KindRateLimited, "too many attempts right now: try again in a minute")
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

// ClientAddr finds the client's address: the connection's peer, or, when
// the peer is a trusted proxy, the right-most X-Forwarded-For entry that is
// not itself a trusted proxy.
type ClientAddr struct {
	Trusted []netip.Prefix
}

func (c ClientAddr) trusted(a netip.Addr) bool {
	for _, p := range c.Trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// Of returns the client address of r.
func (c ClientAddr) Of(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !c.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		if a = a.Unmap(); !c.trusted(a) {
			return a
		}
	}
	return peer
}

// Key is the rate-limit key of r's client: its IPv4 address, or its IPv6
// /64 (one subscriber usually holds a whole /64).
func (c ClientAddr) Key(r *http.Request) string {
	a := c.Of(r)
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
