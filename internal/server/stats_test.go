package server

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// TestResponseStatisticsAndDueNext: three reports against virtrigaud's
// 48-hour acknowledgement promise: one acknowledged in 3 hours, one in 50
// (late), one not at all (missed). The members' performance page, the
// public statistics page (the policy opts in) and its SVG chart say 33%
// within, median 3 hours, 90th percentile 2.1 days; the due-next view puts
// the missed one first.
func TestResponseStatisticsAndDueNext(t *testing.T) {
	h := newHarness(t)
	src, err := os.ReadFile("../../examples/policies/virtrigaud.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src = []byte(strings.Replace(string(src), "sla:\n", "sla:\n  public_statistics: true\n", 1))
	if _, err := h.app.AddProject(context.Background(), embargo.ActorCLI, "virtrigaud.yaml", src); err != nil {
		t.Fatal(err)
	}
	h.member("triager@demo.org", "virtrigaud", embargo.RoleTriager)
	h.submit("virtrigaud", "fast")
	h.submit("virtrigaud", "slow")
	h.submit("virtrigaud", "forgotten")
	ack := func(n string) {
		t.Helper()
		tri := h.login("triager@demo.org")
		if res := h.post(tri, "/m/virtrigaud/reports/"+n+"/transition", url.Values{"to": {"acknowledged"}}); res.StatusCode != 303 {
			t.Fatalf("acknowledge #%s: %d", n, res.StatusCode)
		}
	}
	h.clock.Advance(3 * time.Hour)
	ack("1")
	h.clock.Advance(47 * time.Hour)
	ack("2")
	tri := h.login("triager@demo.org")

	due := body(h.get(tri, "/due"))
	i3, i1 := strings.Index(due, "virtrigaud#3"), strings.Index(due, "virtrigaud#1")
	if i3 < 0 || i1 < 0 || i3 > i1 || !strings.Contains(due, "(missed)") {
		t.Fatalf("due next: #3 at %d, #1 at %d, missed marked: %v", i3, i1, strings.Contains(due, "(missed)"))
	}
	tok, err := h.app.CreateAPIToken(context.Background(), mustUser(h, "triager@demo.org"), "stats", "virtrigaud", embargo.RoleViewer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var perf struct {
		Reports int `json:"reports"`
		Stages  []struct {
			Stage             string
			Met, Late, Missed int
			MedianSeconds     *float64 `json:"median_seconds"`
			WithinPromise     *float64 `json:"within_promise"`
		} `json:"stages"`
	}
	res := h.apiDo("GET", "/api/v1/projects/virtrigaud/performance", "", tok)
	if err := json.NewDecoder(res.Body).Decode(&perf); err != nil || perf.Reports != 3 || perf.Stages[0].Stage != "acknowledge" ||
		perf.Stages[0].Met != 1 || perf.Stages[0].Late != 1 || perf.Stages[0].Missed != 1 || perf.Stages[0].MedianSeconds == nil ||
		*perf.Stages[0].MedianSeconds != 3*3600 || perf.Stages[0].WithinPromise == nil || *perf.Stages[0].WithinPromise < 0.33 || *perf.Stages[0].WithinPromise > 0.34 {
		t.Fatalf("API performance: %+v %v", perf, err)
	}
	var dueList struct {
		Due []struct {
			Report string
			Missed bool
		} `json:"due"`
	}
	res = h.apiDo("GET", "/api/v1/due", "", tok)
	if err := json.NewDecoder(res.Body).Decode(&dueList); err != nil || len(dueList.Due) != 3 || dueList.Due[0].Report != "virtrigaud#3" || !dueList.Due[0].Missed {
		t.Fatalf("API due: %+v %v", dueList, err)
	}
	for _, page := range []string{body(h.get(tri, "/m/virtrigaud/performance")), body(h.get(h.client(), "/p/virtrigaud/stats"))} {
		for _, want := range []string{"33% within", "<svg", "<td>3 hours</td><td>2.1 days</td>", "<td>48 hours</td><td>1</td><td>1</td><td>1</td>"} {
			if !strings.Contains(page, want) {
				t.Errorf("statistics page lacks %q", want)
			}
		}
		if strings.Contains(page, "forgotten") {
			t.Error("a statistics page shows a report's title")
		}
	}
}
