package server

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/store"
)

var threadLink = regexp.MustCompile(`/t/[A-Za-z0-9_-]{43}`)

// multipartForm encodes fields and files as the report form sends them.
func multipartForm(fields map[string]string, files map[string][]byte) (*bytes.Buffer, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write(data)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func (h *harness) postMultipart(c *http.Client, path string, fields map[string]string, files map[string][]byte) *http.Response {
	h.t.Helper()
	if _, ok := fields["csrf"]; !ok {
		if v := withCSRF(h, c, url.Values{}).Get("csrf"); v != "" {
			fields["csrf"] = v
		}
	}
	b, ct := multipartForm(fields, files)
	req, _ := http.NewRequest("POST", h.srv.URL+path, b)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "text/html")
	res, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { res.Body.Close() })
	return res
}

func (h *harness) reportCount() int {
	h.t.Helper()
	p, err := h.store.ProjectBySlug(context.Background(), "virtrigaud")
	if err != nil {
		h.t.Fatal(err)
	}
	_, n, err := h.store.Reports(context.Background(), store.ReportFilter{ProjectIDs: []int64{p.ID}})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

var goodReport = map[string]string{
	"title": "Path traversal in snapshot export", "description": "GET /export?name=../../etc/passwd returns the file.",
	"steps": "1. run the exporter\n2. request the URL", "affected_versions": "0.1.3", "impact": "read any file",
	"credit_mode": "handle", "credit_name": "finder", "contact": "finder@example.net",
}

func copyMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestReportFormReceiptAndThread(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	anon := h.client()
	res := h.get(anon, "/p/virtrigaud/report")
	if b := body(res); res.StatusCode != 200 || !strings.Contains(b, "What the project promises") || !strings.Contains(b, `name="website"`) {
		t.Fatalf("form: %d", res.StatusCode)
	}
	res = h.postMultipart(anon, "/p/virtrigaud/report", copyMap(goodReport), map[string][]byte{"poc.sh": []byte("curl ../../etc/passwd")})
	b := body(res)
	if res.StatusCode != 201 || !strings.Contains(b, "shown <strong>only this once</strong>") {
		t.Fatalf("submit: %d %s", res.StatusCode, b)
	}
	link := threadLink.FindString(b)
	if link == "" {
		t.Fatal("no thread link on the receipt")
	}
	// The promised date, from the policy: acknowledgement within 48h.
	if want := "Acknowledgement of your report by <time datetime=\"2026-11-25T09:00:00Z\">Wed 25 Nov 2026 09:00 UTC</time>"; !strings.Contains(b, want) {
		t.Fatalf("receipt lacks %q:\n%s", want, b)
	}
	token := strings.TrimPrefix(link, "/t/")
	res = h.get(anon, link)
	if b := body(res); res.StatusCode != 200 || !strings.Contains(b, "Path traversal in snapshot export") || !strings.Contains(b, "poc.sh") ||
		!strings.Contains(b, "2 days left") {
		t.Fatalf("thread: %d %s", res.StatusCode, b)
	}
	if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Fatalf("Referrer-Policy %q", got)
	}
	// The reporter writes, with a file, and changes their credit.
	res = h.postMultipart(anon, link+"/messages", map[string]string{"body": "More detail: symlinks work too."}, map[string][]byte{"more.txt": []byte("ln -s")})
	if res.StatusCode != 303 {
		t.Fatalf("message: %d %s", res.StatusCode, body(res))
	}
	res = h.post(anon, link+"/credit", url.Values{"credit_mode": {"link"}, "credit_name": {"Finder"}, "credit_link": {"http://insecure.example"}})
	if b := body(res); res.StatusCode != 400 || !strings.Contains(b, "https") {
		t.Fatalf("bad credit: %d", res.StatusCode)
	}
	h.post(anon, link+"/credit", url.Values{"credit_mode": {"anonymous"}})
	res = h.get(anon, link)
	b = body(res)
	if !strings.Contains(b, "symlinks work too") || !strings.Contains(b, "changed the credit preference to anonymous") {
		t.Fatalf("thread after message: %s", b)
	}
	fileLink := regexp.MustCompile(`/t/[^"]+/files/\d+`).FindString(b)
	res = h.get(anon, fileLink)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("file: %d %v", res.StatusCode, res.Header)
	}
	// A wrong or malformed token finds nothing.
	for _, p := range []string{"/t/" + strings.Repeat("A", 43), "/t/short"} {
		if res := h.get(anon, p); res.StatusCode != 404 {
			t.Fatalf("%s: %d", p, res.StatusCode)
		}
	}
	// Only the token's hash is stored, and neither it nor the report
	// reaches the log.
	raw := h.rawDatabase()
	if bytes.Contains(raw, []byte(token)) {
		t.Fatal("the thread token is stored in the database")
	}
	if !bytes.Contains(raw, []byte(embargo.HashToken(token))) {
		t.Fatal("the thread token's hash is not stored")
	}
	logs := h.logs.String()
	for _, secret := range []string{token, "Path traversal", "symlinks", "finder@example.net"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("%q reached the log", secret)
		}
	}
}

