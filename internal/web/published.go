package web

import (
	"net/http"
	"path"
	"strings"
)

// contentTypes of the published files, by extension.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json",
	".atom": "application/atom+xml; charset=utf-8", ".zip": "application/zip", ".asc": "application/pgp-signature",
	".sha256": "text/plain; charset=utf-8", ".sha512": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

// PublishedFile serves GET /p/{slug}/advisories/{path...}: the project's
// published advisories in every format, the same files `embargo publish
// --out` writes (index.html at the folder itself).
func (w *Web) PublishedFile(rw http.ResponseWriter, r *http.Request) error {
	return w.publishedFile(rw, r, r.PathValue("slug"), r.PathValue("path"))
}

// PublishedIndex serves GET /p/{slug}/advisories: the folder, so that
// relative links resolve.
func (w *Web) PublishedIndex(rw http.ResponseWriter, r *http.Request) error {
	http.Redirect(rw, r, "/p/"+r.PathValue("slug")+"/advisories/", http.StatusMovedPermanently)
	return nil
}

// WellKnownCSAF serves GET /.well-known/csaf/{path...}: the CSAF provider
// directory of the instance's default project, where CSAF 2.0 (7.1.7)
// looks for provider-metadata.json.
func (w *Web) WellKnownCSAF(rw http.ResponseWriter, r *http.Request) error {
	slug, err := w.app.DefaultProject(r.Context())
	if err != nil {
		return err
	}
	return w.publishedFile(rw, r, slug, ".well-known/csaf/"+r.PathValue("path"))
}

func (w *Web) publishedFile(rw http.ResponseWriter, r *http.Request, slug, p string) error {
	if p == "" || strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	data, err := w.app.PublishedFile(r.Context(), slug, p)
	if err != nil {
		return err
	}
	ct := contentTypes[path.Ext(p)]
	if ct == "" {
		ct = "application/octet-stream"
	}
	rw.Header().Set("Content-Type", ct)
	rw.Header().Set("Cache-Control", "public, max-age=300")
	if !strings.HasSuffix(p, ".html") {
		rw.Header().Set("Access-Control-Allow-Origin", "*")
	}
	_, err = rw.Write(data)
	return err
}
