package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

// groupTest runs a group-commit test on SQLite and on PostgreSQL, each
// with a table t of unique values.
func groupTest(t *testing.T, test func(t *testing.T, s *store.Store)) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "g.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresURL(t)
			}
			ctx := context.Background()
			s, err := store.Open(ctx, dsn, store.Options{MasterKey: testMasterKey})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := s.WriterForTest().ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`); err != nil {
				t.Fatal(err)
			}
			test(t, s)
		})
	}
}

// values lists t's values in order.
func values(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.WriterForTest().QueryContext(context.Background(), `SELECT v FROM t ORDER BY v`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// TestGroupCommitIsolatesFailures holds the writer with one transaction
// until 30 more are queued, so that they share one commit, and makes every
// other one fail after it wrote: the failing ones leave nothing, the rest
// are all there, and each caller hears its own outcome.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	groupTest(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		release := make(chan struct{})
		holding := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.InTxForTest(ctx, func(ctx context.Context, tx *sql.Tx) error {
				close(holding)
				<-release
				_, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (1000, 'hold')`)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
		<-holding
		const n = 30
		errs := make([]error, n)
		fail := errors.New("refused by the caller")
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.InTxForTest(ctx, func(ctx context.Context, tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, i, fmt.Sprintf("%02d", i)); err != nil {
						return err
					}
					if i%2 == 1 {
						return fail
					}
					return nil
				})
			}()
		}
		deadline := time.Now().Add(10 * time.Second)
		for s.QueuedForTest() < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := s.QueuedForTest(); got != n {
			t.Fatalf("queued %d transactions, want %d", got, n)
		}
		close(release)
		wg.Wait()
		var want []string
		for i, err := range errs {
			switch {
			case i%2 == 1 && !errors.Is(err, fail):
				t.Errorf("transaction %d: err = %v, want its own failure", i, err)
			case i%2 == 0 && err != nil:
				t.Errorf("transaction %d: %v", i, err)
			case i%2 == 0:
				want = append(want, fmt.Sprintf("%02d", i))
			}
		}
		want = append(want, "hold")
		if got := values(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rows after the group: %v, want %v", got, want)
		}
	})
}

// TestGroupCommitUniqueViolationRollsBackAlone: a statement error inside
// a group (a unique violation, as an idempotent retry meets) undoes only
// that transaction's earlier writes, whether it comes first in the group
// (no savepoint yet: the empty transaction starts again) or later. On
// PostgreSQL the error aborts the transaction, which the savepoint undoes.
func TestGroupCommitUniqueViolationRollsBackAlone(t *testing.T) {
	groupTest(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		insert := func(id int, v string) func(context.Context, *sql.Tx) error {
			return func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, id, v)
				return err
			}
		}
		if err := s.InTxForTest(ctx, insert(1, "taken")); err != nil {
			t.Fatal(err)
		}
		errs := s.CommitGroupForTest(ctx,
			insert(2, "taken"),
			insert(3, "a"),
			func(ctx context.Context, tx *sql.Tx) error {
				if err := insert(4, "b")(ctx, tx); err != nil {
					return err
				}
				return insert(5, "taken")(ctx, tx)
			},
			insert(6, "c"))
		if !store.IsUniqueViolation(errs[0]) || errs[1] != nil || !store.IsUniqueViolation(errs[2]) || errs[3] != nil {
			t.Fatalf("errors: %v", errs)
		}
		if got := values(t, s); fmt.Sprint(got) != "[a c taken]" {
			t.Fatalf("rows = %v, want [a c taken]", got)
		}
	})
}

// TestGroupCommitSkipsEndedContexts: a transaction whose caller gave up
// before its turn does not run; a closed store refuses new ones.
func TestGroupCommitSkipsEndedContexts(t *testing.T) {
	groupTest(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		errs := s.CommitGroupForTest(ctx, func(context.Context, *sql.Tx) error { ran = true; return nil })
		if ran || !errors.Is(errs[0], context.Canceled) {
			t.Fatalf("ran = %v, err = %v", ran, errs[0])
		}
		s.Close()
		err := s.InTxForTest(context.Background(), func(context.Context, *sql.Tx) error { return nil })
		if !errors.Is(err, store.ErrStoreClosed) {
			t.Fatalf("after Close: %v", err)
		}
	})
}

// TestGroupCommitSurvivesAPanic: a transaction body that panics fails
// alone, with an error; the committer keeps serving.
func TestGroupCommitSurvivesAPanic(t *testing.T) {
	groupTest(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		errs := s.CommitGroupForTest(ctx,
			func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (1, 'kept')`)
				return err
			},
			func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (2, 'undone')`); err != nil {
					return err
				}
				panic("a bug in a transaction body")
			})
		if errs[0] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "panic in a write transaction") {
			t.Fatalf("errors: %v", errs)
		}
		if err := s.InTxForTest(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (3, 'after')`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := values(t, s); fmt.Sprint(got) != "[after kept]" {
			t.Fatalf("rows: %v", got)
		}
	})
}
