package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/seal"
)

// createProjectKeyset generates and stores a new project's data keyset,
// wrapped by the master key, inside tx.
func (s *Store) createProjectKeyset(ctx context.Context, tx *sql.Tx, projectID int64) error {
	wrapped, err := s.keys.NewProjectKeyset(projectID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO project_keys (project_id, keyset, updated_at) VALUES ($1, $2, $3)`, projectID, wrapped, s.now())
	return err
}

// ensureKeysets gives every project without a data keyset (one created
// before sealing existed) a new one. Replicas may race: the first insert
// wins and the others do nothing.
func (s *Store) ensureKeysets(ctx context.Context) error {
	rows, err := s.r.QueryContext(ctx, `SELECT p.id FROM projects p LEFT JOIN project_keys k ON k.project_id = p.id WHERE k.project_id IS NULL`)
	if err != nil {
		return fmt.Errorf("store.ensureKeysets: %w", err)
	}
	var missing []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		missing = append(missing, id)
	}
	rows.Close()
	for _, id := range missing {
		wrapped, err := s.keys.NewProjectKeyset(id)
		if err != nil {
			return err
		}
		if err := s.inTx(ctx, "store.ensureKeysets", func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO project_keys (project_id, keyset, updated_at) VALUES ($1, $2, $3) ON CONFLICT (project_id) DO NOTHING`, id, wrapped, s.now())
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// projectAEAD returns a project's data AEAD, reading its wrapped keyset
// once (through the readers: the keyset was committed with the project).
func (s *Store) projectAEAD(ctx context.Context, projectID int64) (tink.AEAD, error) {
	if a, ok := s.keys.Cached(projectID); ok {
		return a, nil
	}
	var wrapped []byte
	if err := s.r.QueryRowContext(ctx, `SELECT keyset FROM project_keys WHERE project_id = $1`, projectID).Scan(&wrapped); err != nil {
		return nil, fmt.Errorf("keyset of project %d: %w", projectID, err)
	}
	return s.keys.Project(projectID, wrapped)
}

// sealCell encrypts one cell, bound to its table, column and row.
func (s *Store) sealCell(ctx context.Context, projectID int64, table, column, row string, plain []byte) ([]byte, error) {
	if s.plaintext {
		return plain, nil
	}
	a, err := s.projectAEAD(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return a.Encrypt(plain, seal.AD(table, column, row))
}

// openCell decrypts one cell; a cell moved from another row, column or
// table does not open.
func (s *Store) openCell(ctx context.Context, projectID int64, table, column, row string, sealed []byte) ([]byte, error) {
	if s.plaintext {
		return sealed, nil
	}
	a, err := s.projectAEAD(ctx, projectID)
	if err != nil {
		return nil, err
	}
	plain, err := a.Decrypt(sealed, seal.AD(table, column, row))
	if err != nil {
		// The keyset may have been rotated by another process: read it
		// again once before giving up.
		s.keys.Forget(projectID)
		if a, err2 := s.projectAEAD(ctx, projectID); err2 == nil {
			if plain, err2 = a.Decrypt(sealed, seal.AD(table, column, row)); err2 == nil {
				return plain, nil
			}
		}
		return nil, fmt.Errorf("%s.%s of row %s does not open: %w", table, column, row, err)
	}
	return plain, nil
}

// sealContent seals a report's content, bound to the report's row by its
// thread hash (unique, immutable, and known before the row is inserted).
func (s *Store) sealContent(ctx context.Context, projectID int64, threadHash string, c embargo.ReportContent) ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return s.sealCell(ctx, projectID, "reports", "content", threadHash, b)
}

func (s *Store) openContent(ctx context.Context, projectID int64, threadHash string, sealed []byte) (embargo.ReportContent, error) {
	var c embargo.ReportContent
	b, err := s.openCell(ctx, projectID, "reports", "content", threadHash, sealed)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(b, &c)
	return c, err
}

func rowKey(id int64) string { return strconv.FormatInt(id, 10) }
