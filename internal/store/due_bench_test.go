package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

// dueCorpus is a store with n open reports with running deadlines and
// pending SLA actions: 100 real reports due soonest (created normally,
// their content sealed), and n-100 filler rows behind them in deadline
// order, inserted in bulk (their content is never opened: the queries
// stop at the first 100).
func dueCorpus(b *testing.B, dsn string, n int) (*store.Store, int64, time.Time) {
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
	now := s.Now()
	for i := range 100 {
		_, hash := embargo.NewToken()
		due := now.Add(time.Duration(i+1) * time.Minute)
		if _, _, err := s.CreateReport(ctx, store.NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeAPI, ThreadHash: hash,
			Content: embargo.ReportContent{Title: fmt.Sprint("real ", i), Description: "d"}, NextDue: due, NextActionAt: due.Add(-time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	db := s.WriterForTest()
	const batch = 500
	far := now.Add(30 * 24 * time.Hour)
	for start := 100; start < n; start += batch {
		var rows []string
		var args []any
		for i := start; i < min(start+batch, n); i++ {
			k := len(args)
			rows = append(rows, fmt.Sprintf("($1, $%d, 'new', 'api', 1, $2, $2, $%d, $%d, $3, $%d)", k+4, k+5, k+6, k+7))
			due := far.Add(time.Duration(i) * time.Second)
			args = append(args, int64(i+1), due, fmt.Sprintf("filler-%d", i), due.Add(-time.Hour))
		}
		all := append([]any{p.ID, now, []byte{0}}, args...)
		if _, err := db.ExecContext(ctx, `INSERT INTO reports (project_id, number, state, channel, policy_revision, received_at, updated_at,
			next_due, thread_hash, content, next_action_at) VALUES `+strings.Join(rows, ", "), all...); err != nil {
			b.Fatal(err)
		}
	}
	return s, p.ID, now
}

func benchDue(b *testing.B, dsn string) {
	const n = 1_000_000
	s, project, now := dueCorpus(b, dsn, n)
	ctx := context.Background()
	b.Run("baseline: load the same 100 reports by id", func(b *testing.B) {
		rs, err := s.DueNext(ctx, []int64{project}, 100)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			for _, r := range rs {
				if _, err := s.Report(ctx, r.ID); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("due next 100 of 1M", func(b *testing.B) {
		for b.Loop() {
			rs, err := s.DueNext(ctx, []int64{project}, 100)
			if err != nil || len(rs) != 100 || rs[0].Content.Title != "real 0" {
				b.Fatal(len(rs), err)
			}
		}
	})
	b.Run("sweep query: 100 due of 1M", func(b *testing.B) {
		for b.Loop() {
			ids, err := s.ReportsDueForAction(ctx, now.Add(2*time.Hour), 100)
			if err != nil || len(ids) != 100 {
				b.Fatal(len(ids), err)
			}
		}
	})
}

// BenchmarkDue1M: go test -run XXX -bench Due1M -benchtime 200x -timeout 30m ./internal/store
func BenchmarkDue1MSQLite(b *testing.B) { benchDue(b, filepath.Join(b.TempDir(), "bench.db")) }

func BenchmarkDue1MPostgres(b *testing.B) { benchDue(b, storetest.PostgresURL(b)) }
