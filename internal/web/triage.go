package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/store"
)

func mimeAttachment(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

// InboxPage lists reports across a maintainer's projects.
type InboxPage struct {
	Base
	Title    string
	Inbox    app.Inbox
	States   []embargo.State
	Prev     string
	Next     string
	Projects []embargo.Project
	// SearchError says what is wrong with the search typed.
	SearchError string
}

// Inbox serves GET /inbox.
func (w *Web) Inbox(rw http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := app.InboxFilter{Project: q.Get("project"), State: q.Get("state"), Severity: q.Get("severity"), Assignee: q.Get("assignee"),
		Query: q.Get("q"), Page: page}
	in, err := w.app.Inbox(r.Context(), u, f)
	var searchErr string
	if err != nil && f.Query != "" && embargo.KindOf(err) == embargo.KindInvalid {
		// A bad search: say why next to the box, keep what was typed, and
		// show the view without the search.
		searchErr = embargo.MessageOf(err)
		f.Query = ""
		in, err = w.app.Inbox(r.Context(), u, f)
		in.Filter.Query = q.Get("q")
	}
	if err != nil {
		return err
	}
	p := InboxPage{Base: baseOf(r), Title: "Inbox", Inbox: in, States: embargo.States, SearchError: searchErr}
	link := func(page int) string {
		v := url.Values{}
		for k, s := range map[string]string{"project": f.Project, "state": in.Filter.State, "severity": f.Severity, "assignee": f.Assignee, "q": f.Query} {
			if s != "" {
				v.Set(k, s)
			}
		}
		v.Set("page", strconv.Itoa(page))
		return "/inbox?" + v.Encode()
	}
	if in.Page > 1 {
		p.Prev = link(in.Page - 1)
	}
	if in.Page < in.Pages {
		p.Next = link(in.Page + 1)
	}
	return w.render(rw, http.StatusOK, "inbox", p)
}

// CasePage is a maintainer's view of one report.
type CasePage struct {
	Base
	Title  string
	Case   app.Case
	Notice string
	// Done names the action the notice is about.
	Done          string
	Error         string
	Field         string
	Collaborators []store.Collaborator
	NewLink       string
}

func caseNumber(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil || n <= 0 {
		return 0, embargo.Errorf(embargo.KindNotFound, "no such report")
	}
	return n, nil
}

// Case serves GET /m/{slug}/reports/{n}.
func (w *Web) Case(rw http.ResponseWriter, r *http.Request) error {
	return w.casePage(rw, r, http.StatusOK, r.URL.Query().Get("done"), nil)
}

func (w *Web) casePage(rw http.ResponseWriter, r *http.Request, status int, notice string, failure error) error {
	return w.casePageFull(rw, r, status, notice, "", failure)
}

// casePageFull renders the report page; link is a collaborator link just
// created, shown this once.
func (w *Web) casePageFull(rw http.ResponseWriter, r *http.Request, status int, notice, link string, failure error) error {
	u, _ := httpx.UserFrom(r.Context())
	n, err := caseNumber(r)
	if err != nil {
		return err
	}
	c, err := w.app.Case(r.Context(), u, r.PathValue("slug"), n)
	if err != nil {
		return err
	}
	collabs, err := w.app.Collaborators(r.Context(), c)
	if err != nil {
		return err
	}
	page := CasePage{Base: baseOf(r), Title: c.Report.Ref(c.Project.Slug) + " " + c.Report.Content.Title, Case: c, Notice: caseNotices[notice],
		Collaborators: collabs, NewLink: link}
	if page.Notice != "" {
		page.Done = notice
	}
	if failure != nil {
		page.Error = httpx.PublicMessage(failure)
		var fe embargo.FieldErrors
		if errors.As(failure, &fe) && len(fe) > 0 {
			page.Field = fe[0].Field
		}
	}
	return w.render(rw, status, "case", page)
}

var caseNotices = map[string]string{
	"state": "State changed.", "note": "Internal note added.", "message": "Message sent to the reporter.",
	"cvss": "CVSS updated.", "severity": "Severity updated.", "assignee": "Assignee updated.", "labels": "Labels updated.",
	"affected": "Affected versions updated.", "cwe": "Weaknesses updated.",
	"disclosure": "Disclosure date updated.", "collaborator": "Collaborator invited.", "revoked": "Collaborator's access revoked.", "duplicate": "Closed as a duplicate.",
}

// caseAction runs one triage action from a form, then redirects back to the
// report (post/redirect/get); a refused action re-renders the report page
// with the reason and the matching status (409 for an illegal transition).
func (w *Web) caseAction(rw http.ResponseWriter, r *http.Request, done string, fn func(u embargo.User, slug string, n int64, form formValues, files []app.Upload) error) error {
	u, _ := httpx.UserFrom(r.Context())
	n, err := caseNumber(r)
	if err != nil {
		return err
	}
	form, files, err := w.readMultipart(r)
	if err == nil {
		err = fn(u, r.PathValue("slug"), n, form, files)
	}
	if err != nil {
		switch embargo.KindOf(err) {
		case embargo.KindInvalid, embargo.KindConflict, embargo.KindTooLarge:
			if wantsPage(r) {
				return w.casePage(rw, r, httpx.StatusOf(err), "", err)
			}
		}
		return err
	}
	http.Redirect(rw, r, fmt.Sprintf("/m/%s/reports/%d?done=%s", r.PathValue("slug"), n, done), http.StatusSeeOther)
	return nil
}

func wantsPage(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return a == "" || strings.Contains(a, "text/html")
}

// CaseTransition serves POST …/transition (fields: to, reason).
func (w *Web) CaseTransition(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "state", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		_, err := w.app.Transition(r.Context(), u, slug, n, embargo.State(f.Get("to")), f.Get("reason"))
		return err
	})
}

