package server

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

func TestTriageFlowAndWhatTheReporterSees(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	tri := h.member("triager@demo.org", "virtrigaud", embargo.RoleTriager)
	h.member("viewer@demo.org", "virtrigaud", embargo.RoleViewer)
	rc := h.submit("virtrigaud", "Token leak in logs")
	dup := h.submit("virtrigaud", "Tokens are logged")
	reporter := h.client()
	thread := strings.TrimPrefix(rc.ThreadURL, h.srv.URL)
	rep := "/m/virtrigaud/reports/1"
	post := func(path string, form url.Values, status int, want string) string {
		t.Helper()
		res := h.post(tri, path, form)
		b := body(res)
		if res.StatusCode != status {
			t.Fatalf("POST %s %v: %d, want %d: %s", path, form, res.StatusCode, status, b)
		}
		if want != "" && !strings.Contains(b+res.Header.Get("Location"), want) {
			t.Fatalf("POST %s: no %q in %s", path, want, b)
		}
		return b
	}
	h.clock.Advance(3 * time.Hour)
	post(rep+"/transition", url.Values{"to": {"acknowledged"}, "reason": {"Thanks, we reproduced it."}}, 303, "")
	// An illegal move is refused with the reason, on the page (409).
	b := post(rep+"/transition", url.Values{"to": {"acknowledged"}}, 409, "already acknowledged")
	if !strings.Contains(b, "allowed:") {
		t.Fatalf("no allowed moves in %s", b)
	}
	post(rep+"/transition", url.Values{"to": {"no-such-state"}}, 400, "unknown state")
	// CVSS: the score is computed, the severity derived from it.
	post(rep+"/cvss", url.Values{"version": {"4.0"}, "vector": {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}, 303, "")
	post(rep+"/cvss", url.Values{"version": {"3.1"}, "vector": {"CVSS:3.1/AV:N/AC:L"}}, 400, "not a CVSS v3.1 vector")
	page := body(h.get(tri, rep))
	for _, want := range []string{"CVSS v4.0 <strong>9.3</strong>", "severity <strong>critical</strong>", "Fix released (critical)"} {
		if !strings.Contains(page, want) {
			t.Fatalf("report page lacks %q", want)
		}
	}
	// Severity by hand needs a reason, and must be one of the policy's.
	post(rep+"/severity", url.Values{"severity": {"high"}}, 400, "say why")
	post(rep+"/severity", url.Values{"severity": {"urgent"}, "reason": {"x"}}, 400, "unknown severity")
	post(rep+"/severity", url.Values{"severity": {"high"}, "reason": {"needs a local account"}}, 303, "")
	post(rep+"/notes", url.Values{"body": {"SECRET-NOTE: the fix is in branch sec-42"}}, 303, "")
	post(rep+"/messages", url.Values{"body": {"We have a fix and plan a release next week."}}, 303, "")
	post(rep+"/messages", url.Values{"body": {"   "}}, 400, "write a message")
	post(rep+"/assignee", url.Values{"assignee": {"999"}}, 400, "only a triager or owner")
	post(rep+"/affected", url.Values{"affected": {"Go only-two-fields"}}, 400, "ECOSYSTEM PACKAGE INTRODUCED")
	post(rep+"/affected", url.Values{"affected": {"Cobol pkg 1.0"}}, 400, "unknown ecosystem")
	post(rep+"/cwe", url.Values{"cwe": {"CWE-532, cwe-200"}}, 303, "")
	post(rep+"/cwe", url.Values{"cwe": {"CWE-132"}}, 400, "deprecated")
	post(rep+"/cwe", url.Values{"cwe": {"CWE-424242"}}, 400, "not a weakness of the CWE 4.17")
	if page := body(h.get(tri, rep)); !strings.Contains(page, "CWE-532: Insertion of Sensitive Information into Log File") {
		t.Fatal("the report page does not name the weakness")
	}
	post(rep+"/transition", url.Values{"to": {"needs-info"}}, 303, "")
	page = body(h.get(tri, rep))
	if !strings.Contains(page, "paused") || !strings.Contains(page, "SECRET-NOTE") || !strings.Contains(page, "set by hand") {
		t.Fatalf("report page after triage: %s", page)
	}
	post(rep+"/transition", url.Values{"to": {"fixed"}}, 409, "cannot become fixed")
	post(rep+"/transition", url.Values{"to": {"acknowledged"}}, 303, "")

	// The reporter sees the message, the state and the severity, never the
	// note or the override's reason.
	th := body(h.get(reporter, thread))
	for _, want := range []string{"We have a fix", "Thanks, we reproduced it.", "acknowledged", "severity <strong>high</strong>"} {
		if !strings.Contains(th, want) {
			t.Fatalf("thread lacks %q:\n%s", want, th)
		}
	}
	for _, secret := range []string{"SECRET-NOTE", "needs a local account", "internal note"} {
		if strings.Contains(th, secret) {
			t.Fatalf("the thread shows %q", secret)
		}
	}
	// A duplicate closes, its reporter is told, the original records it.
	post("/m/virtrigaud/reports/2/duplicate", url.Values{"of": {"2"}}, 400, "cannot duplicate itself")
	post("/m/virtrigaud/reports/2/duplicate", url.Values{"of": {"1"}}, 303, "")
	dth := body(h.get(reporter, strings.TrimPrefix(dup.ThreadURL, h.srv.URL)))
	if !strings.Contains(dth, "duplicate") || !strings.Contains(dth, "same vulnerability") {
		t.Fatalf("duplicate's thread: %s", dth)
	}
	if page := body(h.get(tri, rep)); !strings.Contains(page, "#2 was closed as a duplicate of this report") {
		t.Fatal("the original does not record its duplicate")
	}
	// No cycles and no chains.
	h.submit("virtrigaud", "A third report")
	post(rep+"/duplicate", url.Values{"of": {"2"}}, 409, "is itself a duplicate")
	post(rep+"/duplicate", url.Values{"of": {"3"}}, 409, "other reports are duplicates of #1")
	// The inbox: filters and the nearest deadline first.
	in := body(h.get(tri, "/inbox"))
	if !strings.Contains(in, "virtrigaud#1") || strings.Contains(in, "virtrigaud#2") {
		t.Fatalf("open inbox: %s", in)
	}
	if in := body(h.get(tri, "/inbox?state=all")); !strings.Contains(in, "virtrigaud#2") {
		t.Fatal("state=all misses the duplicate")
	}
	if in := body(h.get(tri, "/inbox?state=duplicate&severity=none")); strings.Contains(in, "virtrigaud#") {
		t.Fatal("filters ignored")
	}
	if res := h.get(tri, "/inbox?state=bogus"); res.StatusCode != 400 {
		t.Fatalf("bad filter: %d", res.StatusCode)
	}
	// Every change is in the audit log, without report text.
	log, err := h.store.AuditLog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
		for _, v := range e.Details {
			if strings.Contains(v, "SECRET-NOTE") || strings.Contains(v, "We have a fix") || strings.Contains(v, "Token leak") {
				t.Fatalf("report text in the audit log: %+v", e)
			}
		}
	}
	joined := strings.Join(actions, " ")
	for _, want := range []string{"report.submit", "report.state", "report.cvss4", "report.severity", "report.note", "report.message", "report.duplicate"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("audit log lacks %s: %s", want, joined)
		}
	}
}

