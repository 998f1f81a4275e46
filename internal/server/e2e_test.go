package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

// failShot saves a screenshot of the page when the test fails, into
// EMBARGO_SCREENSHOTS or the test's temporary directory (named in the log).
func failShot(t *testing.T, ctx context.Context, name string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		dir := os.Getenv("EMBARGO_SCREENSHOTS")
		if dir == "" {
			dir = os.TempDir()
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Logf("no failure screenshot: %v", err)
			return
		}
		path := filepath.Join(dir, "failure-"+name+".png")
		if err := os.WriteFile(path, png, 0o644); err == nil {
			t.Logf("failure screenshot: %s", path)
		}
	})
}

type browserSteps struct {
	t   *testing.T
	ctx context.Context
}

func (b browserSteps) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b browserSteps) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(sel))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestBrowserReportTriageAndThread is the whole loop with JavaScript off:
// a reporter submits and gets a thread link; a maintainer acknowledges,
// scores CVSS v4.0, sets a severity, writes an internal note and a message;
// the reporter's thread shows the message and the new state, not the note.
func TestBrowserReportTriageAndThread(t *testing.T) {
	ctx := browser(t)
	failShot(t, ctx, "report-triage-thread")
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	if _, err := h.app.CreateUser(context.Background(), embargo.ActorCLI, app.NewAccount{Email: "tri@demo.org", Name: "Tri Ager", Password: adminPassword}, false); err != nil {
		t.Fatal(err)
	}
	if err := h.app.AddMemberCLI(context.Background(), "virtrigaud", "tri@demo.org", embargo.RoleTriager); err != nil {
		t.Fatal(err)
	}
	poc := filepath.Join(t.TempDir(), "poc.yaml")
	os.WriteFile(poc, []byte("apiVersion: v1\nkind: VirtualMachine\n"), 0o600)
	b := browserSteps{t, ctx}
	b.do(chromedp.Navigate(h.srv.URL+"/p/virtrigaud/report"), chromedp.WaitVisible(`form.report-form`))
	screenshot(t, ctx, "report-form")
	b.do(chromedp.SendKeys(`#f-title`, "Privilege escalation through VM spec"),
		chromedp.SendKeys(`#f-description`, "A crafted spec mounts the host filesystem."),
		chromedp.SendKeys(`#f-steps`, "1. apply poc.yaml\n2. read /host"),
		chromedp.Click(`input[name=credit_mode][value=handle]`),
		chromedp.SendKeys(`#f-credit-name`, "vmhunter"),
		chromedp.SetUploadFiles(`#f-files`, []string{poc}),
		chromedp.Submit(`form.report-form`),
		chromedp.WaitVisible(`a.thread-link`))
	screenshot(t, ctx, "receipt")
	link := b.text(`a.thread-link`)
	if !threadLink.MatchString(link) || !strings.Contains(b.text("main"), "Acknowledgement of your report by") {
		t.Fatalf("receipt: %q\n%s", link, b.text("main"))
	}

	b.do(chromedp.Navigate(h.srv.URL+"/login"),
		chromedp.SendKeys(`input[name=email]`, "tri@demo.org"),
		chromedp.SendKeys(`input[name=password]`, adminPassword),
		chromedp.Submit(`form.stack`),
		chromedp.WaitVisible(`header a[href="/account/tokens"]`),
		chromedp.Navigate(h.srv.URL+"/inbox"),
		chromedp.WaitVisible(`table.inbox`))
	screenshot(t, ctx, "inbox")
	if in := b.text("table.inbox"); !strings.Contains(in, "virtrigaud#1") || !strings.Contains(in, "Privilege escalation") {
		t.Fatalf("inbox:\n%s", in)
	}
	b.do(chromedp.Click(`table.inbox a`), chromedp.WaitVisible(`#t-to`),
		chromedp.SetValue(`#t-to`, "acknowledged"),
		chromedp.SendKeys(`#t-reason`, "Reproduced on 0.1.3."),
		chromedp.Submit(`#t-to`), chromedp.WaitVisible(`p.notice[data-done=state]`),
		chromedp.SendKeys(`#cvss4`, "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
		chromedp.Submit(`#cvss4`), chromedp.WaitVisible(`p.notice[data-done=cvss]`),
		chromedp.SetValue(`#sev`, "high"),
		chromedp.SendKeys(`#sev-reason`, "needs an account on the cluster"),
		chromedp.Submit(`#sev`), chromedp.WaitVisible(`p.notice[data-done=severity]`),
		chromedp.SendKeys(`#note-body`, "INTERNAL: fix lands in the admission webhook"),
		chromedp.Submit(`#note-body`), chromedp.WaitVisible(`p.notice[data-done=note]`),
		chromedp.SendKeys(`#msg-body`, "Thank you. We confirmed it and are preparing a fix."),
		chromedp.Submit(`#msg-body`), chromedp.WaitVisible(`p.notice[data-done=message]`))
	screenshot(t, ctx, "report")
	facts := b.text("p.facts")
	if !strings.Contains(facts, "acknowledged") || !strings.Contains(facts, "CVSS v4.0 8.7") || !strings.Contains(facts, "severity high (set by hand)") {
		t.Fatalf("report facts: %s", facts)
	}
	if tl := b.text("#timeline"); !strings.Contains(tl, "INTERNAL: fix lands") || !strings.Contains(tl, "Internal") {
		t.Fatalf("maintainer timeline:\n%s", tl)
	}

	// The reporter, in a fresh browser profile: no cookie, only the link.
	rctx := browser(t)
	failShot(t, rctx, "reporter-thread")
	r := browserSteps{t, rctx}
	r.do(chromedp.Navigate(link), chromedp.WaitVisible(`#timeline`))
	screenshot(t, rctx, "thread")
	main := r.text("main")
	for _, want := range []string{"Thank you. We confirmed it", "acknowledged", "Reproduced on 0.1.3.", "severity high", "poc.yaml"} {
		if !strings.Contains(main, want) {
			t.Errorf("thread lacks %q", want)
		}
	}
	for _, secret := range []string{"INTERNAL", "admission webhook", "needs an account"} {
		if strings.Contains(main, secret) {
			t.Errorf("thread shows %q", secret)
		}
	}
}

// TestAccessibilityOfReportPages runs axe-core (vendored from npm, see
// testdata/axe) in Chromium on the form, receipt, thread, inbox and report
// pages, and the SLA pages (due next, notifications, performance with its
// chart, webhooks), and fails on any serious or critical violation.
func TestAccessibilityOfReportPages(t *testing.T) {
	ctx := browser(t)
	// axe runs in a tab with JavaScript on; the pages themselves need none.
	actx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	failShot(t, actx, "accessibility")
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	h.app.CreateUser(context.Background(), embargo.ActorCLI, app.NewAccount{Email: "tri@demo.org", Name: "Tri", Password: adminPassword}, false)
	h.app.AddMemberCLI(context.Background(), "virtrigaud", "tri@demo.org", embargo.RoleOwner)
	rc := h.submit("virtrigaud", "Open redirect on login")
	h.submit("virtrigaud", "Token leak in logs")
	// Two days later: the acknowledgement deadlines have passed, so the
	// SLA pages have something to show.
	h.clock.Advance(49 * time.Hour)
	if _, err := h.app.SweepSLA(context.Background()); err != nil {
		t.Fatal(err)
	}
	// An advisory, published, and a draft: the advisory pages have content.
	tri := mustUser(h, "tri@demo.org")
	adv, err := h.app.CreateAdvisory(context.Background(), tri, "virtrigaud", []int64{rc.Report.Number})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.EditAdvisory(context.Background(), tri, "virtrigaud", adv.Ref, app.AdvisoryInput{Summary: "Open redirect on login",
		Details: "The `next` parameter is not checked.", CVSS3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N",
		Affected: []embargo.AffectedProduct{{Ecosystem: "Go", Package: "github.com/virtrigaud/virtrigaud", Ranges: []embargo.Range{{Introduced: "0", Fixed: "0.2.3"}}}}}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.PublishAdvisory(context.Background(), tri, "virtrigaud", adv.Ref, "already public"); err != nil {
		t.Fatal(err)
	}
	draft, err := h.app.CreateAdvisory(context.Background(), tri, "virtrigaud", []int64{rc.Report.Number})
	if err != nil {
		t.Fatal(err)
	}
	b := browserSteps{t, actx}
	if _, err := chromedp.Call(actx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	check := func(name string) {
		t.Helper()
		if _, err := chromedp.Run(actx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
			t.Fatalf("%s: load axe: %v", name, err)
		}
		res, err := chromedp.Run(actx, chromedp.Evaluate[json.RawMessage](
			`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html).slice(0, 3)})))`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: axe: %v", name, err)
		}
		var violations []map[string]any
		json.Unmarshal(res, &violations)
		for _, v := range violations {
			t.Errorf("%s: %v %v: %v %v", name, v["impact"], v["id"], v["help"], v["nodes"])
		}
	}
	b.do(chromedp.Navigate(h.srv.URL+"/p/virtrigaud/report"), chromedp.WaitVisible(`form.report-form`))
	check("report form")
	b.do(chromedp.SendKeys(`#f-title`, "t"), chromedp.SendKeys(`#f-description`, "d"),
		chromedp.Submit(`form.report-form`), chromedp.WaitVisible(`a.thread-link`))
	check("receipt")
	b.do(chromedp.Navigate(rc.ThreadURL), chromedp.WaitVisible(`#timeline`))
	check("thread")
	b.do(chromedp.Navigate(h.srv.URL+"/login"),
		chromedp.SendKeys(`input[name=email]`, "tri@demo.org"),
		chromedp.SendKeys(`input[name=password]`, adminPassword),
		chromedp.Submit(`form.stack`), chromedp.WaitVisible(`header a[href="/account/tokens"]`),
		chromedp.Navigate(h.srv.URL+"/inbox"), chromedp.WaitVisible(`table.inbox`))
	check("inbox")
	b.do(chromedp.Navigate(fmt.Sprintf("%s/m/virtrigaud/reports/%d", h.srv.URL, rc.Report.Number)), chromedp.WaitVisible(`#t-to`))
	check("report page")
	for _, pg := range []struct{ name, path, sel string }{
		{"due", "/due", `table.inbox`},
		{"notifications", "/notifications", `table.inbox`},
		{"performance", "/m/virtrigaud/performance", `figure svg`},
		{"webhooks", "/m/virtrigaud/webhooks", `input#url`},
		{"pgp-key", "/m/virtrigaud/pgp-key", `textarea#key`},
		{"advisories", "/m/virtrigaud/advisories", `table.inbox`},
		{"advisory-draft", "/m/virtrigaud/advisories/" + draft.Ref, `textarea#details`},
		{"advisory-published", "/m/virtrigaud/advisories/" + adv.Ref, `input#change`},
		{"public-advisories", "/p/virtrigaud/advisories/", `table`},
		{"public-advisory", "/p/virtrigaud/advisories/" + adv.Ref + ".html", `dl.facts`},
	} {
		b.do(chromedp.Navigate(h.srv.URL+pg.path), chromedp.WaitVisible(pg.sel))
		check(pg.name)
		screenshot(t, actx, pg.name)
	}
}
