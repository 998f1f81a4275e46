package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// CollabThread serves GET /c/{token}: a collaborator's view of one report.
func (w *Web) CollabThread(rw http.ResponseWriter, r *http.Request) error {
	return w.collabThread(rw, r, http.StatusOK, r.URL.Query().Get("done") == "message", "", "")
}

func (w *Web) collabThread(rw http.ResponseWriter, r *http.Request, status int, sent bool, errMsg, body string) error {
	token := r.PathValue("token")
	th, err := w.app.CollaboratorThread(r.Context(), token)
	if err != nil {
		return err
	}
	notice := ""
	if sent {
		notice = "Your message was added to the thread."
	}
	return w.render(rw, status, "thread", ThreadPage{Base: baseOf(r), Title: th.Report.Content.Title, Token: token, Path: "/c/" + token,
		Collaborator: true, Thread: th, Notice: notice, Error: errMsg, Body: body})
}

// CollabMessage serves POST /c/{token}/messages.
func (w *Web) CollabMessage(rw http.ResponseWriter, r *http.Request) error {
	if err := w.messages.Allow(w.client.Key(r)); err != nil {
		return err
	}
	form, files, err := w.readMultipart(r)
	if err == nil {
		err = w.app.CollaboratorMessage(r.Context(), r.PathValue("token"), form.Get("body"), files)
	}
	if err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindTooLarge {
			return w.collabThread(rw, r, httpx.StatusOf(err), false, httpx.PublicMessage(err), form.Get("body"))
		}
		return err
	}
	http.Redirect(rw, r, "/c/"+r.PathValue("token")+"?done=message#timeline", http.StatusSeeOther)
	return nil
}

// CollabFile serves GET /c/{token}/files/{id}.
func (w *Web) CollabFile(rw http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "no such file")
	}
	a, data, err := w.app.CollaboratorAttachment(r.Context(), r.PathValue("token"), id)
	if err != nil {
		return err
	}
	return sendFile(rw, a, data)
}

// CaseCollaborator serves POST /m/{slug}/reports/{n}/collaborators (field:
// email): the new link is shown once, on the report page.
func (w *Web) CaseCollaborator(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	n, err := caseNumber(r)
	if err != nil {
		return err
	}
	link, err := w.app.InviteCollaborator(r.Context(), u, r.PathValue("slug"), n, r.PostFormValue("email"))
	if err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindConflict {
			return w.casePage(rw, r, httpx.StatusOf(err), "", err)
		}
		return err
	}
	return w.casePageFull(rw, r, http.StatusCreated, "collaborator", link, nil)
}

// CaseRevokeCollaborator serves POST …/collaborators/{id}/revoke.
func (w *Web) CaseRevokeCollaborator(rw http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	n, err := caseNumber(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "no such collaborator")
	}
	if err := w.app.RevokeCollaborator(r.Context(), u, r.PathValue("slug"), n, id); err != nil {
		return err
	}
	http.Redirect(rw, r, fmt.Sprintf("/m/%s/reports/%d?done=revoked", r.PathValue("slug"), n), http.StatusSeeOther)
	return nil
}
