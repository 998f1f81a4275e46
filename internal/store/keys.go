package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/seal"
)

// sealedCell describes one sealed column: how to find a project's cells
// not sealed under a key prefix, and how to write one back.
type sealedCell struct {
	table, column string
	// pending selects (row key, ciphertext) of project $1 whose ciphertext
	// does not start with prefix $2.
	pending string
	update  string
}

var sealedCells = []sealedCell{
	{"reports", "content",
		`SELECT thread_hash, content FROM reports WHERE project_id = $1 AND substr(content, 1, 5) <> $2`,
		`UPDATE reports SET content = $1 WHERE thread_hash = $2`},
	{"report_events", "body",
		`SELECT CAST(e.id AS TEXT), e.body FROM report_events e JOIN reports r ON r.id = e.report_id
			WHERE r.project_id = $1 AND e.body IS NOT NULL AND substr(e.body, 1, 5) <> $2`,
		`UPDATE report_events SET body = $1 WHERE id = CAST($2 AS BIGINT)`},
	{"attachments", "name",
		`SELECT CAST(a.id AS TEXT), a.name FROM attachments a JOIN reports r ON r.id = a.report_id
			WHERE r.project_id = $1 AND substr(a.name, 1, 5) <> $2`,
		`UPDATE attachments SET name = $1 WHERE id = CAST($2 AS BIGINT)`},
	{"attachments", "data",
		`SELECT CAST(a.id AS TEXT), a.data FROM attachments a JOIN reports r ON r.id = a.report_id
			WHERE r.project_id = $1 AND substr(a.data, 1, 5) <> $2`,
		`UPDATE attachments SET data = $1 WHERE id = CAST($2 AS BIGINT)`},
	{"webhooks", "url",
		`SELECT ref, url FROM webhooks WHERE project_id = $1 AND substr(url, 1, 5) <> $2`,
		`UPDATE webhooks SET url = $1 WHERE ref = $2`},
	{"webhooks", "secret",
		`SELECT ref, secret FROM webhooks WHERE project_id = $1 AND substr(secret, 1, 5) <> $2`,
		`UPDATE webhooks SET secret = $1 WHERE ref = $2`},
	{"project_pgp_keys", "private_key",
		`SELECT ref, private_key FROM project_pgp_keys WHERE project_id = $1 AND substr(private_key, 1, 5) <> $2`,
		`UPDATE project_pgp_keys SET private_key = $1 WHERE ref = $2`},
	{"outbound_mail", "message",
		`SELECT ref, message FROM outbound_mail WHERE project_id = $1 AND length(message) > 0 AND substr(message, 1, 5) <> $2`,
		`UPDATE outbound_mail SET message = $1 WHERE ref = $2`},
	{"advisories", "draft",
		`SELECT ref, draft FROM advisories WHERE project_id = $1 AND substr(draft, 1, 5) <> $2`,
		`UPDATE advisories SET draft = $1 WHERE ref = $2`},
}

// KeyStatus is a project's keyset and how far re-sealing under its
// primary key has come.
type KeyStatus struct {
	ProjectID int64
	Keys      int
	Primary   uint32
	// Pending counts sealed cells still under an older key; Total all.
	Pending, Total int
}

func (s *Store) wrappedKeyset(ctx context.Context, q rowQuerier, projectID int64, lock bool) ([]byte, error) {
	sfx := ""
	if lock && s.dialect == Postgres {
		sfx = " FOR UPDATE"
	}
	var wrapped []byte
	err := q.QueryRowContext(ctx, `SELECT keyset FROM project_keys WHERE project_id = $1`+sfx, projectID).Scan(&wrapped)
	return wrapped, notFound(err, "project keyset")
}

// KeyStatus reports a project's keys and re-sealing progress.
func (s *Store) KeyStatus(ctx context.Context, projectID int64) (KeyStatus, error) {
	st := KeyStatus{ProjectID: projectID}
	wrapped, err := s.wrappedKeyset(ctx, s.r, projectID, false)
	if err != nil {
		return st, fmt.Errorf("store.KeyStatus: %w", err)
	}
	ids, primary, err := s.keys.KeyInfo(projectID, wrapped)
	if err != nil {
		return st, err
	}
	st.Keys, st.Primary = len(ids), primary
	for _, c := range sealedCells {
		var pending, total int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+c.pending+`) AS p`, projectID, seal.Prefix(primary)).Scan(&pending); err != nil {
			return st, fmt.Errorf("store.KeyStatus: %w", err)
		}
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+c.pending+`) AS p`, projectID, []byte{}).Scan(&total); err != nil {
			return st, fmt.Errorf("store.KeyStatus: %w", err)
		}
		st.Pending += pending
		st.Total += total
	}
	return st, nil
}

