package httpx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestClientAddr(t *testing.T) {
	c := ClientAddr{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	tests := []struct {
		remote, xff, key string
	}{
		{"203.0.113.7:5000", "", "203.0.113.7"},
		{"203.0.113.7:5000", "198.51.100.1", "203.0.113.7"}, // untrusted peer: header ignored
		{"10.0.0.2:5000", "198.51.100.1", "198.51.100.1"},
		{"10.0.0.2:5000", "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"}, // right-most untrusted
		{"10.0.0.2:5000", "garbage", "10.0.0.2"},
		{"[2001:db8:1:2:aaaa::1]:5000", "", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:5000", "", "2001:db8:1:2::/64"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := c.Key(r); got != tt.key {
			t.Errorf("%s + %q: key %q, want %q", tt.remote, tt.xff, got, tt.key)
		}
	}
}

func TestLimiterEvictsOnlyIdleBuckets(t *testing.T) {
	// Buckets that refill slowly: nobody is idle, so a full table refuses
	// newcomers instead of forgetting who is limited.
	l := NewLimiter(time.Hour, 2)
	l.max = 2
	l.Allow("busy")
	l.Allow("busy")
	l.Allow("other")
	if l.Allow("busy") == nil {
		t.Fatal("burst exceeded but allowed")
	}
	if l.Allow("newcomer") == nil {
		t.Fatal("a full table of active buckets accepted a newcomer")
	}
	if l.Allow("busy") == nil {
		t.Fatal("a limited client was forgotten to make room")
	}
	// Buckets that refill at once are idle and make room.
	fast := NewLimiter(time.Nanosecond, 1)
	fast.max = 2
	for _, k := range []string{"a", "b", "c", "d"} {
		if err := fast.Allow(k); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if len(fast.buckets) > 2 {
		t.Fatalf("%d buckets kept, max 2", len(fast.buckets))
	}
}
