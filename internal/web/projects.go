package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/policy"
	"github.com/embargo-cvd/embargo/internal/policy/importer"
)

// NewProjectPage is where an admin starts a project: from an existing
// SECURITY.md (imported into a draft) or from a policy file.
type NewProjectPage struct {
	Base
	Title  string
	Error  string
	Source string // what was pasted, kept on an error
}

// NewProject serves GET /admin/projects/new.
func (w *Web) NewProject(rw http.ResponseWriter, r *http.Request) error {
	return w.render(rw, http.StatusOK, "newproject", NewProjectPage{Base: baseOf(r), Title: "Add a project"})
}

// SourceLine is one line of the imported SECURITY.md, marked with what
// the importer made of it.
type SourceLine struct {
	N     int
	Text  string
	Class string // mapped, guessed, placeholder, unmapped, or ""
	Notes []string
}

// DraftPage shows the source and the draft side by side.
type DraftPage struct {
	Base
	Title  string
	Format string
	Lines  []SourceLine
	Source string // the submitted SECURITY.md, carried through edits
	Policy string // the draft policy file, as edited
	Review []importer.Finding
	// Problems are check findings on the policy file, file:line:col.
	Problems []string
}

// maxFormMemory bounds multipart parsing in memory; the body limit bounds
// the whole request.
const maxFormMemory = 2 << 20

// readSource takes the SECURITY.md from an uploaded file or the text box.
func readSource(r *http.Request) ([]byte, string, error) {
	// ParseMultipartForm hides a url-encoded body's size error behind
	// ErrNotMultipart, so each encoding is parsed by its own call.
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := parseForm(r); err != nil {
			return nil, "", err
		}
	} else if err := r.ParseMultipartForm(maxFormMemory); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", embargo.Errorf(embargo.KindTooLarge, "the upload is larger than %d bytes", tooBig.Limit)
		}
		return nil, "", embargo.Errorf(embargo.KindInvalid, "could not read the form: %v", err)
	}
	if f, hdr, err := r.FormFile("file"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, importer.MaxInput+1))
		if err != nil {
			return nil, "", err
		}
		if len(b) > 0 {
			return b, hdr.Filename, nil
		}
	}
	src := r.FormValue("source")
	if strings.TrimSpace(src) == "" {
		return nil, "", embargo.Errorf(embargo.KindInvalid, "paste a SECURITY.md or choose a file")
	}
	return []byte(src), "the pasted SECURITY.md", nil
}

// ImportDraft serves POST /admin/projects/import.
func (w *Web) ImportDraft(rw http.ResponseWriter, r *http.Request) error {
	src, name, err := readSource(r)
	if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindTooLarge {
		return w.render(rw, httpx.StatusOf(err), "newproject", NewProjectPage{Base: baseOf(r), Title: "Add a project",
			Error: embargo.MessageOf(err), Source: r.FormValue("source")})
	}
	if err != nil {
		return err
	}
	res, err := w.app.ImportPolicy(src, name)
	if err != nil {
		return err
	}
	page := draftPage(r, string(src), string(res.YAML), res.Review)
	page.Format = string(res.Format)
	return w.render(rw, http.StatusOK, "draft", page)
}

func draftPage(r *http.Request, src, pol string, review []importer.Finding) DraftPage {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	out := make([]SourceLine, len(lines))
	for i, l := range lines {
		out[i] = SourceLine{N: i + 1, Text: l}
	}
	rank := map[string]int{importer.Mapped: 1, importer.Guessed: 2, importer.Conflict: 3, importer.Unmapped: 4, importer.Placeholder: 5}
	for _, f := range review {
		if f.Line < 1 || f.Line > len(out) || f.Field == "sections" {
			continue
		}
		sl := &out[f.Line-1]
		if rank[f.Kind] > rank[sl.Class] {
			sl.Class = f.Kind
		}
		sl.Notes = append(sl.Notes, f.String())
	}
	for i := range out {
		out[i].Class = strings.ReplaceAll(out[i].Class, " ", "-")
	}
	return DraftPage{Base: baseOf(r), Title: "Review the draft policy", Lines: out, Source: src, Policy: pol, Review: review}
}

// CreateProject serves POST /admin/projects: check the (edited) policy
// file and create the project, or show the problems with the text kept.
func (w *Web) CreateProject(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		if embargo.KindOf(err) == embargo.KindTooLarge {
			// Nothing of the form can be read: say so on the page that
			// offers a way on, rather than on a bare error page.
			return w.render(rw, http.StatusRequestEntityTooLarge, "newproject", NewProjectPage{Base: baseOf(r), Title: "Add a project",
				Error: embargo.MessageOf(err) + ": the source and the edited policy together are too big; paste a shorter SECURITY.md, or raise EMBARGO_MAX_BODY_BYTES"})
		}
		return err
	}
	pol := r.PostFormValue("policy")
	src := r.PostFormValue("source")
	u, _ := httpx.UserFrom(r.Context())
	p, err := w.app.AddProject(r.Context(), embargo.Actor(fmt.Sprintf("user:%d", u.ID)), "policy.yaml", []byte(pol))
	if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindConflict {
		page := draftPage(r, src, pol, nil)
		if src != "" {
			if res, ierr := w.app.ImportPolicy([]byte(src), ""); ierr == nil {
				page = draftPage(r, src, pol, res.Review)
			}
		}
		page.Problems = problems(w.app.CheckPolicy([]byte(pol)), err)
		return w.render(rw, httpx.StatusOf(err), "draft", page)
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/p/"+p.Slug, http.StatusSeeOther)
	return nil
}

func problems(diags policy.Diagnostics, err error) []string {
	var out []string
	for _, d := range diags {
		if d.Level == policy.LevelError {
			out = append(out, d.Format("policy.yaml"))
		}
	}
	if len(out) == 0 && err != nil {
		out = append(out, embargo.MessageOf(err))
	}
	return out
}
