package cve5

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

func TestFilesWithoutCVE(t *testing.T) {
	// No public advisory has a CVE id: no record, and no orgID needed.
	var advs []embargo.Advisory
	for _, a := range fixtures() {
		if a.State == embargo.AdvisoryDraft || a.CVE == "" {
			advs = append(advs, a)
		}
	}
	files, err := Files(advs, testPub, "")
	if err != nil || len(files) != 0 {
		t.Fatalf("Files = %d files, %v; want none, no error", len(files), err)
	}
	files, err = Files(nil, testPub, "")
	if err != nil || files == nil || len(files) != 0 {
		t.Fatalf("Files(nil) = %v, %v; want an empty map", files, err)
	}
}

func TestFilesErrors(t *testing.T) {
	_, err := Files(fixtures(), testPub, "")
	if !errors.Is(err, embargo.ErrInvalid) || !strings.Contains(err.Error(), "assignerOrgId") {
		t.Errorf("no orgID: %v, want an Invalid error naming assignerOrgId", err)
	}
	dup := fixtures()
	dup[1].CVE = dup[0].CVE
	_, err = Files(dup, testPub, testOrg)
	if !errors.Is(err, embargo.ErrConflict) || !strings.Contains(err.Error(), dup[0].CVE) {
		t.Errorf("duplicate CVE: %v, want a Conflict error naming it", err)
	}
}

// BenchmarkFiles10k encodes 10,000 advisories, against a baseline that
// only json.Marshals the same slice: the ratio of the two is the cost of
// building CVE records over plain serialisation.
func BenchmarkFiles10k(b *testing.B) {
	advs := many(10000)
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(advs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Files", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			files, err := Files(advs, testPub, testOrg)
			if err != nil || len(files) != len(advs) {
				b.Fatal(len(files), err)
			}
		}
	})
}
