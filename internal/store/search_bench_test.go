package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

// benchReports is the size of the corpus the search benchmarks run on.
const benchReports = 10_000

// searchCorpus opens a store holding benchReports sealed reports of about
// 1.5 KB of text each, one in a hundred mentioning "heap overflow".
func searchCorpus(b *testing.B, dsn string) (*store.Store, store.ReportFilter) {
	b.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{MasterKey: testMasterKey})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	p, err := s.CreateProject(ctx, store.NewProject{Slug: "demo", Name: "Demo", Policy: []byte("x"), Actor: embargo.ActorCLI})
	if err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("The preview renders raw HTML from the comment field without escaping. ", 20)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16) // concurrent submissions share commits
	for i := range benchReports {
		title := fmt.Sprintf("Stored XSS number %d", i)
		if i%100 == 0 {
			title = fmt.Sprintf("Heap overflow number %d in the parser", i)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, hash := embargo.NewToken()
			if _, _, err := s.CreateReport(ctx, store.NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeAPI, ThreadHash: hash,
				Content: embargo.ReportContent{Title: title, Description: body, Steps: "1. post\n2. open the preview"}}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	return s, store.ReportFilter{ProjectIDs: []int64{p.ID}}
}

func benchSearch(b *testing.B, dsn string) {
	s, f := searchCorpus(b, dsn)
	ctx := context.Background()
	b.Run("inbox-page", func(b *testing.B) { // the baseline: one inbox page
		for b.Loop() {
			if _, _, err := s.Reports(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, query := range []string{`"heap overflow"`, "xss preview"} {
		q, err := embargo.ParseSearch(query)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("search "+query, func(b *testing.B) {
			for b.Loop() {
				res, err := s.SearchReports(ctx, f, q)
				if err != nil || res.Scanned != benchReports {
					b.Fatal(res.Scanned, err)
				}
			}
		})
	}
}

// BenchmarkSearch10k: go test -run XXX -bench Search10k ./internal/store
func BenchmarkSearch10kSQLite(b *testing.B) {
	benchSearch(b, filepath.Join(b.TempDir(), "bench.db"))
}

func BenchmarkSearch10kPostgres(b *testing.B) {
	benchSearch(b, storetest.PostgresURL(b))
}

// benchRotation rotates the data key of a project holding benchReports
// reports (each: content, one event, one file name and one file: five
// sealed cells) and re-seals every cell in batches of 500, as
// `embargo keys rotate` does. Baseline, in the same run on the same
// database: rewriting the same reports' content cells in batches of 500
// without any cryptography (read a batch, update each row, commit).
func benchRotation(b *testing.B, dsn string) {
	s, f := searchCorpus(b, dsn)
	ctx := context.Background()
	project := f.ProjectIDs[0]
	db := s.WriterForTest()
	b.Run("baseline: rewrite content cells unencrypted", func(b *testing.B) {
		for b.Loop() {
			rows := 0
			for last := int64(0); ; {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				r, err := tx.QueryContext(ctx, `SELECT id, content FROM reports WHERE id > $1 ORDER BY id LIMIT 500`, last)
				if err != nil {
					b.Fatal(err)
				}
				type cell struct {
					id int64
					v  []byte
				}
				var cells []cell
				for r.Next() {
					var c cell
					r.Scan(&c.id, &c.v)
					cells = append(cells, c)
				}
				r.Close()
				for _, c := range cells {
					if _, err := tx.ExecContext(ctx, `UPDATE reports SET content = $1 WHERE id = $2`, c.v, c.id); err != nil {
						b.Fatal(err)
					}
					last = c.id
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				rows += len(cells)
				if len(cells) < 500 {
					break
				}
			}
			b.ReportMetric(float64(rows), "cells")
		}
	})
	b.Run("rotate and re-seal", func(b *testing.B) {
		for b.Loop() {
			if err := s.RotateProjectKey(ctx, embargo.ActorCLI, project); err != nil {
				b.Fatal(err)
			}
			cells := 0
			for {
				n, err := s.ResealBatch(ctx, project, 500)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					break
				}
				cells += n
			}
			if _, err := s.RetireOldKeys(ctx, embargo.ActorCLI, project); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cells), "cells")
		}
	})
}

// BenchmarkRotation10k: go test -run XXX -bench Rotation10k -benchtime 1x ./internal/store
func BenchmarkRotation10kSQLite(b *testing.B) {
	benchRotation(b, filepath.Join(b.TempDir(), "bench.db"))
}

func BenchmarkRotation10kPostgres(b *testing.B) {
	benchRotation(b, storetest.PostgresURL(b))
}
