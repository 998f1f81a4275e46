package publish_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/publish"
	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
)

func testOptions(t *testing.T) publish.Options {
	t.Helper()
	key, err := pgp.Generate("Site Test", "security@virt.example", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return publish.Options{Signer: key, CNAOrgID: "8254265b-2729-46b6-b9e3-3dfca2d5bfca", HallOfFame: true}
}

func sample(n int) []embargo.Advisory {
	advs := osvtest.Advisories(n)
	for i := range advs {
		advs[i].CVE = ""
		if i%3 == 0 {
			advs[i].CVE = fmt.Sprintf("CVE-2026-%d", 20000+i)
		}
	}
	return advs
}

// sameTree fails unless got and want have the same paths with the same
// bytes, but for OpenPGP signatures (salted: two signatures of the same
// document differ), which must verify with the key.
func sameTree(t *testing.T, key *pgp.Key, got, want map[string][]byte) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[p]; !ok {
			t.Errorf("%s is missing", p)
		} else if strings.HasSuffix(p, ".json.asc") {
			doc := got[strings.TrimSuffix(p, ".asc")]
			if _, err := pgp.VerifyDetached(doc, g, []*pgp.PublicKey{key.Public()}); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		} else if !bytes.Equal(g, want[p]) {
			t.Errorf("%s differs:\n%.400s\nwant\n%.400s", p, g, want[p])
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s is left over", p)
		}
	}
}

// TestSiteIncrementalIsWhole: a tree changed one advisory at a time
// (publications, an update, a withdrawal, one taken out) is byte for byte
// the tree encoded at once from the final advisories, every index and
// feed included.
func TestSiteIncrementalIsWhole(t *testing.T) {
	o := testOptions(t)
	pub := osvtest.Publisher()
	advs := sample(40)
	s := publish.NewSite(pub, o)
	for _, a := range advs[:30] {
		if err := s.Put(a); err != nil {
			t.Fatal(err)
		}
		// Reading between changes must not leave anything stale.
		if _, ok, err := s.File("osv/all.zip"); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	if err := s.Put(advs[30:]...); err != nil {
		t.Fatal(err)
	}
	// An update, a withdrawal and an advisory taken back out.
	advs[4].Version, advs[4].Modified, advs[4].Summary = len(advs[4].Revisions)+1, advs[4].Modified.Add(time.Hour), "Updated summary"
	advs[4].Revisions = append(slices.Clone(advs[4].Revisions), embargo.AdvisoryRevision{Number: len(advs[4].Revisions) + 1, Date: advs[4].Modified, Summary: "Summary updated"})
	advs[5].State, advs[5].Withdrawn = embargo.AdvisoryWithdrawn, advs[5].Modified.Add(time.Hour)
	advs[6].State = embargo.AdvisoryDraft
	for _, i := range []int{4, 5, 6} {
		if _, _, err := s.File("index.html"); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(advs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if s.Len() != 39 {
		t.Errorf("Len = %d, want 39", s.Len())
	}
	got, err := s.Files()
	if err != nil {
		t.Fatal(err)
	}
	want, err := publish.Tree(advs, pub, o)
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, o.Signer, got, want)
	if _, ok := got["osv/"+advs[6].Ref+".json"]; ok {
		t.Errorf("the advisory taken out still has its OSV file")
	}
	// File serves the same bytes as Files, and nothing else.
	for _, p := range []string{"index.html", "feed.atom", "osv/all.zip", "osv/Go/all.zip", "govulndb/index/modules.json.gz",
		".well-known/csaf/provider-metadata.json", ".well-known/csaf/white/changes.csv", "hall-of-fame.html", advs[4].Ref + ".html"} {
		b, ok, err := s.File(p)
		if err != nil || !ok || !bytes.Equal(b, got[p]) {
			t.Errorf("File(%s) = %d bytes, %v, %v; want the tree's %d bytes", p, len(b), ok, err, len(got[p]))
		}
	}
	if _, ok, err := s.File("osv/" + advs[6].Ref + ".json"); ok || err != nil {
		t.Errorf("File of a file taken out = %v, %v", ok, err)
	}
}

// TestSitePutIsAllOrNothing: a batch with a refused advisory, a clash of
// CVE ids or a Ref twice changes nothing.
func TestSitePutIsAllOrNothing(t *testing.T) {
	o := testOptions(t)
	advs := sample(6)
	s := publish.NewSite(osvtest.Publisher(), o)
	if err := s.Put(advs[:4]...); err != nil {
		t.Fatal(err)
	}
	before, err := s.Files()
	if err != nil {
		t.Fatal(err)
	}
	noDate := advs[4]
	noDate.Published = time.Time{}
	clash := advs[5]
	clash.CVE = advs[0].CVE // CVE-2026-20000 is advs[0]'s
	for name, batch := range map[string][]embargo.Advisory{
		"no publication date": {advs[4], noDate},
		"a CVE id of another": {advs[4], clash},
		"a Ref twice":         {advs[4], advs[4]},
	} {
		if err := s.Put(batch...); err == nil {
			t.Errorf("%s: Put accepted it", name)
		} else if name != "no publication date" && !errors.Is(err, embargo.ErrConflict) {
			t.Errorf("%s: %v, want a conflict", name, err)
		}
		after, err := s.Files()
		if err != nil {
			t.Fatal(err)
		}
		sameTree(t, o.Signer, after, before)
	}
	// The CVE id moves from one advisory to another in one batch, in
	// either order: its record and its claim go with it.
	moved, from := advs[5], advs[0]
	cve := from.CVE
	moved.CVE, from.CVE = from.CVE, ""
	if err := s.Put(moved, from); err != nil {
		t.Errorf("moving a CVE id in one batch: %v", err)
	}
	if _, ok, err := s.File("cve/" + cve + ".json"); !ok || err != nil {
		t.Errorf("the moved CVE id's record: %v %v", ok, err)
	}
	third := advs[1]
	third.CVE = cve
	if err := s.Put(third); !errors.Is(err, embargo.ErrConflict) {
		t.Errorf("a third advisory with the moved CVE id: %v, want a conflict", err)
	}
	// An advisory keeps its own CVE id when it is put in again.
	if err := s.Put(moved); err != nil {
		t.Errorf("putting an advisory in again: %v", err)
	}
}

// TestSiteConcurrent reads while advisories are put in (go test -race).
func TestSiteConcurrent(t *testing.T) {
	advs := sample(24)
	s := publish.NewSite(osvtest.Publisher(), testOptions(t))
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			for i := range 40 {
				p := []string{"index.html", "osv/all.zip", "feed.atom", "govulndb/index/vulns.json"}[(i+r)%4]
				if _, _, err := s.File(p); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for _, a := range advs {
		if err := s.Put(a); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	var n int
	if err := s.Walk(func(string, []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	files, err := s.Files()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(files) {
		t.Errorf("Walk visited %d files, Files has %d", n, len(files))
	}
}
