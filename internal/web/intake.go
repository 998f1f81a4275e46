package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/sla"
)

// ReportFormPage is the report form, empty or with what the reporter typed
// and what was wrong with it.
type ReportFormPage struct {
	Base
	Title    string
	Project  embargo.Project
	Policy   *embargo.Policy
	Promises []sla.Promise
	Form     embargo.ReportContent
	Errors   embargo.FieldErrors
	Error    string
	MaxFile  string
	MaxTotal string
}

// ReportForm serves GET /p/{slug}/report.
func (w *Web) ReportForm(rw http.ResponseWriter, r *http.Request) error {
	return w.reportForm(rw, r, http.StatusOK, embargo.ReportContent{}, nil)
}

func (w *Web) reportForm(rw http.ResponseWriter, r *http.Request, status int, form embargo.ReportContent, err error) error {
	p, pol, _, perr := w.app.ProjectPolicy(r.Context(), r.PathValue("slug"))
	if perr != nil {
		return perr
	}
	page := ReportFormPage{Base: baseOf(r), Title: "Report a vulnerability in " + p.Name, Project: p, Policy: pol,
		Promises: sla.Promised(pol, w.app.Now()), Form: form, MaxFile: byteSize(w.maxFile), MaxTotal: byteSize(w.maxReport)}
	if err != nil {
		if !errors.As(err, &page.Errors) {
			page.Error = httpx.PublicMessage(err)
		}
	}
	return w.render(rw, status, "report", page)
}

// ReceiptPage shows the thread link, once, and the promised dates.
type ReceiptPage struct {
	Base
	Title     string
	Project   embargo.Project
	Report    embargo.Report
	ThreadURL string
	Promises  []sla.Promise
}

// SubmitReport serves POST /p/{slug}/report (multipart, JavaScript not
// needed). On success it renders the receipt directly: the thread link
// is in this response only, never in a URL of a redirect.
func (w *Web) SubmitReport(rw http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if _, _, _, err := w.app.ProjectPolicy(r.Context(), slug); err != nil {
		return err
	}
	form, files, err := w.readMultipart(r)
	if err != nil {
		return w.reportForm(rw, r, httpx.StatusOf(err), contentFrom(form), err)
	}
	content := contentFrom(form)
	if form.Get("website") != "" {
		// The honeypot: people never see this field, form-filling bots do.
		return w.reportForm(rw, r, http.StatusBadRequest, content, embargo.Errorf(embargo.KindInvalid,
			"this report could not be accepted: the form looks automatically filled in"))
	}
	if err := w.intake.Allow(w.client.Key(r)); err != nil {
		return w.reportForm(rw, r, http.StatusTooManyRequests, content, err)
	}
	rc, err := w.app.SubmitReport(r.Context(), slug, app.Submission{Content: content, Files: files, Channel: embargo.IntakeWeb})
	if err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindTooLarge {
			return w.reportForm(rw, r, httpx.StatusOf(err), content, err)
		}
		return err
	}
	return w.render(rw, http.StatusCreated, "receipt", ReceiptPage{Base: baseOf(r), Title: "Report received", Project: rc.Project,
		Report: rc.Report, ThreadURL: rc.ThreadURL, Promises: rc.Promises})
}

func contentFrom(f formValues) embargo.ReportContent {
	mode := embargo.CreditMode(f.Get("credit_mode"))
	return embargo.ReportContent{Title: f.Get("title"), Description: f.Get("description"), Steps: f.Get("steps"),
		AffectedVersions: f.Get("affected_versions"), Impact: f.Get("impact"), SuggestedFix: f.Get("suggested_fix"),
		Contact: f.Get("contact"), PGPKey: f.Get("pgp_key"),
		Credit: embargo.CreditPreference{Mode: mode, Name: f.Get("credit_name"), Link: f.Get("credit_link")}}
}

// formValues is a form's text fields.
type formValues map[string]string

// Get returns a field's value.
func (f formValues) Get(k string) string { return f[k] }

// readMultipart reads a multipart (or urlencoded) form into memory: text
// fields and files, never spilling report content to temporary files.
// Over the size limits it returns a TooLarge-kind error, with the text
// fields read so far so the form can be shown again.
func (w *Web) readMultipart(r *http.Request) (formValues, []app.Upload, error) {
	form := formValues{}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := parseForm(r); err != nil {
			return form, nil, err
		}
		for k, v := range r.PostForm {
			form[k] = v[0]
		}
		return form, nil, nil
	}
	if r.MultipartForm != nil {
		// Already parsed in memory (the form-token check reads it).
		return w.parsedMultipart(r.MultipartForm)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return form, nil, embargo.Errorf(embargo.KindInvalid, "could not read the form")
	}
	var files []app.Upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return form, nil, bodyErr(err, w.maxReport)
		}
		name := part.FormName()
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, embargo.MaxText*4+1))
			if err != nil {
				return form, nil, bodyErr(err, w.maxReport)
			}
			if len(form) < 50 {
				form[name] = string(b)
			}
			continue
		}
		data, err := readPart(part, w.maxFile)
		if err != nil {
			return form, nil, bodyErr(err, w.maxReport)
		}
		if len(data) > int(w.maxFile) {
			return form, nil, embargo.Errorf(embargo.KindTooLarge, "%s is larger than %s, the limit for one file: nothing was stored", part.FileName(), byteSize(w.maxFile))
		}
		if len(data) == 0 && part.FileName() == "" {
			continue
		}
		files = append(files, app.Upload{Name: part.FileName(), ContentType: part.Header.Get("Content-Type"), Data: data})
	}
	return form, files, nil
}