// CaseDuplicate serves POST …/duplicate (field: of, the original's number).
func (w *Web) CaseDuplicate(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "duplicate", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		of, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("of")), "#"), 10, 64)
		if err != nil {
			return embargo.FieldErrors{{Field: "of", Message: "give the number of the original report, such as 12"}}
		}
		_, err = w.app.MarkDuplicate(r.Context(), u, slug, n, of)
		return err
	})
}

// CaseNote serves POST …/notes (field: body, files).
func (w *Web) CaseNote(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "note", func(u embargo.User, slug string, n int64, f formValues, files []app.Upload) error {
		return w.app.AddNote(r.Context(), u, slug, n, f.Get("body"), files)
	})
}

// CaseMessage serves POST …/messages (field: body, files).
func (w *Web) CaseMessage(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "message", func(u embargo.User, slug string, n int64, f formValues, files []app.Upload) error {
		return w.app.SendMessage(r.Context(), u, slug, n, f.Get("body"), files)
	})
}

// CaseCVSS serves POST …/cvss (fields: version, vector).
func (w *Web) CaseCVSS(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "cvss", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		return w.app.SetCVSS(r.Context(), u, slug, n, f.Get("version"), f.Get("vector"))
	})
}

// CaseSeverity serves POST …/severity (fields: severity, "" for derived, reason).
func (w *Web) CaseSeverity(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "severity", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		return w.app.SetSeverity(r.Context(), u, slug, n, f.Get("severity"), f.Get("reason"))
	})
}

// CaseAssign serves POST …/assignee (field: assignee, a user id or empty).
func (w *Web) CaseAssign(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "assignee", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		var id int64
		if v := f.Get("assignee"); v != "" {
			var err error
			if id, err = strconv.ParseInt(v, 10, 64); err != nil {
				return embargo.FieldErrors{{Field: "assignee", Message: "choose a member"}}
			}
		}
		return w.app.Assign(r.Context(), u, slug, n, id)
	})
}

