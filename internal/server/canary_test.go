package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/embargo-cvd/embargo/internal/backup"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

// TestCanariesNeverReachTheDatabaseFiles plants unique strings through
// every input path (the web form and its file names, the JSON API,
// reporter and collaborator messages, maintainer messages and internal
// notes with files) and searches the SQLite database, its WAL and shm
// files, the logs, and a backup file (encrypted and decrypted), byte by
// byte: the content is sealed. The same
// strings are readable through the pages.
func TestCanariesNeverReachTheDatabaseFiles(t *testing.T) {
	h := newHarness(t)
	h.addProject("virtrigaud.yaml")
	tri := h.member("tri@demo.org", "virtrigaud", embargo.RoleTriager)
	canary := func(name string) string { return "CANARY-" + name + "-7f3a9c" }
	anon := h.client()
	form := copyMap(goodReport)
	form["title"], form["description"], form["steps"] = canary("title"), canary("description"), canary("steps")
	form["impact"], form["suggested_fix"], form["affected_versions"] = canary("impact"), canary("fix"), canary("versions")
	form["contact"], form["credit_name"] = "canary-contact-7f3a9c@example.net", canary("credit")
	form["pgp_key"] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n" + canary("pgpkey") + "\n-----END PGP PUBLIC KEY BLOCK-----"
	res := h.postMultipart(anon, "/p/virtrigaud/report", form, map[string][]byte{canary("filename") + ".txt": []byte(canary("filedata"))})
	link := threadLink.FindString(body(res))
	if res.StatusCode != 201 || link == "" {
		t.Fatalf("form: %d", res.StatusCode)
	}
	api := h.api("POST", "/api/v1/projects/virtrigaud/reports", `{"title":"`+canary("apititle")+`","description":"`+canary("apidesc")+
		`","attachments":[{"name":"`+canary("apifile")+`","data":"`+b64(canary("apifiledata"))+`"}]}`, nil)
	if api.status != 201 {
		t.Fatalf("api: %d %s", api.status, api.raw)
	}
	h.postMultipart(anon, link+"/messages", map[string]string{"body": canary("reportermsg")}, map[string][]byte{canary("msgfile"): []byte(canary("msgfiledata"))})
	rep := "/m/virtrigaud/reports/1"
	h.postMultipart(tri, rep+"/notes", map[string]string{"body": canary("note")}, map[string][]byte{canary("notefile"): []byte(canary("notefiledata"))})
	h.post(tri, rep+"/messages", url.Values{"body": {canary("maintainermsg")}})
	h.post(tri, rep+"/transition", url.Values{"to": {"acknowledged"}, "reason": {canary("reason")}})
	collab, err := h.app.InviteCollaborator(context.Background(), mustUser(h, "tri@demo.org"), "virtrigaud", 1, "vendor@example.org")
	if err != nil {
		t.Fatal(err)
	}
	h.post(h.client(), strings.TrimPrefix(collab, h.srv.URL)+"/messages", url.Values{"body": {canary("collabmsg")}})

	// Readable where they belong.
	page := body(h.get(tri, rep))
	for _, c := range []string{"title", "description", "steps", "impact", "fix", "versions", "credit", "filename", "reportermsg", "msgfile", "note", "notefile", "maintainermsg", "reason", "collabmsg"} {
		if !strings.Contains(page, canary(c)) {
			t.Errorf("the report page does not show %s", canary(c))
		}
	}
	if p2 := body(h.get(tri, "/m/virtrigaud/reports/2")); !strings.Contains(p2, canary("apititle")) || !strings.Contains(p2, canary("apifile")) {
		t.Error("the API report does not read back")
	}
	// Nowhere in the files or the logs.
	raw := h.atRest()
	if bytes.Contains(raw, []byte("7f3a9c")) {
		i := bytes.Index(raw, []byte("7f3a9c"))
		t.Fatalf("a canary is in the database files or logs: …%q…", raw[max(0, i-40):min(len(raw), i+20)])
	}
}

// atRest returns every byte an attacker without the master key could
// read: the database, its WAL and shm files, the logs, a backup file and
// the backup's stream decrypted with its age identity.
func (h *harness) atRest() []byte {
	t := h.t
	t.Helper()
	var raw []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(h.dbPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if len(raw) < 4096 {
		t.Fatalf("only %d bytes of database read", len(raw))
	}
	raw = append(raw, h.logs.String()...)
	// A backup file, and the backup stream decrypted with its age
	// identity: the content inside stays sealed under the master key.
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "embargo.backup")
	if _, err := backup.WriteFile(context.Background(), h.store, file, []age.Recipient{id.Recipient()}); err != nil {
		t.Fatal(err)
	}
	enc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, enc...)
	dec, err := age.Decrypt(bytes.NewReader(enc), id)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(dec)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := io.ReadAll(gz)
	if err != nil || !bytes.Contains(stream, []byte(`"table":"attachments"`)) {
		t.Fatalf("the decrypted backup: %v", err)
	}
	raw = append(raw, stream...)
	return raw
}

func b64(s string) string {
	return base64.StdEncoding.EncodeToString([]byte(s))
}
