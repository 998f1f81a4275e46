package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/web"
)

// member creates a user with a role on a project and signs them in.
func (h *harness) member(email, slug string, role embargo.Role) *http.Client {
	h.t.Helper()
	c := h.signIn(email, false)
	if err := h.app.AddMemberCLI(context.Background(), slug, email, role); err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) submit(slug, title string) app.Receipt {
	h.t.Helper()
	rc, err := h.app.SubmitReport(context.Background(), slug, app.Submission{Channel: embargo.IntakeWeb,
		Content: embargo.ReportContent{Title: title, Description: "details of " + title},
		Files:   []app.Upload{{Name: "poc.txt", Data: []byte("poc")}}})
	if err != nil {
		h.t.Fatal(err)
	}
	return rc
}

// TestAccessByActor runs every route of the table as each kind of actor and
// checks the status. A route the table has and this test does not fails it.
func TestAccessByActor(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	h.addProject("bpfcompat.yaml")
	anon := h.client()
	admin := h.signIn("admin@demo.org", true)
	signedIn := h.signIn("nobody@demo.org", false)
	viewer := h.member("viewer@demo.org", "virtrigaud", embargo.RoleViewer)
	triager := h.member("triager@demo.org", "virtrigaud", embargo.RoleTriager)
	owner := h.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	otherOwner := h.member("owner@bpf.org", "bpfcompat", embargo.RoleOwner)
	mine := h.submit("virtrigaud", "Report one")
	theirs := h.submit("virtrigaud", "Report two")
	bpf := h.submit("bpfcompat", "BPF report")
	thread := strings.TrimPrefix(mine.ThreadURL, h.srv.URL)
	otherThread := strings.TrimPrefix(theirs.ThreadURL, h.srv.URL)
	c, err := h.app.Case(context.Background(), mustUser(h, "triager@demo.org"), "virtrigaud", 1)
	if err != nil {
		t.Fatal(err)
	}
	file := fmt.Sprintf("/files/%d", c.Timeline[0].Attachments[0].ID)
	reporter, otherReporter := h.client(), h.client()
	_ = bpf

	rep := "/m/virtrigaud/reports/1"
	type tc struct {
		actor  string
		c      *http.Client
		method string
		path   string
		form   url.Values
		status int
		want   string
	}
	none := url.Values{}
	tests := []tc{
		{"anonymous", anon, "GET", "/", nil, 200, "VirtRigaud"},
		{"anonymous", anon, "GET", "/p/virtrigaud", nil, 200, "within 5 business days"},
		{"anonymous", anon, "GET", "/p/virtrigaud/SECURITY.md", nil, 200, "# Security Policy for VirtRigaud"},
		{"anonymous", anon, "GET", "/p/virtrigaud/security.txt", nil, 200, "Contact: mailto:security@virtrigaud.io"},
		{"anonymous", anon, "GET", "/.well-known/security.txt", nil, 404, "no default project"},
		{"anonymous", anon, "GET", "/p/nope", nil, 404, "project &#34;nope&#34; not found"},
		{"anonymous", anon, "GET", "/no/such/page", nil, 404, "there is no page here"},
		{"anonymous", anon, "GET", "/healthz", nil, 200, "ok"},
		{"anonymous", anon, "GET", "/readyz", nil, 200, `"database":"ok"`},
		{"anonymous", anon, "GET", "/static/style.css", nil, 200, "--accent"},
		{"anonymous", anon, "DELETE", "/p/virtrigaud", nil, 405, ""},
		{"anonymous", anon, "GET", "/setup/" + strings.Repeat("x", 43), nil, 404, ""},
		{"anonymous", anon, "POST", "/setup/" + strings.Repeat("x", 43), url.Values{"email": {"a@b.org"}}, 400, ""},
		{"anonymous", anon, "GET", "/login", nil, 200, "Maintainer sign-in"},
		{"anonymous", anon, "POST", "/login", url.Values{"email": {"x@demo.org"}, "password": {"wrong password!"}}, 401, "wrong email or password"},
		{"anonymous", h.client(), "POST", "/logout", none, 303, "/"},
		// Reporting needs nothing.
		{"anonymous", anon, "GET", "/p/virtrigaud/report", nil, 200, "Report a vulnerability in VirtRigaud"},
		{"anonymous", anon, "POST", "/p/virtrigaud/report", url.Values{"title": {"t"}}, 400, "describe the vulnerability"},
		{"anonymous", anon, "POST", "/api/v1/projects/virtrigaud/reports", url.Values{}, 400, "application/json"},
		// A thread link is the capability: the right one reads, any other is
		// not found; members and admins get nothing extra from it.
		{"reporter (own thread)", reporter, "GET", thread, nil, 200, "Report one"},
		{"reporter (own thread)", reporter, "POST", thread + "/messages", url.Values{"body": {"hello"}}, 303, "done=message"},
		{"reporter (own thread)", reporter, "POST", thread + "/credit", url.Values{"credit_mode": {"anonymous"}}, 303, "done=credit"},
		{"reporter (own thread)", reporter, "GET", thread + file, nil, 200, "poc"},
		{"reporter (other thread)", otherReporter, "GET", otherThread, nil, 200, "Report two"},
		{"reporter (other thread)", otherReporter, "GET", otherThread + file, nil, 404, ""},
		{"anonymous", anon, "GET", "/t/" + strings.Repeat("A", 43), nil, 404, "not valid"},
		{"anonymous", anon, "POST", "/t/" + strings.Repeat("A", 43) + "/messages", url.Values{"body": {"x"}}, 404, ""},
		{"anonymous", anon, "POST", "/t/" + strings.Repeat("A", 43) + "/credit", url.Values{"credit_mode": {"anonymous"}}, 404, ""},
		// The maintainer side.
		{"anonymous", anon, "GET", "/admin", nil, 303, "/login?next=%2Fadmin"},
		{"anonymous", anon, "GET", "/inbox", nil, 303, "/login?next=%2Finbox"},
		{"anonymous", anon, "GET", rep, nil, 303, "/login?next="},
		{"anonymous", anon, "POST", rep + "/transition", url.Values{"to": {"acknowledged"}}, 401, "sign in first"},
		{"reporter (own thread)", reporter, "GET", rep, nil, 303, "/login"},
		{"signed in, no project", signedIn, "GET", "/admin", nil, 200, "Signed in as nobody@demo.org"},
		{"signed in, no project", signedIn, "GET", "/inbox", nil, 200, "not a member of any project"},
		{"signed in, no project", signedIn, "GET", rep, nil, 403, "not a member of VirtRigaud"},
		{"viewer", viewer, "GET", "/inbox", nil, 200, "virtrigaud#1"},
		{"viewer", viewer, "GET", rep, nil, 200, "Report one"},
		{"viewer", viewer, "GET", rep + file, nil, 200, "poc"},
		{"viewer", viewer, "POST", rep + "/transition", url.Values{"to": {"acknowledged"}}, 403, "needs the triager role"},
		{"viewer", viewer, "POST", rep + "/notes", url.Values{"body": {"x"}}, 403, "needs the triager role"},
		{"viewer", viewer, "GET", "/m/virtrigaud/members", nil, 200, "owner@demo.org"},
		{"viewer", viewer, "POST", "/m/virtrigaud/members", url.Values{"email": {"x@demo.org"}, "role": {"owner"}}, 403, "needs the owner role"},
		{"triager", triager, "GET", rep, nil, 200, "Change state"},
		{"triager", triager, "POST", rep + "/transition", url.Values{"to": {"acknowledged"}}, 303, "done=state"},
		{"triager", triager, "POST", rep + "/transition", url.Values{"to": {"disclosed"}}, 409, "cannot become disclosed"},
		{"triager", triager, "POST", rep + "/notes", url.Values{"body": {"internal thought"}}, 303, "done=note"},
		{"triager", triager, "POST", rep + "/messages", url.Values{"body": {"we are on it"}}, 303, "done=message"},
		{"triager", triager, "POST", rep + "/cvss", url.Values{"version": {"3.1"}, "vector": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}, 303, "done=cvss"},
		{"triager", triager, "POST", rep + "/severity", url.Values{"severity": {"high"}, "reason": {"only in one setup"}}, 303, "done=severity"},
		{"triager", triager, "POST", rep + "/assignee", url.Values{"assignee": {fmt.Sprint(mustUser(h, "triager@demo.org").ID)}}, 303, "done=assignee"},
		{"triager", triager, "POST", rep + "/labels", url.Values{"labels": {"agent, rce"}}, 303, "done=labels"},
		{"triager", triager, "POST", rep + "/affected", url.Values{"affected": {"Go github.com/projectbeskar/virtrigaud 0 0.1.4"}}, 303, "done=affected"},
		{"triager", triager, "POST", rep + "/cwe", url.Values{"cwe": {"CWE-22, 23"}}, 303, "done=cwe"},
		{"viewer", viewer, "POST", rep + "/cwe", url.Values{"cwe": {"CWE-22"}}, 403, "needs the triager role"},
		{"triager", triager, "POST", "/m/virtrigaud/reports/2/duplicate", url.Values{"of": {"1"}}, 303, "done=duplicate"},
		{"triager", triager, "POST", "/m/virtrigaud/members", url.Values{"email": {"x@demo.org"}, "role": {"owner"}}, 403, "needs the owner role"},
		{"triager", triager, "GET", "/m/virtrigaud/reports/99", nil, 404, "not found"},
		{"triager", triager, "GET", "/m/virtrigaud/reports/abc", nil, 404, ""},
		{"triager", triager, "POST", rep + "/transition", url.Values{"to": {"fixing"}, "csrf": {"forged"}}, 403, "did not come from this site"},
		{"owner", owner, "POST", "/m/virtrigaud/members", url.Values{"email": {"nobody@demo.org"}, "role": {"viewer"}}, 303, "/m/virtrigaud/members"},
		{"owner", owner, "GET", rep, nil, 200, "Report one"},
		{"owner of another project", otherOwner, "GET", rep, nil, 403, "not a member of VirtRigaud"},
		{"owner of another project", otherOwner, "GET", rep + file, nil, 403, "not a member"},
		{"owner of another project", otherOwner, "POST", rep + "/transition", url.Values{"to": {"triaged"}}, 403, "not a member"},
		{"owner of another project", otherOwner, "POST", "/m/virtrigaud/members", url.Values{"email": {"owner@bpf.org"}, "role": {"owner"}}, 403, "not a member"},
		{"owner of another project", otherOwner, "GET", "/inbox", nil, 200, "bpfcompat#1"},
		{"owner of another project", otherOwner, "GET", "/inbox?project=virtrigaud", nil, 403, "not a member"},
		{"admin", admin, "GET", rep, nil, 403, "not a member"},
		{"admin", admin, "GET", "/admin/p/virtrigaud/policy", nil, 200, "security@virtrigaud.io"},
		{"admin", admin, "GET", "/admin", nil, 200, "instance admin"},
		{"admin", admin, "GET", "/admin/p/nope/policy", nil, 404, "not found"},
		{"admin", admin, "GET", "/admin/projects/new", nil, 200, "Draft a policy file"},
		{"admin", admin, "POST", "/admin/projects/import", url.Values{"source": {"# Security\n\nWe reply within 2 days.\n"}}, 200, "Review the draft"},
		{"admin", admin, "POST", "/admin/projects", url.Values{"policy": {"version: 1\n"}}, 400, ""},
		{"admin", admin, "POST", "/m/virtrigaud/members", url.Values{"email": {"admin@demo.org"}, "role": {"viewer"}}, 403, "not a member"},
		{"triager", triager, "GET", "/admin/p/virtrigaud/policy", nil, 403, "instance admin"},
		{"triager", triager, "GET", "/admin/projects/new", nil, 403, "instance admin"},
		{"triager", triager, "POST", "/admin/projects/import", url.Values{"source": {"x"}}, 403, "instance admin"},
		{"triager", triager, "POST", "/admin/projects", url.Values{"policy": {"x"}}, 403, "instance admin"},
		{"anonymous", anon, "GET", "/admin/projects/new", nil, 303, "/login?next="},
		{"anonymous", anon, "POST", "/admin/projects/import", url.Values{"source": {"x"}}, 401, "sign in first"},
		{"anonymous", anon, "POST", "/admin/projects", url.Values{"policy": {"x"}}, 401, "sign in first"},
		{"anonymous", anon, "GET", "/m/virtrigaud/members", nil, 303, "/login"},
		// Invitations: admins to anything, owners to their project.
		{"anonymous", anon, "POST", "/admin/invitations", url.Values{"email": {"new@demo.org"}, "project": {"virtrigaud"}, "role": {"viewer"}}, 401, "sign in first"},
		{"triager", triager, "POST", "/admin/invitations", url.Values{"email": {"new@demo.org"}, "project": {"virtrigaud"}, "role": {"viewer"}}, 403, "instance admin"},
		{"admin", admin, "POST", "/admin/invitations", url.Values{"email": {"new@demo.org"}, "project": {"virtrigaud"}, "role": {"viewer"}}, 201, "/invite/"},
		{"admin", admin, "POST", "/admin/invitations", url.Values{"email": {"owner@demo.org"}, "project": {"virtrigaud"}, "role": {"viewer"}}, 409, "already has an account"},
		{"triager", triager, "POST", "/m/virtrigaud/invitations", url.Values{"email": {"new2@demo.org"}, "role": {"viewer"}}, 403, "needs the owner role"},
		{"owner of another project", otherOwner, "POST", "/m/virtrigaud/invitations", url.Values{"email": {"new2@demo.org"}, "role": {"owner"}}, 403, "not a member"},
		{"owner", owner, "POST", "/m/virtrigaud/invitations", url.Values{"email": {"new2@demo.org"}, "role": {"triager"}}, 201, "/invite/"},
		{"anonymous", anon, "GET", "/invite/" + strings.Repeat("x", 43), nil, 404, "invalid, used or expired"},
		{"anonymous", anon, "POST", "/invite/" + strings.Repeat("x", 43), url.Values{"name": {"X"}, "password": {adminPassword}}, 401, "invalid, used or expired"},
	}
	mux := http.NewServeMux()
	s := &Server{web: &web.Web{}, api: &api.API{}}
	for _, rt := range s.routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, http.NotFoundHandler())
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.actor+" "+tt.method+" "+tt.path, func(t *testing.T) {
			res := h.do(tt.c, tt.method, tt.path, tt.form, map[string]string{"Accept": "text/html, application/json"})
			b := body(res)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, b)
			}
			got := b
			if res.StatusCode == 303 {
				got = res.Header.Get("Location")
			}
			if !strings.Contains(got, tt.want) {
				t.Fatalf("response does not contain %q:\n%s", tt.want, got)
			}
		})
		req, _ := http.NewRequest(tt.method, tt.path, nil)
		if _, pattern := mux.Handler(req); pattern != "" {
			covered[pattern] = true
		}
	}
	for _, rt := range s.routes() {
		if !covered[rt.Method+" "+rt.Pattern] {
			t.Errorf("route %s %s is not in the access table: add it with every actor that matters", rt.Method, rt.Pattern)
		}
	}
}

func mustUser(h *harness, email string) embargo.User {
	h.t.Helper()
	u, err := h.store.UserByEmail(context.Background(), email)
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}