func TestInvitationCreatesAccountWithRole(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	owner := h.member("owner@demo.org", "virtrigaud", embargo.RoleOwner)
	res := h.post(owner, "/m/virtrigaud/invitations", url.Values{"email": {"Grace@Demo.org"}, "role": {"triager"}})
	b := body(res)
	link := regexp.MustCompile(`/invite/[A-Za-z0-9_-]{43}`).FindString(b)
	if res.StatusCode != 201 || link == "" {
		t.Fatalf("invite: %d %s", res.StatusCode, b)
	}
	c := h.client()
	if b := body(h.get(c, link)); !strings.Contains(b, "grace@demo.org") {
		t.Fatalf("invite page: %s", b)
	}
	if res := h.post(c, link, url.Values{"name": {"Grace"}, "password": {"short"}}); res.StatusCode != 400 || !strings.Contains(body(res), "at least 12") {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	res = h.post(c, link, url.Values{"name": {"Grace"}, "password": {adminPassword}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/inbox" {
		t.Fatalf("accept: %d %s", res.StatusCode, body(res))
	}
	if b := body(h.get(c, "/m/virtrigaud/members")); !strings.Contains(b, "grace@demo.org") || !strings.Contains(b, "triager") {
		t.Fatalf("members: %s", b)
	}
	if res := h.post(h.client(), link, url.Values{"name": {"Eve"}, "password": {adminPassword}}); res.StatusCode != 401 {
		t.Fatalf("second use: %d", res.StatusCode)
	}
	if strings.Contains(h.logs.String(), strings.TrimPrefix(link, "/invite/")) {
		t.Fatal("the invitation token reached the log")
	}
}

func TestCollaboratorSeesThreadOnly(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	tri := h.member("triager@demo.org", "virtrigaud", embargo.RoleTriager)
	rc, err := h.app.SubmitReport(context.Background(), "virtrigaud", app.Submission{Channel: embargo.IntakeWeb,
		Content: embargo.ReportContent{Title: "Heap overflow in parser", Description: "d", Contact: "finder@example.net",
			Credit: embargo.CreditPreference{Mode: embargo.CreditName, Name: "Finder Person"}}})
	if err != nil {
		t.Fatal(err)
	}
	rep := "/m/virtrigaud/reports/1"
	h.post(tri, rep+"/notes", url.Values{"body": {"SECRET-NOTE"}})
	res := h.post(tri, rep+"/collaborators", url.Values{"email": {"vendor@downstream.example"}})
	link := regexp.MustCompile(`/c/[A-Za-z0-9_-]{43}`).FindString(body(res))
	if res.StatusCode != 201 || link == "" {
		t.Fatalf("invite: %d", res.StatusCode)
	}
	c := h.client()
	page := body(h.get(c, link))
	if !strings.Contains(page, "Heap overflow in parser") || !strings.Contains(page, "invited to this report") {
		t.Fatalf("collaborator page: %s", page)
	}
	for _, hidden := range []string{"SECRET-NOTE", "finder@example.net", "Finder Person", "How to credit you"} {
		if strings.Contains(page, hidden) {
			t.Fatalf("the collaborator sees %q", hidden)
		}
	}
	h.post(c, link+"/messages", url.Values{"body": {"Our fork is affected as well."}})
	if th := body(h.get(h.client(), strings.TrimPrefix(rc.ThreadURL, h.srv.URL))); !strings.Contains(th, "Our fork is affected as well.") || !strings.Contains(th, "Collaborator") {
		t.Fatal("the reporter does not see the collaborator's message")
	}
	if cp := body(h.get(tri, rep)); !strings.Contains(cp, "invited a collaborator: vendor@downstream.example") {
		t.Fatal("the invitation is not on the timeline")
	}
}
