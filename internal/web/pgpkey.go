package web

import (
	"net/http"
	"strings"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// PGPKeyPage shows a project's OpenPGP key to its owners, with forms to
// generate a new one or import an existing one.
type PGPKeyPage struct {
	Base
	Title string
	app.PGPKeyView
	Notice, Error string
}

// PGPKeySettings serves GET /m/{slug}/pgp-key.
func (w *Web) PGPKeySettings(rw http.ResponseWriter, r *http.Request) error {
	return w.pgpKeyPage(rw, r, http.StatusOK, "", nil)
}

func (w *Web) pgpKeyPage(rw http.ResponseWriter, r *http.Request, status int, notice string, failure error) error {
	u, _ := httpx.UserFrom(r.Context())
	v, err := w.app.ProjectPGPKey(r.Context(), u, r.PathValue("slug"))
	if err != nil {
		return err
	}
	page := PGPKeyPage{Base: baseOf(r), Title: v.Project.Name + " OpenPGP key", PGPKeyView: v, Notice: notice}
	if failure != nil {
		page.Error = embargo.MessageOf(failure)
	}
	return w.render(rw, status, "pgpkey", page)
}

// GeneratePGPKey serves POST /m/{slug}/pgp-key/generate.
func (w *Web) GeneratePGPKey(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	k, err := w.app.GeneratePGPKey(r.Context(), &u, r.PathValue("slug"))
	if embargo.KindOf(err) == embargo.KindInvalid {
		return w.pgpKeyPage(rw, r, http.StatusBadRequest, "", err)
	}
	if err != nil {
		return err
	}
	return w.pgpKeyPage(rw, r, http.StatusCreated, "A new key is in use: "+k.Fingerprint+".", nil)
}

// ImportPGPKey serves POST /m/{slug}/pgp-key/import (field: key, an
// armored private key without a passphrase).
func (w *Web) ImportPGPKey(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u, _ := httpx.UserFrom(r.Context())
	k, err := w.app.ImportPGPKey(r.Context(), &u, r.PathValue("slug"), []byte(r.PostFormValue("key")))
	if embargo.KindOf(err) == embargo.KindInvalid {
		return w.pgpKeyPage(rw, r, http.StatusBadRequest, "", err)
	}
	if err != nil {
		return err
	}
	return w.pgpKeyPage(rw, r, http.StatusCreated, "The imported key is in use: "+k.Fingerprint+".", nil)
}

// PublicPGPKey serves GET /p/{slug}/pgp-key.asc: the project's public key.
func (w *Web) PublicPGPKey(rw http.ResponseWriter, r *http.Request) error {
	k, err := w.app.PublicPGPKey(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "application/pgp-keys")
	rw.Header().Set("Cache-Control", "public, max-age=300")
	_, err = rw.Write([]byte(k.Armored))
	return err
}

// WKD serves the Web Key Directory (draft-koch-openpgp-webkey-service):
// GET /.well-known/openpgpkey/hu/{hash} (direct method: the domain is the
// request's host), /.well-known/openpgpkey/{domain}/hu/{hash} (advanced
// method, served at openpgpkey.DOMAIN) and the advanced method's
// /.well-known/openpgpkey/{domain}/policy.
func (w *Web) WKD(rw http.ResponseWriter, r *http.Request) error {
	domain, hash := r.PathValue("domain"), r.PathValue("hash")
	if dir := r.PathValue("dir"); dir != "" {
		switch name := r.PathValue("name"); {
		case dir == "hu":
			domain, hash = hostOnly(r.Host), name
		case name == "policy":
			return w.WKDPolicy(rw, r)
		default:
			return embargo.Errorf(embargo.KindNotFound, "no such Web Key Directory file")
		}
	}
	key, err := w.app.WKDKey(r.Context(), domain, strings.ToLower(hash))
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "application/octet-stream")
	rw.Header().Set("Access-Control-Allow-Origin", "*")
	rw.Header().Set("Cache-Control", "public, max-age=300")
	_, err = rw.Write(key)
	return err
}

// WKDPolicy serves the (empty) WKD policy file both methods look for.
func (w *Web) WKDPolicy(rw http.ResponseWriter, r *http.Request) error {
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("Access-Control-Allow-Origin", "*")
	_, err := rw.Write([]byte("# Web Key Directory of Embargo: keys of the projects' security addresses.\n"))
	return err
}

func hostOnly(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return strings.Trim(strings.ToLower(host), "[]")
}
