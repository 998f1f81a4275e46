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