func (w *Web) parsedMultipart(mf *multipart.Form) (formValues, []app.Upload, error) {
	form := formValues{}
	for k, v := range mf.Value {
		form[k] = v[0]
	}
	var files []app.Upload
	for _, fhs := range mf.File {
		for _, fh := range fhs {
			if fh.Size > w.maxFile {
				return form, nil, embargo.Errorf(embargo.KindTooLarge, "%s is larger than %s, the limit for one file: nothing was stored", fh.Filename, byteSize(w.maxFile))
			}
			f, err := fh.Open()
			if err != nil {
				return form, nil, embargo.Errorf(embargo.KindInvalid, "could not read %s", fh.Filename)
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return form, nil, embargo.Errorf(embargo.KindInvalid, "could not read %s", fh.Filename)
			}
			if len(data) == 0 && fh.Filename == "" {
				continue
			}
			files = append(files, app.Upload{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
		}
	}
	return form, files, nil
}

func readPart(p *multipart.Part, max int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(p, max+1))
}

func bodyErr(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return embargo.Errorf(embargo.KindTooLarge, "the report with its files is larger than %s: nothing was stored", byteSize(limit))
	}
	return embargo.Errorf(embargo.KindInvalid, "could not read the form")
}

func byteSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// ThreadPage is the reporter's view through the private link.
type ThreadPage struct {
	Base
	Title string
	Token string
	// Path is the thread's base path: /t/TOKEN for the reporter, /c/TOKEN
	// for a collaborator (who does not choose a credit).
	Path         string
	Collaborator bool
	Thread       app.Thread
	Notice       string
	Error        string
	Body         string
}

// Thread serves GET /t/{token}.
func (w *Web) Thread(rw http.ResponseWriter, r *http.Request) error {
	return w.thread(rw, r, http.StatusOK, r.URL.Query().Get("done"), "", "")
}

func (w *Web) thread(rw http.ResponseWriter, r *http.Request, status int, notice, errMsg, body string) error {
	token := r.PathValue("token")
	th, err := w.app.Thread(r.Context(), token)
	if err != nil {
		return err
	}
	switch notice {
	case "message":
		notice = "Your message was added to the thread."
	case "credit":
		notice = "Your credit preference was saved."
	case "disclosure":
		notice = "The disclosure date was updated."
	default:
		notice = ""
	}
	return w.render(rw, status, "thread", ThreadPage{Base: baseOf(r), Title: th.Report.Content.Title, Token: token, Path: "/t/" + token,
		Thread: th, Notice: notice, Error: errMsg, Body: body})
}

// ThreadMessage serves POST /t/{token}/messages.
func (w *Web) ThreadMessage(rw http.ResponseWriter, r *http.Request) error {
	if err := w.messages.Allow(w.client.Key(r)); err != nil {
		return err
	}
	form, files, err := w.readMultipart(r)
	if err == nil {
		err = w.app.ReporterMessage(r.Context(), r.PathValue("token"), form.Get("body"), files)
	}
	if err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindTooLarge {
			return w.thread(rw, r, httpx.StatusOf(err), "", httpx.PublicMessage(err), form.Get("body"))
		}
		return err
	}
	http.Redirect(rw, r, "/t/"+r.PathValue("token")+"?done=message#timeline", http.StatusSeeOther)
	return nil
}

// ThreadCredit serves POST /t/{token}/credit.
func (w *Web) ThreadCredit(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c := embargo.CreditPreference{Mode: embargo.CreditMode(r.PostFormValue("credit_mode")), Name: r.PostFormValue("credit_name"), Link: r.PostFormValue("credit_link")}
	if err := w.app.SetCredit(r.Context(), r.PathValue("token"), c); err != nil {
		if embargo.KindOf(err) == embargo.KindInvalid {
			return w.thread(rw, r, http.StatusBadRequest, "", httpx.PublicMessage(err), "")
		}
		return err
	}
	http.Redirect(rw, r, "/t/"+r.PathValue("token")+"?done=credit", http.StatusSeeOther)
	return nil
}

// ThreadFile serves GET /t/{token}/files/{id}.
func (w *Web) ThreadFile(rw http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "no such file")
	}
	a, data, err := w.app.ThreadAttachment(r.Context(), r.PathValue("token"), id)
	if err != nil {
		return err
	}
	return sendFile(rw, a, data)
}

// sendFile serves an attachment as a download, never rendered by the
// browser: report files are untrusted.
func sendFile(rw http.ResponseWriter, a embargo.Attachment, data []byte) error {
	h := rw.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mimeAttachment(a.Name))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, err := rw.Write(data)
	return err
}
