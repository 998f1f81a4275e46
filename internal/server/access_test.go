package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
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
	h.submit("virtrigaud", "Report three")
	bpf := h.submit("bpfcompat", "BPF report")
	thread := strings.TrimPrefix(mine.ThreadURL, h.srv.URL)
	otherThread := strings.TrimPrefix(theirs.ThreadURL, h.srv.URL)
	c, err := h.app.Case(context.Background(), mustUser(h, "triager@demo.org"), "virtrigaud", 1)
	if err != nil {
		t.Fatal(err)
	}
	file := fmt.Sprintf("/files/%d", c.Timeline[0].Attachments[0].ID)
	reporter, otherReporter := h.client(), h.client()
	collabLink, err := h.app.InviteCollaborator(context.Background(), mustUser(h, "triager@demo.org"), "virtrigaud", 1, "vendor@downstream.example")
	if err != nil {
		t.Fatal(err)
	}
	collab := strings.TrimPrefix(collabLink, h.srv.URL)
	collaborator := h.client()
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
	// apiCase is a JSON request with a bearer token.
	type apiCase struct {
		actor, method, path string
		status              int
		want, json, bearer  string
	}
	token := func(email, slug string, role embargo.Role) string {
		tok, err := h.app.CreateAPIToken(context.Background(), mustUser(h, email), "test", slug, role, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	triagerTok := token("triager@demo.org", "virtrigaud", embargo.RoleTriager)
	triagerReadTok := token("triager@demo.org", "virtrigaud", embargo.RoleViewer)
	viewerTok := token("viewer@demo.org", "", embargo.RoleOwner)
	otherTok := token("owner@bpf.org", "bpfcompat", embargo.RoleOwner)
	triagerBpfTok := ""
	if err := h.app.AddMemberCLI(context.Background(), "bpfcompat", "triager@demo.org", embargo.RoleTriager); err != nil {
		t.Fatal(err)
	}
	triagerBpfTok = token("triager@demo.org", "bpfcompat", embargo.RoleTriager)
	token("triager@demo.org", "", embargo.RoleViewer) // id 6, revoked below
	apiRep := "/api/v1/projects/virtrigaud/reports/1"
	none := url.Values{}
	tests := []tc{
		{"anonymous", anon, "GET", "/", nil, 200, "VirtRigaud"},
		{"anonymous", anon, "GET", "/p/virtrigaud", nil, 200, "within 5 business days"},
		{"anonymous", anon, "GET", "/p/virtrigaud/SECURITY.md", nil, 200, "# Security Policy for VirtRigaud"},
		{"anonymous", anon, "GET", "/p/virtrigaud/security.txt", nil, 200, "Contact: mailto:security@virtrigaud.io"},
		{"anonymous", anon, "GET", "/.well-known/security.txt", nil, 404, "no default project"},
		{"anonymous", anon, "GET", "/p/virtrigaud/pgp-key.asc", nil, 200, "BEGIN PGP PUBLIC KEY BLOCK"},
		{"anonymous", anon, "GET", "/p/virtrigaud/advisories", nil, 301, "/p/virtrigaud/advisories/"},
		{"anonymous", anon, "GET", "/p/virtrigaud/advisories/", nil, 200, "No advisories published yet."},
		{"anonymous", anon, "GET", "/p/virtrigaud/advisories/feed.atom", nil, 200, "<feed"},
		{"anonymous", anon, "GET", "/p/virtrigaud/advisories/VIRT-2026-0001.html", nil, 404, ""},
		{"anonymous", anon, "GET", "/p/nope/advisories/", nil, 404, ""},
		{"anonymous", anon, "GET", "/.well-known/csaf/provider-metadata.json", nil, 404, "no default project"},
		{"anonymous", anon, "GET", "/p/nope/pgp-key.asc", nil, 404, ""},
		{"anonymous", anon, "GET", "/.well-known/openpgpkey/policy", nil, 200, "Web Key Directory"},
		{"anonymous", anon, "GET", "/.well-known/openpgpkey/virtrigaud.io/policy", nil, 200, "Web Key Directory"},
		{"anonymous", anon, "GET", "/.well-known/openpgpkey/virtrigaud.io/hu/" + pgp.WKDHash("security"), nil, 200, ""},
		{"anonymous", anon, "GET", "/.well-known/openpgpkey/virtrigaud.io/hu/" + pgp.WKDHash("nobody"), nil, 404, "no key"},
		{"anonymous", anon, "GET", "/.well-known/openpgpkey/hu/" + pgp.WKDHash("security"), nil, 404, "no key"},
		{"anonymous", anon, "GET", "/.well-known/openpgpkey/virtrigaud.io/other", nil, 404, ""},
		{"anonymous", anon, "GET", "/p/nope", nil, 404, "project &#34;nope&#34; not found"},
		{"anonymous", anon, "GET", "/no/such/page", nil, 404, "there is no page here"},
		{"anonymous", anon, "GET", "/healthz", nil, 200, "ok"},
		{"anonymous (from the local host)", anon, "GET", "/metrics", nil, 200, "embargo_open_reports{project=\"virtrigaud\",severity=\"\",state=\"new\"}"},
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
		{"anonymous", anon, "POST", "/t/" + strings.Repeat("A", 43) + "/disclosure", url.Values{"action": {"accept"}}, 404, ""},
		{"reporter (own thread)", reporter, "POST", thread + "/disclosure", url.Values{"action": {"accept"}}, 409, "no proposed date"},
		{"reporter (own thread)", reporter, "POST", thread + "/disclosure", url.Values{"date": {"2026-12-24"}, "time": {"10:00"}, "zone": {"Europe/Berlin"}}, 303, "done=disclosure"},
		{"reporter (own thread)", reporter, "POST", thread + "/disclosure", url.Values{"date": {"24.12.2026"}}, 400, "YYYY-MM-DD"},
		// The audit log: the admin's whole, an owner's project's.
		{"admin", admin, "GET", "/admin/audit", nil, 200, "project.create"},
		{"owner", owner, "GET", "/admin/audit", nil, 403, "instance admin"},
		{"owner", owner, "GET", "/m/virtrigaud/audit?report=1", nil, 200, "report.submit"},
		{"owner", owner, "GET", "/m/virtrigaud/audit?report=x", nil, 400, "report number"},
		{"triager", triager, "GET", "/m/virtrigaud/audit", nil, 403, "needs the owner role"},
		{"owner of another project", otherOwner, "GET", "/m/virtrigaud/audit", nil, 403, "not a member"},
		{"anonymous", anon, "GET", "/admin/audit", nil, 303, "/login"},
		// A collaborator's link shows that report's thread, nothing else.
		{"collaborator", collaborator, "GET", collab, nil, 200, "Report one"},
		{"collaborator", collaborator, "GET", collab + file, nil, 200, "poc"},
		{"collaborator", collaborator, "POST", collab + "/messages", url.Values{"body": {"our build is affected too"}}, 303, "done=message"},
		{"collaborator", collaborator, "GET", rep, nil, 303, "/login"},
		{"collaborator", collaborator, "GET", "/c/" + strings.Repeat("B", 43), nil, 404, "not valid"},
		{"anonymous", anon, "POST", "/c/" + strings.Repeat("B", 43) + "/messages", url.Values{"body": {"x"}}, 404, ""},
		{"viewer", viewer, "POST", rep + "/collaborators", url.Values{"email": {"x@vendor.example"}}, 403, "needs the triager role"},
		{"triager", triager, "POST", rep + "/collaborators", url.Values{"email": {"second@vendor.example"}}, 201, "/c/"},
		{"triager", triager, "POST", rep + "/collaborators", url.Values{"email": {"second@vendor.example"}}, 409, "already a collaborator"},
		{"owner of another project", otherOwner, "POST", rep + "/collaborators/1/revoke", none, 403, "not a member"},
		{"triager", triager, "POST", rep + "/collaborators/1/revoke", none, 303, "done=revoked"},
		{"collaborator (revoked)", collaborator, "GET", collab, nil, 404, "not valid"},
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
		{"viewer", viewer, "POST", rep + "/disclosure", url.Values{"action": {"accept"}}, 403, "needs the triager role"},
		{"owner of another project", otherOwner, "POST", rep + "/disclosure", url.Values{"action": {"accept"}}, 403, "not a member"},
		{"triager", triager, "POST", rep + "/disclosure", url.Values{"action": {"accept"}}, 303, "done=disclosure"},
		{"triager", triager, "POST", rep + "/disclosure", url.Values{"action": {"accept"}}, 409, "no proposed date"},
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
		// API tokens: created by a signed-in maintainer, shown once.
		{"anonymous", anon, "GET", "/notifications", nil, 303, "/login?next=%2Fnotifications"},
		{"anonymous", anon, "GET", "/due", nil, 303, "/login?next=%2Fdue"},
		{"viewer", viewer, "GET", "/due", nil, 200, "<h1>Due next</h1>"},
		{"anonymous", anon, "GET", "/p/virtrigaud/stats", nil, 404, "does not publish its response statistics"},
		{"anonymous", anon, "GET", "/m/virtrigaud/performance", nil, 303, "/login"},
		{"viewer", viewer, "GET", "/m/virtrigaud/performance", nil, 200, "sla.public_statistics: true"},
		{"owner of another project", otherOwner, "GET", "/m/virtrigaud/performance", nil, 403, "not a member"},
		{"anonymous", anon, "GET", "/m/virtrigaud/webhooks", nil, 303, "/login"},
		{"triager", triager, "GET", "/m/virtrigaud/webhooks", nil, 403, "needs the owner role"},
		{"owner of another project", otherOwner, "GET", "/m/virtrigaud/webhooks", nil, 403, "not a member"},
		{"owner", owner, "GET", "/m/virtrigaud/webhooks", nil, 200, "No webhooks."},
		{"triager", triager, "POST", "/m/virtrigaud/webhooks", url.Values{"url": {"https://93.184.216.34/hook"}}, 403, "needs the owner role"},
		{"owner", owner, "POST", "/m/virtrigaud/webhooks", url.Values{"url": {"https://10.0.0.1/hook"}}, 400, "private or link-local"},
		{"owner", owner, "POST", "/m/virtrigaud/webhooks", url.Values{"url": {"https://93.184.216.34/hook"}}, 201, "shown this once"},
		{"owner of another project", otherOwner, "POST", "/m/virtrigaud/webhooks/1/disable", none, 403, "not a member"},
		{"owner", owner, "POST", "/m/virtrigaud/webhooks/99/disable", none, 404, "no such webhook"},
		{"owner", owner, "POST", "/m/virtrigaud/webhooks/1/disable", none, 303, "/m/virtrigaud/webhooks"},
		{"anonymous", anon, "GET", "/m/virtrigaud/advisories", nil, 303, "/login"},
		{"owner of another project", otherOwner, "GET", "/m/virtrigaud/advisories", nil, 403, "not a member"},
		{"viewer", viewer, "GET", "/m/virtrigaud/advisories", nil, 200, "No advisories yet."},
		{"viewer", viewer, "POST", "/m/virtrigaud/advisories", url.Values{"reports": {"1"}}, 403, "needs the triager role"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories", url.Values{"reports": {"x"}}, 400, "not a report number"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories", url.Values{"reports": {"99"}}, 404, "not found"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories", url.Values{"reports": {"1"}}, 303, "/m/virtrigaud/advisories/VIRT-2026-0001"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/cve", none, 409, "no free CVE id"},
		{"triager", triager, "POST", "/m/virtrigaud/cves", url.Values{"cves": {"CVE-2026-50001"}}, 403, "needs the owner role"},
		{"owner of another project", otherOwner, "POST", "/m/virtrigaud/cves", url.Values{"cves": {"CVE-2026-50001"}}, 403, "not a member"},
		{"owner", owner, "POST", "/m/virtrigaud/cves", url.Values{"cves": {"CVE-26-1"}}, 400, "not a CVE id"},
		{"owner", owner, "POST", "/m/virtrigaud/cves", url.Values{"cves": {"CVE-2026-50001, cve-2026-50002"}}, 303, "/m/virtrigaud/advisories"},
		{"owner", owner, "POST", "/m/virtrigaud/cves", url.Values{"cves": {"CVE-2026-50001"}}, 409, "already reserved"},
		{"viewer", viewer, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/cve", none, 403, "needs the triager role"},
		{"owner of another project", otherOwner, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/cve", none, 403, "not a member"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/cve", none, 303, "done=saved"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/cve", none, 409, "already has CVE-2026-50001"},
		{"viewer", viewer, "GET", "/m/virtrigaud/advisories", nil, 200, "taken by"},
		{"viewer", viewer, "GET", "/m/virtrigaud/advisories/VIRT-2026-0001", nil, 200, "VIRT-2026-0001"},
		{"owner of another project", otherOwner, "GET", "/m/virtrigaud/advisories/VIRT-2026-0001", nil, 403, "not a member"},
		{"viewer", viewer, "GET", "/m/virtrigaud/advisories/VIRT-2026-0009", nil, 404, ""},
		{"viewer", viewer, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001", url.Values{"summary": {"x"}}, 403, "needs the triager role"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001", url.Values{"summary": {""}}, 400, "one-line summary"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001", url.Values{"summary": {"Token leak"}, "cvss3": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}}, 303, "done=saved"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/publish", url.Values{"reason": {"x"}}, 403, "needs the owner role"},
		{"owner of another project", otherOwner, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/publish", url.Values{"reason": {"x"}}, 403, "not a member"},
		{"owner", owner, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/withdraw", url.Values{"reason": {"x"}}, 409, "only a published advisory"},
		{"owner", owner, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/publish", url.Values{"reason": {"Already public upstream"}}, 303, "done=published"},
		{"triager", triager, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/withdraw", url.Values{"reason": {"x"}}, 403, "needs the owner role"},
		{"owner", owner, "POST", "/m/virtrigaud/advisories/VIRT-2026-0001/withdraw", url.Values{"reason": {"Duplicate of upstream"}}, 303, "done=withdrawn"},
		{"anonymous", anon, "GET", "/m/virtrigaud/pgp-key", nil, 303, "/login"},
		{"triager", triager, "GET", "/m/virtrigaud/pgp-key", nil, 403, "needs the owner role"},
		{"owner of another project", otherOwner, "GET", "/m/virtrigaud/pgp-key", nil, 403, "not a member"},
		{"owner", owner, "GET", "/m/virtrigaud/pgp-key", nil, 200, "security@virtrigaud.io"},
		{"triager", triager, "POST", "/m/virtrigaud/pgp-key/generate", none, 403, "needs the owner role"},
		{"owner of another project", otherOwner, "POST", "/m/virtrigaud/pgp-key/generate", none, 403, "not a member"},
		{"owner", owner, "POST", "/m/virtrigaud/pgp-key/generate", none, 201, "A new key is in use"},
		{"triager", triager, "POST", "/m/virtrigaud/pgp-key/import", url.Values{"key": {"x"}}, 403, "needs the owner role"},
		{"owner of another project", otherOwner, "POST", "/m/virtrigaud/pgp-key/import", url.Values{"key": {"x"}}, 403, "not a member"},
		{"owner", owner, "POST", "/m/virtrigaud/pgp-key/import", url.Values{"key": {"not a key"}}, 400, ""},
		{"viewer", viewer, "GET", "/notifications", nil, 200, "No notifications yet."},
		{"anonymous", anon, "POST", "/notifications/read", none, 401, "sign in first"},
		{"viewer", viewer, "POST", "/notifications/read", none, 303, "/notifications"},
		{"anonymous", anon, "GET", "/account/tokens", nil, 303, "/login"},
		{"viewer", viewer, "GET", "/account/tokens", nil, 200, "all of mine"},
		{"viewer", viewer, "POST", "/account/tokens", url.Values{"name": {"ci"}, "project": {"virtrigaud"}, "role": {"viewer"}, "days": {"30"}}, 201, "embargo_"},
		{"viewer", viewer, "POST", "/account/tokens", url.Values{"name": {"ci"}, "project": {"bpfcompat"}, "role": {"viewer"}, "days": {"30"}}, 403, "not a member"},
		{"viewer", viewer, "POST", "/account/tokens", url.Values{"name": {"ci"}, "role": {"viewer"}, "days": {"900"}}, 400, "366 days"},
		{"anonymous", anon, "POST", "/account/tokens", url.Values{"name": {"x"}}, 401, "sign in first"},
		{"owner", owner, "POST", "/account/tokens/6/revoke", none, 404, "no such token"},
		{"triager", triager, "POST", "/account/tokens/6/revoke", none, 303, "/account/tokens"},
		// The JSON API for maintainers, with bearer tokens.
		{"anonymous", anon, "GET", "/api/v1/openapi.json", nil, 200, `"openapi": "3.1.0"`},
		{"anonymous", anon, "GET", "/api/v1/reports", nil, 401, "sign in first"},
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
	apiTests := []apiCase{
		{"bad token", "GET", "/api/v1/reports", 401, "malformed", "", "garbage"},
		{"bad token", "GET", "/api/v1/notifications", 401, "malformed", "", "garbage"},
		{"viewer token", "GET", "/api/v1/notifications", 200, `"unread": 0`, "", viewerTok},
		{"viewer token", "GET", "/api/v1/due", 200, `"report": "virtrigaud#`, "", viewerTok},
		{"bad token", "GET", "/api/v1/due", 401, "malformed", "", "garbage"},
		{"viewer token", "GET", "/api/v1/projects/virtrigaud/performance", 200, `"stage": "acknowledge"`, "", viewerTok},
		{"other project's token", "GET", "/api/v1/projects/virtrigaud/performance", 403, "", "", otherTok},
		{"revoked token", "GET", "/api/v1/reports", 401, "unknown, revoked or expired", "", "embargo_" + strings.Repeat("A", 43)},
		{"viewer token", "GET", "/api/v1/reports", 200, `"ref": "virtrigaud#1"`, "", viewerTok},
		{"other project's token", "GET", "/api/v1/reports", 200, `"ref": "bpfcompat#1"`, "", otherTok},
		{"other project's token", "GET", "/api/v1/reports?project=virtrigaud", 403, "not a member", "", otherTok},
		{"triager token for bpfcompat", "GET", "/api/v1/reports?project=virtrigaud", 403, "", "", triagerBpfTok},
		{"triager token for bpfcompat", "GET", apiRep, 403, "another project", "", triagerBpfTok},
		{"viewer token", "GET", apiRep, 200, `"title": "Report one"`, "", viewerTok},
		{"viewer token", "POST", apiRep + "/disclosure", 403, "needs the triager role", `{"accept":true}`, viewerTok},
		{"triager token", "POST", apiRep + "/disclosure", 400, "RFC 3339", `{}`, triagerTok},
		{"triager token", "POST", apiRep + "/disclosure", 200, `"ref": "virtrigaud#1"`, `{"at":"2027-01-15T10:00:00+01:00","reason":"the fix needs a second release"}`, triagerTok},
		{"triager token for bpfcompat", "POST", apiRep + "/disclosure", 403, "", `{"accept":true}`, triagerBpfTok},
		{"viewer token", "POST", "/api/v1/projects/virtrigaud/advisories", 403, "needs the triager role", `{"reports":[1]}`, viewerTok},
		{"triager token", "POST", "/api/v1/projects/virtrigaud/advisories", 400, "name the reports", `{"reports":[]}`, triagerTok},
		{"triager token", "POST", "/api/v1/projects/virtrigaud/advisories", 201, `"state": "scheduled"`, `{"reports":[1]}`, triagerTok},
		{"viewer token", "GET", "/api/v1/projects/virtrigaud/advisories/VIRT-2026-0002", 200, `"ref": "VIRT-2026-0002"`, "", viewerTok},
		{"viewer token", "GET", "/api/v1/projects/virtrigaud/advisories", 200, `"ref": "VIRT-2026-0002"`, "", viewerTok},
		{"other project's token", "GET", "/api/v1/projects/virtrigaud/advisories", 403, "", "", otherTok},
		{"bad token", "GET", "/api/v1/projects/virtrigaud/advisories", 401, "malformed", "", "garbage"},
		{"other project's token", "GET", "/api/v1/projects/virtrigaud/advisories/VIRT-2026-0002", 403, "", "", otherTok},
		{"viewer token", "PUT", "/api/v1/projects/virtrigaud/advisories/VIRT-2026-0002", 403, "needs the triager role", `{"summary":"x"}`, viewerTok},
		{"triager token", "PUT", "/api/v1/projects/virtrigaud/advisories/VIRT-2026-0002", 400, "CVE id", `{"summary":"Leak","cve":"CVE-1"}`, triagerTok},
		{"triager token", "PUT", "/api/v1/projects/virtrigaud/advisories/VIRT-2026-0002", 200, `"cve": "CVE-2026-40002"`, `{"summary":"Leak","cve":"CVE-2026-40002"}`, triagerTok},
		{"triager token", "POST", "/api/v1/projects/virtrigaud/advisories/VIRT-2026-0002/publish", 403, "needs the owner role", `{}`, triagerTok},
		{"triager token", "POST", "/api/v1/projects/virtrigaud/advisories/VIRT-2026-0002/withdraw", 403, "needs the owner role", `{"reason":"x"}`, triagerTok},
		{"viewer token", "POST", apiRep + "/transitions", 403, "needs the triager role", `{"to":"triaged"}`, viewerTok},
		{"triager token narrowed to viewer", "POST", apiRep + "/notes", 403, "needs the triager role", `{"body":"x"}`, triagerReadTok},
		{"other project's token", "GET", apiRep, 403, "another project", "", otherTok},
		{"triager token", "GET", apiRep, 200, `"audience": "internal"`, "", triagerTok},
		{"triager token", "POST", apiRep + "/transitions", 200, `"state": "triaged"`, `{"to":"triaged","reason":"confirmed on 0.1.3"}`, triagerTok},
		{"triager token", "POST", apiRep + "/transitions", 409, "cannot become new", `{"to":"new"}`, triagerTok},
		{"triager token", "POST", apiRep + "/notes", 201, `"kind": "note"`, `{"body":"api note"}`, triagerTok},
		{"triager token", "POST", apiRep + "/messages", 201, `"kind": "message"`, `{"body":"api message"}`, triagerTok},
		{"triager token", "PUT", apiRep + "/cvss", 200, `"score": 9.3`, `{"version":"4.0","vector":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}`, triagerTok},
		{"triager token", "PUT", apiRep + "/cvss", 400, `"field":"cvss31"`, `{"version":"3.1","vector":"nope"}`, triagerTok},
		{"triager token", "PUT", apiRep + "/severity", 200, `"severity_override": true`, `{"severity":"medium","reason":"mitigated by default config"}`, triagerTok},
		{"triager token", "PUT", apiRep + "/assignee", 200, `"assignee_id"`, fmt.Sprintf(`{"user_id":%d}`, mustUser(h, "owner@demo.org").ID), triagerTok},
		{"triager token", "PUT", apiRep + "/labels", 200, `"api"`, `{"labels":["api","agent"]}`, triagerTok},
		{"triager token", "PUT", apiRep + "/cwe", 200, `"CWE-78"`, `{"cwes":["CWE-78"]}`, triagerTok},
		{"triager token", "PUT", apiRep + "/affected", 200, `"introduced": "0.1.0"`, `{"affected":[{"ecosystem":"Go","package":"example.com/x","ranges":[{"introduced":"0.1.0","fixed":"0.1.5"}]}]}`, triagerTok},
		{"triager token", "PUT", apiRep + "/affected", 400, "unknown field", `{"affected":[],"extra":1}`, triagerTok},
		{"triager token", "POST", "/api/v1/projects/virtrigaud/reports/3/duplicate", 200, `"state": "duplicate"`, `{"of":1}`, triagerTok},
		{"triager token", "GET", "/api/v1/projects/virtrigaud/reports/99", 404, "not found", "", triagerTok},
		{"viewer token on a page", "GET", "/account/tokens", 401, "/api/v1 only", "", viewerTok},
		{"viewer token on a page", "GET", "/m/virtrigaud/reports/1", 401, "/api/v1 only", "", viewerTok},
	}
	mux := http.NewServeMux()
	s := &Server{web: &web.Web{}, api: &api.API{}}
	for _, rt := range s.routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, http.NotFoundHandler())
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.actor+" "+tt.method+" "+tt.path, func(t *testing.T) {
			var res *http.Response
			if strings.HasPrefix(tt.path, "/api/v1/") && tt.form == nil {
				res = h.apiDo(tt.method, tt.path, "", "")
			} else {
				res = h.do(tt.c, tt.method, tt.path, tt.form, map[string]string{"Accept": "text/html, application/json"})
			}
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
	for _, tt := range apiTests {
		t.Run(tt.actor+" "+tt.method+" "+tt.path, func(t *testing.T) {
			res := h.apiDo(tt.method, tt.path, tt.json, tt.bearer)
			b := body(res)
			if res.StatusCode != tt.status || !strings.Contains(b, tt.want) {
				t.Fatalf("status %d, want %d with %q: %s", res.StatusCode, tt.status, tt.want, b)
			}
			if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("error is not a problem document: %s", res.Header.Get("Content-Type"))
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

// apiDo sends a JSON request, with a bearer token when given.
func (h *harness) apiDo(method, path, body, bearer string) *http.Response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { res.Body.Close() })
	return res
}

func mustUser(h *harness, email string) embargo.User {
	h.t.Helper()
	u, err := h.store.UserByEmail(context.Background(), email)
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}
