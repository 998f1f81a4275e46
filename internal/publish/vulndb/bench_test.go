package vulndb_test

import (
	"encoding/json"
	"testing"

	"github.com/embargo-cvd/embargo/internal/publish/osv/osvtest"
	"github.com/embargo-cvd/embargo/internal/publish/vulndb"
)

// BenchmarkFiles10k encodes 10,000 advisories into the Go vulnerability
// database (entries and index, each also gzipped); baseline json.Marshal's
// the same advisories, for the ratio docs/BENCHMARKS.md records.
func BenchmarkFiles10k(b *testing.B) {
	advs := osvtest.Advisories(10000)
	pub := osvtest.Publisher()
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(advs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("files", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := vulndb.Files(advs, pub); err != nil {
				b.Fatal(err)
			}
		}
	})
}
