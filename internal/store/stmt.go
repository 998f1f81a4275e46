package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmts caches prepared statements of the hot paths (report intake, the
// audit append, the policy lookup) on SQLite, where parsing a statement is
// a good part of a small transaction's cost. PostgreSQL's driver (pgx)
// caches prepared statements per connection by itself.
type stmts struct {
	mu sync.Mutex
	m  map[stmtKey]*sql.Stmt
	// pending are statements first met inside a write transaction: the
	// only writer connection is busy then, so they are prepared after it.
	pending map[stmtKey]bool
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// get returns the prepared statement, or nil when it is not prepared yet
// (deferred when inTx, since preparing needs the connection the
// transaction holds). The lock is never held while preparing: a
// transaction may hold the only writer connection and wait for the lock.
func (c *stmts) get(ctx context.Context, db *sql.DB, query string, inTx bool) *sql.Stmt {
	k := stmtKey{db, query}
	c.mu.Lock()
	st, ok := c.m[k]
	if !ok && inTx {
		if c.pending == nil {
			c.pending = map[stmtKey]bool{}
		}
		c.pending[k] = true
	}
	c.mu.Unlock()
	if ok || inTx {
		return st
	}
	return c.prepare(ctx, k)
}

// preparePending prepares the statements met inside transactions; it
// runs after a commit, when the writer connection is free.
func (c *stmts) preparePending(ctx context.Context) {
	c.mu.Lock()
	var keys []stmtKey
	for k := range c.pending {
		keys = append(keys, k)
	}
	c.pending = nil
	c.mu.Unlock()
	for _, k := range keys {
		c.prepare(ctx, k)
	}
}

func (c *stmts) prepare(ctx context.Context, k stmtKey) *sql.Stmt {
	st, err := k.db.PrepareContext(ctx, k.query)
	if err != nil {
		return nil // the caller runs the query unprepared and meets the error there
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok {
		st.Close()
		return old
	}
	if c.m == nil {
		c.m = map[stmtKey]*sql.Stmt{}
	}
	c.m[k] = st
	return st
}

func (c *stmts) hasPending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending) > 0
}

func (c *stmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// txExec runs a hot statement in tx, prepared once on SQLite.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s.dialect == SQLite {
		if st := s.stmts.get(ctx, s.w, query, true); st != nil {
			return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		}
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQueryRow runs a hot single-row query in tx, prepared once on SQLite.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if s.dialect == SQLite {
		if st := s.stmts.get(ctx, s.w, query, true); st != nil {
			return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
		}
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// readRow runs a hot single-row read, prepared once per reader connection
// on SQLite.
func (s *Store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s.dialect == SQLite {
		if st := s.stmts.get(ctx, s.r, query, false); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return s.r.QueryRowContext(ctx, query, args...)
}
