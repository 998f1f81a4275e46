package store

import (
	"context"
	"database/sql"
)

// Hooks for the external tests of group commit (group_test.go).

// InTxForTest runs fn as a write transaction, as Store methods do.
func (s *Store) InTxForTest(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	return s.inTx(ctx, "test", fn)
}

// CommitGroupForTest runs fns as one group and returns each one's outcome.
func (s *Store) CommitGroupForTest(ctx context.Context, fns ...func(context.Context, *sql.Tx) error) []error {
	g := make([]*txReq, len(fns))
	for i, fn := range fns {
		g[i] = &txReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	}
	s.group.commit(g)
	errs := make([]error, len(g))
	for i, r := range g {
		errs[i] = r.err
	}
	return errs
}

// QueuedForTest is the number of transactions waiting for the committer.
func (s *Store) QueuedForTest() int { return len(s.group.queue) }

// WriterForTest is the connection pool that takes the writes.
func (s *Store) WriterForTest() *sql.DB { return s.w }

// IsUniqueViolation exposes isUniqueViolation.
var IsUniqueViolation = isUniqueViolation

// ErrStoreClosed exposes errStoreClosed.
var ErrStoreClosed = errStoreClosed

// BackupTables exposes backupTables.
var BackupTables = backupTables
