package csaf

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
)

// TestFilesGolden compares the whole tree, signatures aside, with
// testdata/golden/tree, and checks each signature with the key.
func TestFilesGolden(t *testing.T) {
	signer := testSigner(t)
	files, err := Files(fixtures(), testPub, signer)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p, b := range files {
		if strings.HasSuffix(p, ".asc") && !strings.Contains(p, "/openpgp/") {
			doc, ok := files[strings.TrimSuffix(p, ".asc")]
			if !ok {
				t.Errorf("%s signs no document", p)
			}
			if _, err := pgp.VerifyDetached(doc, b, []*pgp.PublicKey{signer.Public()}); err != nil {
				t.Errorf("%s: %v", p, err)
			}
			continue
		}
		paths = append(paths, p)
		golden(t, "tree/"+p, b)
	}
	// No stray golden files: the tree is exactly what Files made.
	root := filepath.Join("testdata", "golden", "tree")
	var have []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			have = append(have, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	slices.Sort(have)
	if diff := cmp.Diff(have, paths); diff != "" && !*update {
		t.Errorf("golden tree files (-have +want; remove stale ones):\n%s", diff)
	}
}

func TestFilesLayout(t *testing.T) {
	signer := testSigner(t)
	files, err := Files(fixtures(), testPub, signer)
	if err != nil {
		t.Fatal(err)
	}
	docs := documentPaths(files)
	if len(docs) != len(public()) {
		t.Fatalf("%d documents, want %d (the draft stays out): %v", len(docs), len(public()), docs)
	}
	if _, ok := files[distDir+"/2026/virt-2026-0009.json"]; ok {
		t.Error("the draft is in the tree")
	}
	for _, p := range docs {
		doc := files[p]
		name := path.Base(p)
		s256, s512 := sha256.Sum256(doc), sha512.Sum512(doc)
		if got, want := string(files[p+".sha256"]), hex.EncodeToString(s256[:])+"  "+name+"\n"; got != want {
			t.Errorf("%s.sha256 = %q, want %q", p, got, want)
		}
		if got, want := string(files[p+".sha512"]), hex.EncodeToString(s512[:])+"  "+name+"\n"; got != want {
			t.Errorf("%s.sha512 = %q, want %q", p, got, want)
		}
		// The document is Document's, in the folder of its first
		// publication's year.
		var d struct {
			Document struct {
				Tracking struct {
					ID                 string `json:"id"`
					InitialReleaseDate string `json:"initial_release_date"`
				} `json:"tracking"`
			} `json:"document"`
		}
		if err := json.Unmarshal(doc, &d); err != nil {
			t.Fatal(err)
		}
		if FileName(d.Document.Tracking.ID) != name || !strings.Contains(p, "/"+d.Document.Tracking.InitialReleaseDate[:4]+"/") {
			t.Errorf("%s holds %s of %s", p, d.Document.Tracking.ID, d.Document.Tracking.InitialReleaseDate)
		}
	}
	key := wellKnown + "/openpgp/" + signer.Fingerprint() + ".asc"
	if string(files[key]) != string(signer.Public().Armored()) {
		t.Errorf("no public key at %s", key)
	}
	wantIndex := "2026/virt-2026-0001.json\n2026/virt-2026-0002.json\n2026/virt-2026-0003.json\n2026/virt_2025_0003_web_.json\n2025/virt-2025-0007.json\n"
	if got := string(files[distDir+"/index.txt"]); got != wantIndex {
		t.Errorf("index.txt:\n%s\nwant\n%s", got, wantIndex)
	}
	wantChanges := `"2026/virt-2026-0002.json","2026-04-01T12:00:00Z"
"2026/virt-2026-0003.json","2026-04-01T12:00:00Z"
"2026/virt-2026-0001.json","2026-03-09T08:30:00Z"
"2025/virt-2025-0007.json","2026-01-15T16:00:00Z"
"2026/virt_2025_0003_web_.json","2026-01-01T04:30:00Z"
`
	if got := string(files[distDir+"/changes.csv"]); got != wantChanges {
		t.Errorf("changes.csv:\n%s\nwant\n%s", got, wantChanges)
	}
	var pmd map[string]any
	if err := json.Unmarshal(files[ProviderMetadataPath], &pmd); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		got, want any
	}{
		{pmd["role"], "csaf_trusted_provider"},
		{pmd["canonical_url"], "https://virtrigaud.example.org/.well-known/csaf/provider-metadata.json"},
		{pmd["last_updated"], "2026-04-01T12:00:00Z"},
		{get(pmd, "public_openpgp_keys", 0, "fingerprint"), signer.Fingerprint()},
		{get(pmd, "public_openpgp_keys", 0, "url"), "https://virtrigaud.example.org/" + key},
		{get(pmd, "distributions", 0, "rolie", "feeds", 0, "url"), "https://virtrigaud.example.org/.well-known/csaf/white/csaf-feed-tlp-white.json"},
	} {
		if c.got != c.want {
			t.Errorf("provider-metadata.json: got %v, want %v", c.got, c.want)
		}
	}
	if got, want := SecurityTxtLine(testPub), "CSAF: "+pmd["canonical_url"].(string); got != want {
		t.Errorf("SecurityTxtLine = %q, want %q", got, want)
	}
}

