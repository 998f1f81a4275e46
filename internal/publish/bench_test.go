package publish_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/publish"
	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
)

// BenchmarkTree10k exports 10,000 advisories to every format (the whole
// tree `embargo publish` writes, CSAF signed), against json.Marshal of the
// same advisories: docs/BENCHMARKS.md records the ratio. "add1" is the
// tree after one more advisory is published into the corpus.
func BenchmarkTree10k(b *testing.B) {
	advs := osvtest.Advisories(10001)
	for i := range advs {
		advs[i].CVE = fmt.Sprintf("CVE-2026-%d", 100000+i) // one record each
	}
	pub := osvtest.Publisher()
	key, err := pgp.Generate("Bench", "security@bench.example", time.Now().Add(-time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	o := publish.Options{Signer: key, CNAOrgID: "8254265b-2729-46b6-b9e3-3dfca2d5bfca", HallOfFame: true}
	b.Run("baseline", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(advs[:10000]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tree", func(b *testing.B) {
		for b.Loop() {
			if _, err := publish.Tree(advs[:10000], pub, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("add1", func(b *testing.B) {
		for b.Loop() {
			if _, err := publish.Tree(advs, pub, o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