// RotateProjectKey gives a project's keyset a new primary key and audits
// it. Existing cells keep opening with the old key until ResealBatch has
// moved them.
func (s *Store) RotateProjectKey(ctx context.Context, actor embargo.Actor, projectID int64) error {
	return s.inTx(ctx, "store.RotateProjectKey", func(ctx context.Context, tx *sql.Tx) error {
		wrapped, err := s.wrappedKeyset(ctx, tx, projectID, true)
		if err != nil {
			return err
		}
		rotated, err := s.keys.Rotate(projectID, wrapped)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE project_keys SET keyset = $1, updated_at = $2 WHERE project_id = $3`, rotated, s.now(), projectID); err != nil {
			return err
		}
		_, primary, _ := s.keys.KeyInfo(projectID, rotated)
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "keys.rotate", ProjectID: projectID,
			Subject: "project:" + strconv.FormatInt(projectID, 10), Details: map[string]string{"primary_key_id": strconv.FormatUint(uint64(primary), 10)}})
	})
}

// ResealBatch re-seals up to limit cells of a project that are still under
// an older key, in one transaction, and returns how many it moved (0 when
// none are left). Readers keep working throughout: the keyset holds the
// old keys until RetireOldKeys.
func (s *Store) ResealBatch(ctx context.Context, projectID int64, limit int) (int, error) {
	s.keys.Forget(projectID)
	if _, err := s.projectAEAD(ctx, projectID); err != nil {
		return 0, err
	}
	wrapped, err := s.wrappedKeyset(ctx, s.r, projectID, false)
	if err != nil {
		return 0, err
	}
	_, primary, err := s.keys.KeyInfo(projectID, wrapped)
	if err != nil {
		return 0, err
	}
	moved := 0
	err = s.inTx(ctx, "store.ResealBatch", func(ctx context.Context, tx *sql.Tx) error {
		for _, c := range sealedCells {
			if moved >= limit {
				return nil
			}
			rows, err := tx.QueryContext(ctx, c.pending+` LIMIT `+strconv.Itoa(limit-moved), projectID, seal.Prefix(primary))
			if err != nil {
				return err
			}
			type cell struct {
				key    string
				sealed []byte
			}
			var cells []cell
			for rows.Next() {
				var x cell
				if err := rows.Scan(&x.key, &x.sealed); err != nil {
					rows.Close()
					return err
				}
				cells = append(cells, x)
			}
			rows.Close()
			for _, x := range cells {
				plain, err := s.openCell(ctx, projectID, c.table, c.column, x.key, x.sealed)
				if err != nil {
					return err
				}
				again, err := s.sealCell(ctx, projectID, c.table, c.column, x.key, plain)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, c.update, again, x.key); err != nil {
					return err
				}
				moved++
			}
		}
		return nil
	})
	return moved, err
}

// RetireOldKeys deletes the keys no cell uses any more and audits it. It
// refuses while cells are still sealed under an older key.
func (s *Store) RetireOldKeys(ctx context.Context, actor embargo.Actor, projectID int64) (int, error) {
	st, err := s.KeyStatus(ctx, projectID)
	if err != nil {
		return 0, err
	}
	if st.Pending > 0 {
		return 0, embargo.Errorf(embargo.KindConflict, "%d sealed cells still use an older key: re-seal them first", st.Pending)
	}
	n := 0
	err = s.inTx(ctx, "store.RetireOldKeys", func(ctx context.Context, tx *sql.Tx) error {
		wrapped, err := s.wrappedKeyset(ctx, tx, projectID, true)
		if err != nil {
			return err
		}
		var retired []byte
		retired, n, err = s.keys.Retire(projectID, wrapped)
		if err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE project_keys SET keyset = $1, updated_at = $2 WHERE project_id = $3`, retired, s.now(), projectID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "keys.retire", ProjectID: projectID,
			Subject: "project:" + strconv.FormatInt(projectID, 10), Details: map[string]string{"retired": strconv.Itoa(n)}})
	})
	return n, err
}

// RewrapKeysets wraps every project keyset with a new master key, in one
// transaction, and audits it. From its commit on, the store must be opened
// with the new master key. It is for the command line, with the servers
// stopped: a store serving requests must not run it.
func (s *Store) RewrapKeysets(ctx context.Context, actor embargo.Actor, newMaster []byte) (int, error) {
	to, err := seal.NewKeys(newMaster)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.inTx(ctx, "store.RewrapKeysets", func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT project_id, keyset FROM project_keys ORDER BY project_id`)
		if err != nil {
			return err
		}
		type row struct {
			id      int64
			wrapped []byte
		}
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.wrapped); err != nil {
				rows.Close()
				return err
			}
			all = append(all, r)
		}
		rows.Close()
		for _, r := range all {
			again, err := s.keys.Rewrap(r.id, r.wrapped, to)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE project_keys SET keyset = $1, updated_at = $2 WHERE project_id = $3`, again, s.now(), r.id); err != nil {
				return err
			}
			n++
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "keys.rotate-master", Subject: "master-key",
			Details: map[string]string{"keysets": strconv.Itoa(n)}})
	})
	if err != nil {
		return 0, err
	}
	s.keys = to
	return n, nil
}
