package csaf

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// manyAdvisories makes n public advisories from the fixtures, each with its
// own id and dates, over several years.
func manyAdvisories(n int) []embargo.Advisory {
	base := public()
	out := make([]embargo.Advisory, n)
	start := at("2020-01-01T00:00:00Z")
	for i := range out {
		a := base[i%len(base)]
		shift := time.Duration(i)*7*time.Hour - a.Published.Sub(start)
		a.Published = a.Published.Add(shift)
		a.Ref = fmt.Sprintf("VIRT-%d-%05d", a.Published.Year(), i)
		revs := make([]embargo.AdvisoryRevision, len(a.Revisions))
		for j, r := range a.Revisions {
			r.Date = r.Date.Add(shift)
			revs[j] = r
		}
		a.Revisions = revs
		if !a.Withdrawn.IsZero() {
			a.Withdrawn = a.Withdrawn.Add(shift)
		}
		out[i] = a
	}
	return out
}

// BenchmarkFiles10k builds the CSAF tree of 10,000 advisories, with and
// without OpenPGP signatures, against a baseline that only json.Marshal's
// the same advisories (record the ratios in docs/BENCHMARKS.md).
func BenchmarkFiles10k(b *testing.B) {
	advs := manyAdvisories(10_000)
	signer := testSigner(b)
	b.Run("baseline-json.Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(advs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unsigned", func(b *testing.B) {
		for b.Loop() {
			if _, err := Files(advs, testPub, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("signed", func(b *testing.B) {
		for b.Loop() {
			if _, err := Files(advs, testPub, signer); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The benchmark's advisories make a valid tree.
func TestManyAdvisories(t *testing.T) {
	advs := manyAdvisories(200)
	files, err := Files(advs, testPub, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(documentPaths(files)); n != len(advs) {
		t.Fatalf("%d documents for %d advisories", n, len(advs))
	}
}
