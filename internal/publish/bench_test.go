package publish_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/publish"
	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
)

// corpus is n sample advisories, each with its own CVE id, and the options
// of a signed tree with CVE records and a hall of fame.
func corpus(b *testing.B, n int) ([]embargo.Advisory, publish.Options) {
	advs := osvtest.Advisories(n)
	for i := range advs {
		advs[i].CVE = fmt.Sprintf("CVE-2026-%d", 100000+i) // one record each
	}
	key, err := pgp.Generate("Bench", "security@bench.example", time.Now().Add(-time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	return advs, publish.Options{Signer: key, CNAOrgID: "8254265b-2729-46b6-b9e3-3dfca2d5bfca", HallOfFame: true}
}

// BenchmarkTree10k exports 10,000 advisories to every format (the whole
// tree `embargo publish` writes, CSAF signed), against json.Marshal of the
// same advisories: docs/BENCHMARKS.md records the ratios.
//
//   - cold: nothing encoded yet (`embargo publish --out`, or the first
//     request after a start): every advisory encoded, on every CPU.
//   - export: the tree of a Site that keeps each advisory's encoding since
//     it was published, after a change: every index reassembled and every
//     file handed out (Walk).
func BenchmarkTree10k(b *testing.B) {
	advs, o := corpus(b, 10000)
	pub := osvtest.Publisher()
	b.Run("baseline", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(advs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if _, err := publish.Tree(advs, pub, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	s := publish.NewSite(pub, o)
	if err := s.Put(advs...); err != nil {
		b.Fatal(err)
	}
	b.Run("export", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			a := advs[i%len(advs)]
			a.Modified = a.Modified.Add(time.Duration(i) * time.Second)
			if err := s.Put(a); err != nil {
				b.Fatal(err)
			}
			files, size := 0, 0
			if err := s.Walk(func(_ string, data []byte) error {
				files, size = files+1, size+len(data)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(files), "files")
			b.ReportMetric(float64(size)/1e6, "MB")
		}
	})
}

// BenchmarkPublishOne publishes one new advisory into a corpus of 1,000
// and of 10,000 already published. "put": it is encoded in every format
// and put in, the files that list every advisory marked stale (what
// publishing costs). "assembled": and every such file assembled again
// (what the next requests for all of them cost together).
func BenchmarkPublishOne(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		advs, o := corpus(b, n+1)
		s := publish.NewSite(osvtest.Publisher(), o)
		if err := s.Put(advs[:n]...); err != nil {
			b.Fatal(err)
		}
		for _, assemble := range []bool{false, true} {
			name := fmt.Sprintf("put/%d", n)
			if assemble {
				name = fmt.Sprintf("assembled/%d", n)
			}
			b.Run(name, func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					a := advs[n]
					a.Ref = fmt.Sprintf("NEW-2026-%05d", i)
					if err := s.Put(a); err != nil {
						b.Fatal(err)
					}
					if assemble {
						if err := s.Assemble(); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					a.State = embargo.AdvisoryDraft
					if err := s.Put(a); err != nil { // out again: the corpus stays at n
						b.Fatal(err)
					}
					if err := s.Assemble(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			})
		}
	}
}
