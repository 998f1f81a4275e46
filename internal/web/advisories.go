package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/store"
)

// AdvisoriesPage lists a project's advisories for its members.
type AdvisoriesPage struct {
	Base
	Title      string
	Project    embargo.Project
	Advisories []store.AdvisorySummary
	Error      string
	Reports    string
	Role       embargo.Role
	Pool       []store.ReservedCVE
	CVEs       string
	CVEError   string
	Notice     string
}

// Advisories serves GET /m/{slug}/advisories.
func (w *Web) Advisories(rw http.ResponseWriter, r *http.Request) error {
	return w.advisories(rw, r, http.StatusOK, "", nil)
}

func (w *Web) advisories(rw http.ResponseWriter, r *http.Request, status int, typed string, failure error) error {
	u, _ := httpx.UserFrom(r.Context())
	p, list, err := w.app.ProjectAdvisories(r.Context(), u, r.PathValue("slug"))
	if err != nil {
		return err
	}
	page := AdvisoriesPage{Base: baseOf(r), Title: p.Name + " advisories", Project: p, Advisories: list, Reports: typed}
	if failure != nil {
		page.Error = httpx.PublicMessage(failure)
	}
	if _, page.Role, err = w.app.ProjectRole(r.Context(), u, p.Slug); err != nil {
		return err
	}
	if page.Pool, err = w.app.CVEPool(r.Context(), u, p.Slug); err != nil {
		return err
	}
	return w.render(rw, status, "advisories", page)
}

// ReserveCVEs serves POST /m/{slug}/cves (field: cves): owners record the
// CVE ids their CNA reserved.
func (w *Web) ReserveCVEs(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	typed := r.PostFormValue("cves")
	if _, err := w.app.ReserveCVEs(r.Context(), u, r.PathValue("slug"), typed); err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindConflict {
			p, list, lerr := w.app.ProjectAdvisories(r.Context(), u, r.PathValue("slug"))
			if lerr != nil {
				return lerr
			}
			pool, _ := w.app.CVEPool(r.Context(), u, p.Slug)
			_, role, _ := w.app.ProjectRole(r.Context(), u, p.Slug)
			return w.render(rw, httpx.StatusOf(err), "advisories", AdvisoriesPage{Base: baseOf(r), Title: p.Name + " advisories", Project: p,
				Advisories: list, Role: role, Pool: pool, CVEs: typed, CVEError: httpx.PublicMessage(err)})
		}
		return err
	}
	http.Redirect(rw, r, "/m/"+r.PathValue("slug")+"/advisories", http.StatusSeeOther)
	return nil
}

// TakeCVE serves POST /m/{slug}/advisories/{ref}/cve: the advisory takes
// the next free id of the project's pool.
func (w *Web) TakeCVE(rw http.ResponseWriter, r *http.Request) error {
	return w.advisoryAction(rw, r, "saved", func(u embargo.User) error {
		_, err := w.app.TakeCVE(r.Context(), u, r.PathValue("slug"), r.PathValue("ref"))
		if embargo.KindOf(err) == embargo.KindNotFound && strings.Contains(err.Error(), "pool") {
			return embargo.Errorf(embargo.KindConflict, "%s", embargo.MessageOf(err))
		}
		return err
	})
}

// CreateAdvisory serves POST /m/{slug}/advisories (field: reports, report
// numbers separated by commas or spaces).
func (w *Web) CreateAdvisory(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	typed := r.PostFormValue("reports")
	var numbers []int64
	for _, f := range strings.FieldsFunc(typed, func(c rune) bool { return c == ',' || c == ' ' || c == '#' }) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n <= 0 {
			return w.advisories(rw, r, http.StatusBadRequest, typed, embargo.FieldErrors{{Field: "reports", Message: fmt.Sprintf("%q is not a report number", f)}})
		}
		numbers = append(numbers, n)
	}
	adv, err := w.app.CreateAdvisory(r.Context(), u, r.PathValue("slug"), numbers)
	if err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindNotFound {
			return w.advisories(rw, r, httpx.StatusOf(err), typed, err)
		}
		return err
	}
	http.Redirect(rw, r, "/m/"+r.PathValue("slug")+"/advisories/"+adv.Ref, http.StatusSeeOther)
	return nil
}

