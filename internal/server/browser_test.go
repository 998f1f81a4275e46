package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

// browser starts headless Chromium with JavaScript disabled: every page
// must work without it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("browser tests skipped: Chromium not found; install it with apt-get install -y chromium (bash .ci/run does)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 150*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disable JavaScript: %v", err)
	}
	return ctx
}

// screenshot saves a PNG when EMBARGO_SCREENSHOTS names a directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("EMBARGO_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

func TestBrowserSetupDashboardAndPolicyWithoutJavaScript(t *testing.T) {
	ctx := browser(t)
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	h.addProject("bpfcompat.yaml")
	link, ok, err := h.app.SetupLink(context.Background())
	if err != nil || !ok {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	do(chromedp.Navigate(link))
	if h1 := text("h1"); h1 != "Create the first admin account" {
		t.Fatalf("setup page heading %q", h1)
	}
	do(chromedp.SendKeys(`input[name=email]`, "root@demo.org"),
		chromedp.SendKeys(`input[name=name]`, "Root"),
		chromedp.SendKeys(`input[name=password]`, adminPassword))
	screenshot(t, ctx, "setup")
	do(chromedp.Submit(`form.stack`), chromedp.WaitVisible(`table`))
	screenshot(t, ctx, "dashboard")
	if dash := text("main"); !strings.Contains(dash, "Signed in as Root") || !strings.Contains(dash, "VirtRigaud") || !strings.Contains(dash, "bpfcompat") {
		t.Fatalf("dashboard:\n%s", dash)
	}
	do(chromedp.Navigate(h.srv.URL+"/p/virtrigaud"), chromedp.WaitVisible(`article.policy table`))
	screenshot(t, ctx, "policy")
	policyText := text("article.policy")
	for _, want := range []string{"Security Policy for VirtRigaud", "within 48 hours of your report", "Immediate action required", "in the next regular release", "0.1.x"} {
		if !strings.Contains(policyText, want) {
			t.Errorf("policy page lacks %q", want)
		}
	}
	do(chromedp.Submit(`header form.inline`), chromedp.WaitVisible(`a[href="/login"]`))
	if home := text("main"); !strings.Contains(home, "Security policies") {
		t.Fatalf("after sign-out:\n%s", home)
	}
}

func TestBrowserImportSecurityMDWithoutJavaScript(t *testing.T) {
	ctx := browser(t)
	h := newHarness(t)
	h.app.CreateUser(context.Background(), embargo.ActorCLI, app.NewAccount{Email: "admin@demo.org", Name: "Admin", Password: adminPassword}, true)
	seed, err := filepath.Abs("../policy/importer/testdata/seeds/002_af7fa0d4392d43bf.txt")
	if err != nil {
		t.Fatal(err)
	}
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	do(chromedp.Navigate(h.srv.URL+"/login"),
		chromedp.SendKeys(`input[name=email]`, "admin@demo.org"),
		chromedp.SendKeys(`input[name=password]`, adminPassword),
		chromedp.Submit(`form.stack`),
		chromedp.WaitVisible(`a[href="/admin/projects/new"]`),
		chromedp.Navigate(h.srv.URL+"/admin/projects/new"),
		chromedp.SetUploadFiles(`input[name=file]`, []string{seed}),
		chromedp.Submit(`form[action="/admin/projects/import"]`),
		chromedp.WaitVisible(`.side-by-side`))
	screenshot(t, ctx, "import-draft")
	if src := text(`ol.source-lines li.mapped`); !strings.Contains(src, "Use GitHub private vulnerability reporting") {
		t.Fatalf("first mapped source line: %q", src)
	}
	if review := text("ul.review"); !strings.Contains(review, "mapped: sla.acknowledge = 3bd (line 26)") {
		t.Fatalf("review list:\n%s", review)
	}
	do(chromedp.Submit(`.side-by-side form`), chromedp.WaitVisible(`article.policy`))
	if policy := text("article.policy"); !strings.Contains(policy, "within 3 business days of your report") || !strings.Contains(policy, "Out of scope") {
		t.Fatalf("created project page:\n%s", policy)
	}
}