// CaseLabels serves POST …/labels (field: labels, comma-separated).
func (w *Web) CaseLabels(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "labels", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		return w.app.SetLabels(r.Context(), u, slug, n, []string{f.Get("labels")})
	})
}

// CaseCWE serves POST …/cwe (field: cwe, ids separated by commas).
func (w *Web) CaseCWE(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "cwe", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		return w.app.SetCWEs(r.Context(), u, slug, n, []string{f.Get("cwe")})
	})
}

// CaseAffected serves POST …/affected: one line per range,
// "ECOSYSTEM PACKAGE INTRODUCED [FIXED]".
func (w *Web) CaseAffected(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "affected", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		as, err := ParseAffected(f.Get("affected"))
		if err != nil {
			return err
		}
		return w.app.SetAffected(r.Context(), u, slug, n, as)
	})
}

// ParseAffected reads the affected-versions text of the report page: one
// range per line, "ECOSYSTEM PACKAGE INTRODUCED [FIXED]"; lines of the same
// package merge.
func ParseAffected(text string) ([]embargo.Affected, error) {
	var out []embargo.Affected
	index := map[string]int{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 || len(f) > 4 {
			return nil, embargo.FieldErrors{{Field: "affected", Message: fmt.Sprintf("line %d: write ECOSYSTEM PACKAGE INTRODUCED [FIXED], such as: Go example.com/mod 1.2.0 1.2.5", i+1)}}
		}
		rg := embargo.Range{Introduced: f[2]}
		if len(f) == 4 {
			rg.Fixed = f[3]
		}
		key := strings.ToLower(f[0]) + " " + f[1]
		if j, ok := index[key]; ok {
			out[j].Ranges = append(out[j].Ranges, rg)
			continue
		}
		index[key] = len(out)
		out = append(out, embargo.Affected{Ecosystem: f[0], Package: f[1], Ranges: []embargo.Range{rg}})
	}
	return out, nil
}

// CaseFile serves GET /m/{slug}/reports/{n}/files/{id}.
func (w *Web) CaseFile(rw http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	n, err := caseNumber(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "no such file")
	}
	a, data, err := w.app.CaseAttachment(r.Context(), u, r.PathValue("slug"), n, id)
	if err != nil {
		return err
	}
	return sendFile(rw, a, data)
}

// MembersPage lists a project's members; owners can change them.
type MembersPage struct {
	Base
	Title   string
	Project embargo.Project
	Members []embargo.Member
	Owner   bool
	Error   string
	Email   string
}

// Members serves GET /m/{slug}/members.
func (w *Web) Members(rw http.ResponseWriter, r *http.Request) error {
	return w.members(rw, r, http.StatusOK, nil, "")
}

func (w *Web) members(rw http.ResponseWriter, r *http.Request, status int, failure error, email string) error {
	u, _ := httpx.UserFrom(r.Context())
	p, role, ms, err := w.app.ProjectMembers(r.Context(), u, r.PathValue("slug"))
	if err != nil {
		return err
	}
	page := MembersPage{Base: baseOf(r), Title: "Members of " + p.Name, Project: p, Members: ms, Owner: role == embargo.RoleOwner, Email: email}
	if failure != nil {
		page.Error = httpx.PublicMessage(failure)
	}
	return w.render(rw, status, "members", page)
}

// SetMember serves POST /m/{slug}/members (fields: email, role).
func (w *Web) SetMember(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	email := strings.TrimSpace(r.PostFormValue("email"))
	role, err := embargo.ParseRole(r.PostFormValue("role"))
	if err == nil {
		err = w.app.SetMember(r.Context(), u, r.PathValue("slug"), email, role)
	}
	if err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindNotFound {
			return w.members(rw, r, httpx.StatusOf(err), err, email)
		}
		return err
	}
	http.Redirect(rw, r, "/m/"+r.PathValue("slug")+"/members", http.StatusSeeOther)
	return nil
}