// AdvisoryPage shows and edits one advisory.
type AdvisoryPage struct {
	Base
	Title   string
	View    app.AdvisoryView
	Form    AdvisoryForm
	Preview template.HTML
	Notice  string
	Error   string
	Field   string
}

// AdvisoryForm is the edit form's text.
type AdvisoryForm struct {
	Summary, Details, Severity, CVSS3, CVSS4, CWEs, CVE, Aliases, References, Affected, Credits, Symbols, Change string
}

func formOf(in app.AdvisoryInput) AdvisoryForm {
	f := AdvisoryForm{Summary: in.Summary, Details: in.Details, Severity: in.Severity, CVSS3: in.CVSS3, CVSS4: in.CVSS4,
		CWEs: strings.Join(in.CWEs, ", "), CVE: in.CVE, Aliases: strings.Join(in.Aliases, ", ")}
	var refs, aff, credits, syms []string
	for _, r := range in.References {
		refs = append(refs, r.Type+" "+r.URL)
	}
	for _, a := range in.Affected {
		for _, rg := range a.Ranges {
			aff = append(aff, strings.TrimSpace(a.Ecosystem+" "+a.Package+" "+rg.Introduced+" "+rg.Fixed))
		}
		for _, s := range a.Symbols {
			syms = append(syms, a.Package+" "+s)
		}
	}
	for _, c := range in.Credits {
		credits = append(credits, strings.TrimRight(c.Type+" | "+c.Name+" | "+c.Contact, " |"))
	}
	f.References, f.Affected, f.Credits, f.Symbols = strings.Join(refs, "\n"), strings.Join(aff, "\n"), strings.Join(credits, "\n"), strings.Join(syms, "\n")
	return f
}

// inputOf reads the edit form.
func inputOf(f formValues) (app.AdvisoryInput, error) {
	in := app.AdvisoryInput{Summary: f.Get("summary"), Details: f.Get("details"), Severity: f.Get("severity"), CVSS3: f.Get("cvss3"),
		CVSS4: f.Get("cvss4"), CVE: f.Get("cve")}
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' })
	}
	in.CWEs, in.Aliases = split(f.Get("cwes")), split(f.Get("aliases"))
	for i, line := range lines(f.Get("references")) {
		typ, u, ok := strings.Cut(line, " ")
		if !ok {
			return in, embargo.FieldErrors{{Field: "references", Message: fmt.Sprintf("line %d: write TYPE URL, such as: FIX https://…", i+1)}}
		}
		in.References = append(in.References, embargo.Reference{Type: typ, URL: strings.TrimSpace(u)})
	}
	as, err := ParseAffected(f.Get("affected"))
	if err != nil {
		return in, err
	}
	for _, a := range as {
		in.Affected = append(in.Affected, embargo.AffectedProduct{Ecosystem: a.Ecosystem, Package: a.Package, Ranges: a.Ranges})
	}
	for i, line := range lines(f.Get("symbols")) {
		pkg, sym, ok := strings.Cut(line, " ")
		found := false
		for j := range in.Affected {
			if ok && in.Affected[j].Package == pkg {
				in.Affected[j].Symbols, found = append(in.Affected[j].Symbols, strings.TrimSpace(sym)), true
			}
		}
		if !found {
			return in, embargo.FieldErrors{{Field: "symbols", Message: fmt.Sprintf("line %d: write PACKAGE SYMBOL for an affected package", i+1)}}
		}
	}
	for _, line := range lines(f.Get("credits")) {
		parts := strings.Split(line, "|")
		c := embargo.AdvisoryCredit{Type: "FINDER"}
		switch len(parts) {
		case 1:
			c.Name = parts[0]
		case 2:
			c.Type, c.Name = parts[0], parts[1]
		default:
			c.Type, c.Name, c.Contact = parts[0], parts[1], strings.Join(parts[2:], "|")
		}
		in.Credits = append(in.Credits, c)
	}
	return in, nil
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Advisory serves GET /m/{slug}/advisories/{ref}.
func (w *Web) Advisory(rw http.ResponseWriter, r *http.Request) error {
	return w.advisoryPage(rw, r, http.StatusOK, noticeOf(r.URL.Query().Get("done")), nil, nil)
}

