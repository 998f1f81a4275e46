package server

import (
	"html"
	"net/url"
	"os"
	"strings"
	"testing"
)

// The import routes' access per actor is in TestAccessByActor.

func TestNonAdminIsNotOfferedProjectCreation(t *testing.T) {
	h := newHarness(t)
	member := h.signIn("triager@demo.org", false)
	if res := h.get(member, "/admin"); strings.Contains(body(res), "/admin/projects/new") {
		t.Error("a non-admin is offered the add-project page")
	}
}

func TestImportDraftEditAndCreate(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn("admin@demo.org", true)
	seed, err := os.ReadFile("../policy/importer/testdata/seeds/001_ffdb41f7b163b172.txt")
	if err != nil {
		t.Fatal(err)
	}
	res := h.post(admin, "/admin/projects/import", url.Values{"source": {string(seed)}})
	page := body(res)
	if res.StatusCode != 200 {
		t.Fatalf("import: %d %s", res.StatusCode, page)
	}
	for _, want := range []string{
		`<li value="35" class="mapped"`,      // the acknowledgement promise
		`<li value="23" class="placeholder"`, // [INSERT SECURITY EMAIL]
		"acknowledge: 48h",
		"[FILL IN THE SECURITY EMAIL ADDRESS]",
		"placeholder, not used: [INSERT SECURITY EMAIL] (line 23)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("draft page lacks %q", want)
		}
	}
	draft := extractTextarea(t, page)
	// Saving the draft as is: refused with the problem shown and the text kept.
	res = h.post(admin, "/admin/projects", url.Values{"policy": {draft}, "source": {string(seed)}})
	page = body(res)
	if res.StatusCode != 400 || !strings.Contains(page, "placeholder contact") || !strings.Contains(page, "acknowledge: 48h") {
		t.Fatalf("unfilled draft: %d\n%s", res.StatusCode, page)
	}
	if _, err := h.store.ProjectBySlug(t.Context(), "metricsd"); err == nil {
		t.Fatal("a refused draft created a project")
	}
	filled := strings.Replace(draft, "[FILL IN THE SECURITY EMAIL ADDRESS]", "security@metricsd.dev", 1)
	res = h.post(admin, "/admin/projects", url.Values{"policy": {filled}, "source": {string(seed)}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/p/metricsd" {
		t.Fatalf("filled draft: %d %s", res.StatusCode, body(res))
	}
	if res := h.get(h.client(), "/p/metricsd/SECURITY.md"); !strings.Contains(body(res), "within 48 hours of your report") {
		t.Fatal("the created project does not serve its policy")
	}
	log, _ := h.store.AuditLog(t.Context())
	// The project's creation, then its generated OpenPGP key, by the admin.
	if last := log[len(log)-2]; last.Action != "project.create" || !strings.HasPrefix(last.Actor, "user:") || log[len(log)-1].Actor != last.Actor {
		t.Fatalf("creation not audited with the admin as actor: %+v", last)
	}
	// Creating it again is a conflict, shown on the page.
	res = h.post(admin, "/admin/projects", url.Values{"policy": {filled}})
	if res.StatusCode != 409 || !strings.Contains(body(res), "already exists") {
		t.Fatalf("duplicate: %d", res.StatusCode)
	}
	// An import error keeps what was pasted.
	res = h.post(admin, "/admin/projects/import", url.Values{"source": {strings.Repeat("x", 70<<10)}})
	if res.StatusCode != 413 {
		t.Fatalf("oversized import: %d", res.StatusCode)
	}
	// A draft too big to read is refused before anything runs (its form
	// token cannot be read either), on a page that says so.
	res = h.post(admin, "/admin/projects", url.Values{"policy": {strings.Repeat("y", 70<<10)}})
	if b := body(res); res.StatusCode != 413 || !strings.Contains(b, "larger than 65536 bytes: nothing was changed") {
		t.Fatalf("oversized save: %d %s", res.StatusCode, b)
	}
	// An empty submission gets a clear message.
	res = h.post(admin, "/admin/projects/import", url.Values{"source": {"  "}})
	if res.StatusCode != 400 || !strings.Contains(body(res), "paste a SECURITY.md or choose a file") {
		t.Fatalf("empty import: %d", res.StatusCode)
	}
}

func extractTextarea(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `name="policy" rows="40" spellcheck="false">`)
	if i < 0 {
		t.Fatal("no policy textarea")
	}
	rest := page[i+len(`name="policy" rows="40" spellcheck="false">`):]
	return html.UnescapeString(rest[:strings.Index(rest, "</textarea>")])
}
