package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// TestWebhookTargets: receivers must be public https URLs unless the
// operator allows private ones; only owners manage webhooks; the URL and
// secret are sealed at rest.
func TestWebhookTargets(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.db")
	st, err := store.Open(ctx, path, store.Options{MasterKey: masterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if _, err := a.AddProject(ctx, embargo.ActorCLI, "d.yaml", []byte("version: 1\nproject: {name: Demo, slug: demo}\ncontacts: {email: security@demo.org}\nsla: {acknowledge: 48h}\n")); err != nil {
		t.Fatal(err)
	}
	p, _ := st.ProjectBySlug(ctx, "demo")
	var owner, triager embargo.User
	for i, role := range []embargo.Role{embargo.RoleOwner, embargo.RoleTriager} {
		u, err := st.CreateUser(ctx, store.NewUser{Email: string(role) + "@demo.org", Name: "x", PasswordHash: "x"}, embargo.ActorCLI)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetMember(ctx, embargo.ActorCLI, p.ID, u.ID, role); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			owner = embargo.User{ID: u.ID}
		} else {
			triager = embargo.User{ID: u.ID}
		}
	}
	for url, want := range map[string]string{
		"http://93.184.216.34/hook":        "use https",
		"https://127.0.0.1/hook":           "loopback, private or link-local",
		"https://10.1.2.3/hook":            "loopback, private or link-local",
		"https://169.254.169.254/latest":   "loopback, private or link-local",
		"https://[::1]/hook":               "loopback, private or link-local",
		"https://100.64.0.1/hook":          "loopback, private or link-local",
		"https://[64:ff9b::a00:1]/hook":    "loopback, private or link-local",
		"https://[2002:a00:1::1]/hook":     "loopback, private or link-local",
		"https://user:pw@93.184.216.34/x":  "no user or password",
		"ftp://93.184.216.34/x":            "full https:// URL",
		"https://93.184.216.34/hook?x=SEC": "",
	} {
		_, secret, err := a.CreateWebhook(ctx, owner, "demo", url)
		switch {
		case want == "" && (err != nil || len(secret) < 40):
			t.Errorf("%s: %v", url, err)
		case want != "" && (err == nil || embargo.KindOf(err) != embargo.KindInvalid || !strings.Contains(embargo.MessageOf(err), want)):
			t.Errorf("%s: err = %v, want %q", url, err, want)
		}
	}
	if _, _, err := a.CreateWebhook(ctx, triager, "demo", "https://93.184.216.34/hook"); embargo.KindOf(err) != embargo.KindForbidden {
		t.Fatalf("a triager created a webhook: %v", err)
	}
	_, hooks, err := a.Webhooks(ctx, owner, "demo")
	if err != nil || len(hooks) != 1 || hooks[0].Hook.Host != "93.184.216.34" || !strings.HasSuffix(hooks[0].Hook.URL, "?x=SEC") {
		t.Fatalf("webhooks: %+v %v", hooks, err)
	}
	if err := a.DisableWebhook(ctx, owner, "demo", hooks[0].Hook.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.DisableWebhook(ctx, owner, "demo", hooks[0].Hook.ID); embargo.KindOf(err) != embargo.KindNotFound {
		t.Fatalf("disable twice: %v", err)
	}
	st.Close()
	raw := readFiles(t, path)
	if strings.Contains(raw, "x=SEC") {
		t.Fatal("the webhook URL is in the database in the clear")
	}
}

// readFiles returns a SQLite database with its WAL, as bytes in a string.
func readFiles(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	for _, sfx := range []string{"", "-wal"} {
		data, err := os.ReadFile(path + sfx)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}