func noticeOf(done string) string {
	switch done {
	case "saved":
		return "Saved."
	case "published":
		return "Published: the advisory is public in every format."
	case "withdrawn":
		return "Withdrawn: it stays public, marked withdrawn."
	}
	return ""
}

func (w *Web) advisoryPage(rw http.ResponseWriter, r *http.Request, status int, notice string, form *AdvisoryForm, failure error) error {
	u, _ := httpx.UserFrom(r.Context())
	v, err := w.app.Advisory(r.Context(), u, r.PathValue("slug"), r.PathValue("ref"))
	if err != nil {
		return err
	}
	page := AdvisoryPage{Base: baseOf(r), Title: v.Advisory.Ref + " " + v.Advisory.Summary, View: v, Notice: notice}
	if form != nil {
		page.Form = *form
	} else {
		page.Form = formOf(app.InputOf(v.Advisory))
	}
	if page.Preview, err = w.markdown([]byte(v.Advisory.Details)); err != nil {
		return err
	}
	if failure != nil {
		page.Error = httpx.PublicMessage(failure)
		if fe, ok := failure.(embargo.FieldErrors); ok && len(fe) > 0 {
			page.Field = fe[0].Field
		}
	}
	return w.render(rw, status, "advisory", page)
}

// SaveAdvisory serves POST /m/{slug}/advisories/{ref}.
func (w *Web) SaveAdvisory(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	f := formValues{}
	for k := range r.PostForm {
		f[k] = r.PostFormValue(k)
	}
	typed := AdvisoryForm{Summary: f.Get("summary"), Details: f.Get("details"), Severity: f.Get("severity"), CVSS3: f.Get("cvss3"),
		CVSS4: f.Get("cvss4"), CWEs: f.Get("cwes"), CVE: f.Get("cve"), Aliases: f.Get("aliases"), References: f.Get("references"),
		Affected: f.Get("affected"), Credits: f.Get("credits"), Symbols: f.Get("symbols"), Change: f.Get("change")}
	in, err := inputOf(f)
	if err == nil {
		_, err = w.app.EditAdvisory(r.Context(), u, r.PathValue("slug"), r.PathValue("ref"), in, f.Get("change"))
	}
	if err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindConflict {
			return w.advisoryPage(rw, r, httpx.StatusOf(err), "", &typed, err)
		}
		return err
	}
	http.Redirect(rw, r, "/m/"+r.PathValue("slug")+"/advisories/"+r.PathValue("ref")+"?done=saved", http.StatusSeeOther)
	return nil
}

// PublishAdvisory serves POST /m/{slug}/advisories/{ref}/publish (field:
// reason, needed before the agreed date).
func (w *Web) PublishAdvisory(rw http.ResponseWriter, r *http.Request) error {
	return w.advisoryAction(rw, r, "published", func(u embargo.User) error {
		_, err := w.app.PublishAdvisory(r.Context(), u, r.PathValue("slug"), r.PathValue("ref"), r.PostFormValue("reason"))
		return err
	})
}

// WithdrawAdvisory serves POST /m/{slug}/advisories/{ref}/withdraw.
func (w *Web) WithdrawAdvisory(rw http.ResponseWriter, r *http.Request) error {
	return w.advisoryAction(rw, r, "withdrawn", func(u embargo.User) error {
		_, err := w.app.WithdrawAdvisory(r.Context(), u, r.PathValue("slug"), r.PathValue("ref"), r.PostFormValue("reason"))
		return err
	})
}

func (w *Web) advisoryAction(rw http.ResponseWriter, r *http.Request, done string, fn func(u embargo.User) error) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	if err := fn(u); err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindConflict {
			return w.advisoryPage(rw, r, httpx.StatusOf(err), "", nil, err)
		}
		return err
	}
	http.Redirect(rw, r, "/m/"+r.PathValue("slug")+"/advisories/"+r.PathValue("ref")+"?done="+done, http.StatusSeeOther)
	return nil
}
