package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

// publishOne publishes an advisory of report 1 of virtrigaud (with a
// recorded reason: no date was agreed) and returns it.
func publishOne(t *testing.T, h *harness, credit embargo.CreditPreference) embargo.Advisory {
	t.Helper()
	ctx := context.Background()
	rc := h.submit("virtrigaud", "Agent accepts unsigned jobs")
	if credit.Mode != "" {
		if err := h.app.SetCredit(ctx, strings.TrimPrefix(rc.ThreadURL, h.srv.URL+"/t/"), credit); err != nil {
			t.Fatal(err)
		}
	}
	h.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	owner := mustUser(h, "owner@demo.org")
	adv, err := h.app.CreateAdvisory(ctx, owner, "virtrigaud", []int64{rc.Report.Number})
	if err != nil {
		t.Fatal(err)
	}
	in := app.AdvisoryInput{Summary: "Agent accepts unsigned jobs", Details: "The **agent** runs jobs without checking signatures.<script>alert(1)</script>",
		CVSS3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CWEs: []string{"CWE-347"}, CVE: "CVE-2026-40001",
		Affected:   []embargo.AffectedProduct{{Ecosystem: "Go", Package: "github.com/virtrigaud/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}}}},
		References: []embargo.Reference{{Type: "FIX", URL: "https://github.com/virtrigaud/virtrigaud/releases/tag/v0.2.3"}}}
	if _, err := h.app.EditAdvisory(ctx, owner, "virtrigaud", adv.Ref, in, ""); err != nil {
		t.Fatal(err)
	}
	adv, err = h.app.PublishAdvisory(ctx, owner, "virtrigaud", adv.Ref, "The fix is released and the issue is public upstream")
	if err != nil {
		t.Fatal(err)
	}
	return adv
}

// TestPublishedAdvisoryServedLive: a published advisory is at
// /p/SLUG/advisories/ in every format; a draft never is; the live files are
// the bytes `embargo publish` writes.
func TestPublishedAdvisoryServedLive(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	adv := publishOne(t, h, embargo.CreditPreference{Mode: embargo.CreditName, Name: "Rita Reporter"})
	c := h.client()
	if res := h.get(c, "/p/virtrigaud/advisories"); res.StatusCode != 301 || res.Header.Get("Location") != "/p/virtrigaud/advisories/" {
		t.Fatalf("folder redirect: %d", res.StatusCode)
	}
	index := body(h.get(c, "/p/virtrigaud/advisories/"))
	page := body(h.get(c, "/p/virtrigaud/advisories/"+adv.Ref+".html"))
	for _, want := range []string{adv.Ref, "Agent accepts unsigned jobs", "CVE-2026-40001", "<strong>agent</strong>", "Rita Reporter", "9.8", "0.2.3"} {
		if !strings.Contains(page, want) {
			t.Errorf("the advisory page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") || !strings.Contains(index, adv.Ref+".html") {
		t.Error("unsanitised details, or the index does not link the advisory")
	}
	if hall := body(h.get(c, "/p/virtrigaud/advisories/hall-of-fame.html")); !strings.Contains(hall, "Rita Reporter") {
		t.Error("the hall of fame does not thank the reporter")
	}
	res := h.get(c, "/p/virtrigaud/advisories/osv/"+adv.Ref+".json")
	var entry struct {
		ID       string   `json:"id"`
		Aliases  []string `json:"aliases"`
		Modified string   `json:"modified"`
	}
	if err := json.NewDecoder(res.Body).Decode(&entry); err != nil || entry.ID != "x_"+adv.Ref || entry.Aliases[0] != adv.Ref || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("OSV: %+v %v", entry, err)
	}
	for _, p := range []string{"feed.atom", "osv/all.zip", "govulndb/index/db.json", "govulndb/index/modules.json",
		".well-known/csaf/provider-metadata.json", "openvex/" + adv.Ref + ".json"} {
		if res := h.get(c, "/p/virtrigaud/advisories/"+p); res.StatusCode != 200 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	if res := h.get(c, "/p/virtrigaud/advisories/nothing.json"); res.StatusCode != 404 {
		t.Errorf("unknown file: %d", res.StatusCode)
	}
	files, err := h.app.ExportAdvisories(context.Background(), "virtrigaud", "")
	if err != nil {
		t.Fatal(err)
	}
	if string(files[adv.Ref+".html"]) != page {
		t.Error("the exported page differs from the live one")
	}
	// A draft is nowhere public.
	owner := mustUser(h, "owner@demo.org")
	draft, err := h.app.CreateAdvisory(context.Background(), owner, "virtrigaud", []int64{1})
	if err != nil {
		t.Fatal(err)
	}
	if res := h.get(c, "/p/virtrigaud/advisories/"+draft.Ref+".html"); res.StatusCode != 404 || strings.Contains(body(h.get(c, "/p/virtrigaud/advisories/")), draft.Ref) {
		t.Error("a draft is public")
	}
	// The same CVE id twice would break every consumer: refused at publication.
	if _, err := h.app.EditAdvisory(context.Background(), owner, "virtrigaud", draft.Ref, app.AdvisoryInput{Summary: "Same bug", CVE: "CVE-2026-40001"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.PublishAdvisory(context.Background(), owner, "virtrigaud", draft.Ref, "test"); err == nil || !strings.Contains(err.Error(), "CVE id of "+adv.Ref) {
		t.Fatalf("a second advisory with the same CVE: %v", err)
	}
	if res := h.get(c, "/p/virtrigaud/advisories/"); res.StatusCode != 200 {
		t.Fatalf("the tree after a refused publication: %d", res.StatusCode)
	}
}

// TestPublishedTreeKeptUpToDate: the live tree is updated advisory by
// advisory (a second publication, an update, a withdrawal, a new project
// key) and is at every step the tree `embargo publish` encodes afresh.
func TestPublishedTreeKeptUpToDate(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	ctx := context.Background()
	first := publishOne(t, h, embargo.CreditPreference{Mode: embargo.CreditName, Name: "Rita Reporter"})
	owner := mustUser(h, "owner@demo.org")
	c := h.client()
	same := func(step string) {
		t.Helper()
		live, err := h.app.AdvisoryFiles(ctx, "virtrigaud")
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := h.app.ExportAdvisories(ctx, "virtrigaud", "")
		if err != nil {
			t.Fatal(err)
		}
		for p, b := range fresh {
			if strings.HasSuffix(p, ".asc") { // salted signatures: present is enough
				if len(live[p]) == 0 {
					t.Errorf("%s: live tree lacks %s", step, p)
				}
				continue
			}
			if string(live[p]) != string(b) {
				t.Errorf("%s: live %s differs from a fresh export", step, p)
			}
		}
		if len(live) != len(fresh) {
			t.Errorf("%s: live tree has %d files, a fresh export %d", step, len(live), len(fresh))
		}
	}
	same("first publication")
	second, err := h.app.CreateAdvisory(ctx, owner, "virtrigaud", []int64{1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.EditAdvisory(ctx, owner, "virtrigaud", second.Ref, app.AdvisoryInput{Summary: "Second bug",
		Affected: []embargo.AffectedProduct{{Ecosystem: "npm", Package: "virtrigaud-ui", Ranges: []embargo.Range{{Introduced: "0", Fixed: "1.0.1"}}}}}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.PublishAdvisory(ctx, owner, "virtrigaud", second.Ref, "test"); err != nil {
		t.Fatal(err)
	}
	if index := body(h.get(c, "/p/virtrigaud/advisories/")); !strings.Contains(index, second.Ref) || !strings.Contains(index, first.Ref) {
		t.Fatal("the index does not list both advisories")
	}
	if res := h.get(c, "/p/virtrigaud/advisories/osv/npm/all.zip"); res.StatusCode != 200 {
		t.Errorf("the npm archive of the second advisory: %d", res.StatusCode)
	}
	same("second publication")
	if _, err := h.app.EditAdvisory(ctx, owner, "virtrigaud", first.Ref, app.AdvisoryInput{Summary: "Agent accepts unsigned jobs and scripts",
		CVE: "CVE-2026-40001", Affected: []embargo.AffectedProduct{{Ecosystem: "Go", Package: "github.com/virtrigaud/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.4"}}}}}, "Fixed in 0.2.4, not 0.2.3"); err != nil {
		t.Fatal(err)
	}
	if page := body(h.get(c, "/p/virtrigaud/advisories/"+first.Ref+".html")); !strings.Contains(page, "0.2.4") {
		t.Error("the update is not on the advisory's page")
	}
	same("update")
	if _, err := h.app.WithdrawAdvisory(ctx, owner, "virtrigaud", second.Ref, "Not a vulnerability after all"); err != nil {
		t.Fatal(err)
	}
	if feed := body(h.get(c, "/p/virtrigaud/advisories/feed.atom")); !strings.Contains(feed, second.Ref+": Second bug (withdrawn)") {
		t.Error("the feed does not show the withdrawal")
	}
	same("withdrawal")
	if _, err := h.app.GeneratePGPKey(ctx, &owner, "virtrigaud"); err != nil {
		t.Fatal(err)
	}
	same("new project key")
}
