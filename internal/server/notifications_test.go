package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// TestNotificationsInAppAndAPI: when a report's acknowledgement deadline
// passes, the sweep alerts the project's owners: the owner's
// notifications page and API list it, an owner of another project sees
// nothing, and marking them read clears the count.
func TestNotificationsInAppAndAPI(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	h.addProject("bpfcompat.yaml")
	h.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	h.member("owner@bpf.org", "bpfcompat", embargo.RoleOwner)
	h.submit("virtrigaud", "Token leak in logs")
	h.clock.Advance(49 * time.Hour) // virtrigaud promises an acknowledgement within 48h
	n, err := h.app.SweepSLA(context.Background())
	if err != nil || n == 0 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	// The sessions from before expired meanwhile: sign in again.
	owner, other := h.login("owner@demo.org"), h.login("owner@bpf.org")
	page := body(h.get(owner, "/notifications"))
	for _, want := range []string{"1 unread.", "Deadline missed", "virtrigaud#1 missed its deadline for the acknowledgement.", "Token leak in logs"} {
		if !strings.Contains(page, want) {
			t.Errorf("owner's notifications lack %q", want)
		}
	}
	if p := body(h.get(other, "/notifications")); !strings.Contains(p, "No notifications yet.") || strings.Contains(p, "virtrigaud#1") {
		t.Error("another project's owner sees the notification")
	}
	// The breach is on the report's timeline for the team.
	if p := body(h.get(owner, "/m/virtrigaud/reports/1")); !strings.Contains(p, "Deadline missed: the acknowledgement was promised by") {
		t.Error("the breach is not on the timeline")
	}
	tok, err := h.app.CreateAPIToken(context.Background(), mustUser(h, "owner@demo.org"), "n", "", embargo.RoleViewer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Notifications []struct{ Kind, Report, Stage string } `json:"notifications"`
		Unread        int                                    `json:"unread"`
	}
	res := h.apiDo("GET", "/api/v1/notifications", "", tok)
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil || list.Unread != 1 || len(list.Notifications) != 1 ||
		list.Notifications[0].Kind != "breach" || list.Notifications[0].Report != "virtrigaud#1" || list.Notifications[0].Stage != "acknowledge" {
		t.Fatalf("API: %+v %v", list, err)
	}
	if res := h.post(owner, "/notifications/read", url.Values{}); res.StatusCode != 303 {
		t.Fatalf("mark read: %d", res.StatusCode)
	}
	if p := body(h.get(owner, "/notifications")); !strings.Contains(p, "Nothing unread.") {
		t.Error("still unread after marking read")
	}
}

// login signs an existing account in.
func (h *harness) login(email string) *http.Client {
	h.t.Helper()
	c := h.client()
	if res := h.post(c, "/login", url.Values{"email": {email}, "password": {adminPassword}}); res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign-in: %d", res.StatusCode)
	}
	return c
}