// rawDatabase returns the bytes of the SQLite database and its WAL.
func (h *harness) rawDatabase() []byte {
	h.t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(h.dbPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			h.t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestReportFormRefusals(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	anon := h.client()
	// Bad fields: the form comes back with what was typed and the errors.
	bad := copyMap(goodReport)
	bad["title"], bad["contact"] = "", "not-an-address"
	res := h.postMultipart(anon, "/p/virtrigaud/report", bad, nil)
	b := body(res)
	if res.StatusCode != 400 || !strings.Contains(b, "give the report a title") || !strings.Contains(b, "is not an email address") ||
		!strings.Contains(b, "GET /export?name=../../etc/passwd") || !strings.Contains(b, `aria-invalid="true"`) {
		t.Fatalf("invalid: %d %s", res.StatusCode, b)
	}
	// The honeypot turns bots away.
	bot := copyMap(goodReport)
	bot["website"] = "http://spam.example"
	if res := h.postMultipart(anon, "/p/virtrigaud/report", bot, nil); res.StatusCode != 400 {
		t.Fatalf("honeypot: %d", res.StatusCode)
	}
	// A file over the limit (512 KiB in this harness): nothing is stored,
	// and the text is kept.
	res = h.postMultipart(anon, "/p/virtrigaud/report", copyMap(goodReport), map[string][]byte{"big.bin": bytes.Repeat([]byte("x"), 600<<10)})
	if b := body(res); res.StatusCode != 413 || !strings.Contains(b, "limit for one file") || !strings.Contains(b, "Path traversal in snapshot export") {
		t.Fatalf("big file: %d %s", res.StatusCode, b)
	}
	// Files adding up to more than a report's limit (1 MiB here).
	many := map[string][]byte{}
	for _, n := range []string{"a", "b", "c"} {
		many[n] = bytes.Repeat([]byte("y"), 400<<10)
	}
	if res := h.postMultipart(anon, "/p/virtrigaud/report", copyMap(goodReport), many); res.StatusCode != 413 {
		t.Fatalf("too many bytes: %d", res.StatusCode)
	}
	// A body over the upload limit.
	if res := h.postMultipart(anon, "/p/virtrigaud/report", copyMap(goodReport), map[string][]byte{"huge": bytes.Repeat([]byte("z"), 3<<20)}); res.StatusCode != 413 {
		t.Fatalf("huge body: %d", res.StatusCode)
	}
	if n := h.reportCount(); n != 0 {
		t.Fatalf("%d reports stored from refused submissions", n)
	}
	if res := h.postMultipart(anon, "/p/nope/report", copyMap(goodReport), nil); res.StatusCode != 404 {
		t.Fatalf("unknown project: %d", res.StatusCode)
	}
	// The per-client rate limit.
	h2 := newHarnessWith(t, httpx.NewLimiter(time.Hour, 2))
	h2.addProject("virtrigaud.yaml")
	codes := []int{}
	for range 3 {
		codes = append(codes, h2.postMultipart(h2.client(), "/p/virtrigaud/report", copyMap(goodReport), nil).StatusCode)
	}
	if codes[0] != 201 || codes[1] != 201 || codes[2] != 429 {
		t.Fatalf("rate limit: %v", codes)
	}
}

type apiResult struct {
	status int
	body   map[string]any
	raw    string
}

func (h *harness) api(method, path, body string, hdr map[string]string) apiResult {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	out := apiResult{status: res.StatusCode, raw: buf.String()}
	json.Unmarshal(buf.Bytes(), &out.body)
	if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
		h.t.Fatalf("%s %s: error %d is not a problem document: %s", method, path, res.StatusCode, out.raw)
	}
	return out
}

func TestAPIIntakeIdempotency(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	path := "/api/v1/projects/virtrigaud/reports"
	req := `{"title":"RCE in the agent","description":"crafted VM spec runs commands","credit":{"mode":"name","name":"Ada"},
		"attachments":[{"name":"poc.json","content_type":"application/json","data":"eyJ4IjoxfQ=="}]}`
	first := h.api("POST", path, req, map[string]string{"Idempotency-Key": "k-1"})
	if first.status != 201 || first.body["number"] != 1.0 || !threadLink.MatchString(first.body["thread_url"].(string)) {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	again := h.api("POST", path, req, map[string]string{"Idempotency-Key": "k-1"})
	if again.status != 200 || again.body["number"] != 1.0 || again.body["thread_url"] != first.body["thread_url"] {
		t.Fatalf("retry: %d %s", again.status, again.raw)
	}
	other := h.api("POST", path, strings.Replace(req, "RCE", "Remote code execution", 1), map[string]string{"Idempotency-Key": "k-1"})
	if other.status != 409 || !strings.Contains(other.raw, "Idempotency-Key") {
		t.Fatalf("same key, other body: %d %s", other.status, other.raw)
	}
	if r := h.api("POST", path, req, nil); r.status != 201 || r.body["number"] != 2.0 {
		t.Fatalf("no key: %d %s", r.status, r.raw)
	}
	for _, tt := range []struct {
		body, ct string
		status   int
		want     string
	}{
		{`{"title":`, "application/json", 400, "malformed JSON"},
		{`{"title":"x","description":"y","colour":"red"}`, "application/json", 400, "unknown field"},
		{`{"title":"","description":""}`, "application/json", 400, `"field":"title"`},
		{`{"title":"x","description":"y"} {}`, "application/json", 400, "more than one JSON value"},
		{`{"title":"x","description":"y","attachments":[{"name":"a","data":"!!"}]}`, "application/json", 400, "base64"},
		{`title=x`, "application/x-www-form-urlencoded", 400, "application/json"},
		{`{"title":"x","description":"y","credit":{"mode":"fame"}}`, "application/json", 400, "unknown mode"},
	} {
		r := h.api("POST", path, tt.body, map[string]string{"Content-Type": tt.ct})
		if r.status != tt.status || !strings.Contains(r.raw, tt.want) {
			t.Errorf("%s: %d %s, want %d with %q", tt.body, r.status, r.raw, tt.status, tt.want)
		}
	}
	if r := h.api("POST", "/api/v1/projects/nope/reports", req, nil); r.status != 404 {
		t.Fatalf("unknown project: %d", r.status)
	}
	if n := h.reportCount(); n != 2 {
		t.Fatalf("%d reports stored, want 2", n)
	}
	// A retry after a restart (a new App with the same token key) still
	// gets the same link: only the derived token's hash is stored.
	b := h.rawDatabase()
	tok := strings.TrimPrefix(threadLink.FindString(first.body["thread_url"].(string)), "/t/")
	if bytes.Contains(b, []byte(tok)) {
		t.Fatal("an idempotent submission's token is stored")
	}
}

func TestPublicCVEReportsAreFlagged(t *testing.T) {
	h := newHarness(t)
	h.addProject("aeraki.yaml")
	if b := body(h.get(h.client(), "/p/aeraki/report")); !strings.Contains(b, "public tracker") {
		t.Fatal("the form does not say where public CVEs go")
	}
	tri := h.member("tri@demo.org", "aeraki", embargo.RoleTriager)
	r := h.api("POST", "/api/v1/projects/aeraki/reports", `{"title":"Scanner finding","description":"Image ships a library with CVE-2024-3094 and CVE-2024-3094."}`, nil)
	if r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	page := body(h.get(tri, "/m/aeraki/reports/1"))
	if !strings.Contains(page, "This report names CVE-2024-3094. The policy sends reports") || !strings.Contains(page, `value="public-cve"`) {
		t.Fatalf("report page: %s", page)
	}
	h.api("POST", "/api/v1/projects/aeraki/reports", `{"title":"Auth bypass","description":"no CVE yet"}`, nil)
	if page := body(h.get(tri, "/m/aeraki/reports/2")); strings.Contains(page, "public-cve") {
		t.Fatal("a report without a CVE was flagged")
	}
}
