package server

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// TestSearchInboxWebAndAPI: a maintainer finds reports by words of their
// sealed text on the inbox page and through the API, only in the projects
// they belong to; a bad search is a clear error (inline on the page, a
// problem in the API) and the page keeps what was typed.
func TestSearchInboxWebAndAPI(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	h.addProject("bpfcompat.yaml")
	tri := h.member("triager@demo.org", "virtrigaud", embargo.RoleTriager)
	h.member("owner@bpf.org", "bpfcompat", embargo.RoleOwner)
	h.submit("virtrigaud", "Heap overflow in the VNC proxy")
	h.submit("virtrigaud", "Token leak in logs")
	h.submit("virtrigaud", "Second heap OVERFLOW, in the console")
	h.submit("bpfcompat", "Heap overflow in the loader")

	page := body(h.get(tri, "/inbox?q="+url.QueryEscape(`"heap overflow"`)))
	for _, want := range []string{"Heap overflow in the VNC proxy", "Second heap OVERFLOW, in the console", "2 report(s) matching the search", `value="&#34;heap overflow&#34;"`} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %q", want)
		}
	}
	for _, not := range []string{"Token leak in logs", "in the loader"} {
		if strings.Contains(page, not) {
			t.Errorf("search page shows %q", not)
		}
	}
	if p := body(h.get(tri, "/inbox?q=%232")); !strings.Contains(p, "Token leak in logs") || strings.Contains(p, "VNC proxy") {
		t.Errorf("#2 did not find report 2 alone")
	}
	bad := h.get(tri, "/inbox?q="+url.QueryEscape(`"unclosed`))
	if b := body(bad); bad.StatusCode != 200 || !strings.Contains(b, "the search has an unclosed quote") ||
		!strings.Contains(b, `aria-invalid="true"`) || !strings.Contains(b, "Token leak in logs") {
		t.Errorf("bad search: %d", bad.StatusCode)
	}

	tok, err := h.app.CreateAPIToken(context.Background(), mustUser(h, "triager@demo.org"), "search", "", embargo.RoleViewer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	res := h.apiDo("GET", "/api/v1/reports?q=overflow", "", tok)
	var got struct {
		Reports []struct {
			Title string `json:"title"`
		} `json:"reports"`
		Total  int `json:"total"`
		Search *struct {
			Scanned int  `json:"scanned"`
			Capped  bool `json:"capped"`
		} `json:"search"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != 200 {
		t.Fatalf("API search: %d %v", res.StatusCode, err)
	}
	if got.Total != 2 || got.Search == nil || got.Search.Scanned != 3 || got.Search.Capped {
		t.Fatalf("API search: %+v %+v", got, got.Search)
	}
	res = h.apiDo("GET", "/api/v1/reports?q="+url.QueryEscape(strings.Repeat("x", 201)), "", tok)
	if b := body(res); res.StatusCode != 400 || !strings.Contains(b, "longer than 200 characters") ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("long search: %d %s", res.StatusCode, b)
	}
	// Searching someone else's project is refused, not answered empty.
	res = h.apiDo("GET", "/api/v1/reports?project=bpfcompat&q=overflow", "", tok)
	if res.StatusCode != 403 {
		t.Fatalf("other project's search: %d", res.StatusCode)
	}
}