// Without a signer the tree has no signatures and claims no more than the
// provider role.
func TestFilesUnsigned(t *testing.T) {
	files, err := Files(fixtures(), testPub, nil)
	if err != nil {
		t.Fatal(err)
	}
	for p := range files {
		if strings.HasSuffix(p, ".asc") {
			t.Errorf("unsigned tree has %s", p)
		}
	}
	var pmd map[string]any
	if err := json.Unmarshal(files[ProviderMetadataPath], &pmd); err != nil {
		t.Fatal(err)
	}
	if pmd["role"] != "csaf_provider" || pmd["public_openpgp_keys"] != nil {
		t.Errorf("unsigned tree: role %v, keys %v", pmd["role"], pmd["public_openpgp_keys"])
	}
	if feed := string(files[distDir+"/"+feedName]); strings.Contains(feed, `"signature"`) {
		t.Error("the feed lists signatures that do not exist")
	}
}

func TestFilesEmpty(t *testing.T) {
	files, err := Files(nil, testPub, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(documentPaths(files)) != 0 || len(files[distDir+"/index.txt"]) != 0 {
		t.Errorf("empty tree has documents")
	}
	if !strings.Contains(string(files[ProviderMetadataPath]), `"last_updated": "1970-01-01T00:00:00Z"`) {
		t.Errorf("empty tree's provider metadata:\n%s", files[ProviderMetadataPath])
	}
}

func TestFilesErrors(t *testing.T) {
	dup := fixtures()[:2]
	dup[1].Ref = "virt-2026-0001"
	dup[1].Published = dup[0].Published
	bad := fixtures()[:1]
	bad[0].CVE = "nope"
	for _, tt := range []struct {
		name string
		advs []embargo.Advisory
		pub  embargo.Publisher
		want string
	}{
		{"same file name", dup, testPub, "have the same file name"},
		{"bad advisory", bad, testPub, `csaf.Files: csaf.Document(VIRT-2026-0001): "nope" is not a CVE id`},
		{"relative base URL", nil, embargo.Publisher{Name: "X", Namespace: "https://x.example", BaseURL: "/advisories"}, "not an absolute URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Files(tt.advs, tt.pub, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// The tree does not depend on the order of the advisories.
func TestFilesDeterministic(t *testing.T) {
	a, err := Files(fixtures(), testPub, nil)
	if err != nil {
		t.Fatal(err)
	}
	rev := fixtures()
	slices.Reverse(rev)
	b, err := Files(rev, testPub, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("order changed the tree:\n%s", diff)
	}
}
