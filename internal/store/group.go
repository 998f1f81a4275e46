package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// committer runs SQLite's write transactions with group commit. SQLite has
// one writer and pays a WAL fsync per commit, so a write that waits for the
// writer can as well share the next commit: the committer takes every
// transaction queued while the previous one was running, runs each in its
// own savepoint (a failing one rolls back alone, as if it had been its own
// transaction), and commits them together. A caller still returns only
// after its changes are durable, and each change is atomic with its audit
// entry; what is shared is only the fsync. Measured in docs/BENCHMARKS.md.
type committer struct {
	db    *sql.DB
	queue chan *txReq
	quit  chan struct{}
	done  sync.WaitGroup
	// mu guards closed: a request is queued only while the loop runs.
	mu     sync.RWMutex
	closed bool
	// after runs once after each commit with the writer connection free.
	after func()
	// begin runs first in each group transaction (PostgreSQL: take the
	// audit chain's head lock, so that every transaction of every replica
	// locks it before any row: grouped bodies would otherwise lock rows
	// after the head, the reverse of another replica's order).
	begin func(context.Context, *sql.Tx) error
}

// txReq is one caller's transaction body waiting for the committer.
type txReq struct {
	ctx  context.Context
	fn   func(context.Context, *sql.Tx) error
	err  error
	done chan struct{}
}

// maxGroup bounds how many transactions share one commit, so that one
// commit's latency stays bounded under a burst (and PostgreSQL keeps a
// group's subtransactions within its 64-entry per-backend cache).
const maxGroup = 32

var errStoreClosed = errors.New("the store is closed")

func newCommitter(db *sql.DB, begin func(context.Context, *sql.Tx) error, after func()) *committer {
	c := &committer{db: db, queue: make(chan *txReq, 4*maxGroup), quit: make(chan struct{}), begin: begin, after: after}
	c.done.Add(1)
	go c.loop()
	return c
}

// run queues fn and waits until its group has committed (or fn failed).
// fn is skipped when ctx has ended before its turn; once it runs, it runs
// to the end with ctx's values but without its cancellation (a caller who
// hangs up mid-statement must not break the statements of the others in
// its group), and the caller waits for the outcome.
func (c *committer) run(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	r := &txReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errStoreClosed
	}
	select {
	case c.queue <- r:
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	c.mu.RUnlock()
	<-r.done
	return r.err
}

// close stops the loop after the queued transactions have been answered.
// It is safe to call more than once.
func (c *committer) close() {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if !already {
		close(c.quit)
	}
	c.done.Wait()
}

func (c *committer) loop() {
	defer c.done.Done()
	for {
		var first *txReq
		select {
		case first = <-c.queue:
		case <-c.quit:
			c.drain()
			return
		}
		c.commit(c.gather([]*txReq{first}))
		if c.after != nil {
			c.after()
		}
	}
}

// drain commits the requests queued before close: they were accepted,
// and their callers are waiting for the outcome.
func (c *committer) drain() {
	for {
		group := c.gather(nil)
		if len(group) == 0 {
			return
		}
		c.commit(group)
	}
}

// gather adds to group what is queued now, without waiting, up to maxGroup.
func (c *committer) gather(group []*txReq) []*txReq {
	for len(group) < maxGroup {
		select {
		case r := <-c.queue:
			group = append(group, r)
		default:
			return group
		}
	}
	return group
}

// commit runs a group in one transaction. Each transaction body after the
// first successful one runs in a savepoint, so that its failure rolls back
// only its own writes; while nothing has succeeded yet, a failure rolls
// back the whole (empty) transaction instead, which saves the savepoint's
// round trip in the common group of one. Savepoints are not released: a
// new one of the same name stacks on the last (SQLite and PostgreSQL
// alike), and ROLLBACK TO goes back to the newest.
func (c *committer) commit(group []*txReq) {
	defer func() {
		for _, r := range group {
			close(r.done)
		}
	}()
	ctx := context.Background()
	var tx *sql.Tx
	ran := 0 // bodies that succeeded in tx
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if tx == nil {
			var err error
			if tx, err = c.db.BeginTx(ctx, nil); err == nil && c.begin != nil {
				if err = c.begin(ctx, tx); err != nil {
					tx.Rollback()
				}
			}
			if err != nil {
				for _, r := range group[i:] {
					r.err = fmt.Errorf("begin: %w", err)
				}
				return
			}
		}
		if ran > 0 {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT grp"); err != nil {
				c.abort(tx, group, err)
				return
			}
		}
		if r.err = runBody(r, tx); r.err == nil {
			ran++
			continue
		}
		if ran == 0 {
			tx.Rollback()
			tx = nil
			continue
		}
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO grp"); err != nil {
			// The database rolled back the whole transaction by itself
			// (disk full, I/O error): nothing of the group stays.
			c.abort(tx, group, err)
			return
		}
	}
	if tx == nil {
		return
	}
	if err := tx.Commit(); err != nil {
		for _, r := range group {
			if r.err == nil {
				r.err = fmt.Errorf("commit: %w", err)
			}
		}
	}
}

// runBody runs one transaction body, turning a panic into its error: the
// body runs on the committer's goroutine, where nothing else would recover
// it, and a bug in one request must not take the server down.
func runBody(r *txReq, tx *sql.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in a write transaction: %v\n%s", v, debug.Stack())
		}
	}()
	return r.fn(context.WithoutCancel(r.ctx), tx)
}

// abort rolls the whole transaction back and fails every request of the
// group that had not failed on its own: none of their changes stays.
func (c *committer) abort(tx *sql.Tx, rs []*txReq, cause error) {
	tx.Rollback()
	for _, r := range rs {
		if r.err == nil {
			r.err = fmt.Errorf("group transaction aborted: %w", cause)
		}
	}
}
