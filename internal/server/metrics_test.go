package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// TestMetrics: the metrics pass client_golang's linter; they count open
// reports by project, state and severity, missed deadlines by stage, the
// time to acknowledge, and the HTTP traffic by route pattern (never a
// path: no thread token in a label); a proxied request is refused without
// a token, and with a token configured only the right bearer gets in.
func TestMetrics(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	tri := h.member("triager@demo.org", "virtrigaud", embargo.RoleTriager)
	rc := h.submit("virtrigaud", "one")
	h.submit("virtrigaud", "two")
	h.clock.Advance(3 * time.Hour)
	if res := h.post(tri, "/m/virtrigaud/reports/1/transition", map[string][]string{"to": {"acknowledged"}}); res.StatusCode != 303 {
		t.Fatalf("acknowledge: %d", res.StatusCode)
	}
	h.get(h.client(), strings.TrimPrefix(rc.ThreadURL, h.srv.URL))
	h.clock.Advance(48 * time.Hour)
	if _, err := h.app.SweepSLA(context.Background()); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(h.metrics.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	page := body(h.get(h.client(), "/metrics"))
	for _, want := range []string{
		`embargo_open_reports{project="virtrigaud",severity="",state="acknowledged"} 1`,
		`embargo_open_reports{project="virtrigaud",severity="",state="new"} 1`,
		`embargo_sla_breaches_total{project="virtrigaud",stage="acknowledge"} 1`,
		`embargo_time_to_acknowledge_seconds_bucket{project="virtrigaud",le="14400"} 1`,
		`embargo_time_to_acknowledge_seconds_count{project="virtrigaud"} 1`,
		`embargo_http_requests_total{code="200",route="GET /t/{token}"} 1`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(page, strings.TrimPrefix(rc.ThreadURL, h.srv.URL+"/t/")) {
		t.Error("a thread token is in the metrics")
	}
	req, _ := http.NewRequest("GET", h.srv.URL+"/metrics", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("proxied scrape without a token: %d", res.StatusCode)
	}

	// With a token: only the right bearer, from anywhere.
	s := &Server{opts: Options{Metrics: h.metrics.Handler(), MetricsToken: "scrape-secret-1234"}}
	for _, tc := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer wrong", 401}, {"Bearer scrape-secret-1234", 200}} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = "203.0.113.9:4000"
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		err := s.metricsAllowed(r)
		switch {
		case tc.want == 200 && err != nil:
			t.Errorf("%q: %v", tc.auth, err)
		case tc.want == 401 && embargo.KindOf(err) != embargo.KindUnauthorized:
			t.Errorf("%q: %v, want unauthorized", tc.auth, err)
		}
	}
}
