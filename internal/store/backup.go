package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// backupTables are every table of the schema but schema_migrations, in an
// order where each table comes after those it references.
// TestBackupCoversEveryTable fails when a migration adds a table that is
// not listed here.
var backupTables = []string{
	"projects", "policy_revisions", "project_keys", "project_pgp_keys", "users", "setup_tokens", "sessions",
	"members", "reports", "report_events", "attachments", "notifications", "webhooks", "webhook_deliveries", "api_tokens", "collaborators",
	"invitations", "mail_threads", "report_mail", "outbound_mail", "advisories", "advisory_reports", "advisory_counters", "cve_pool", "audit_log", "audit_head", "audit_checkpoints",
}

// BackupFormat names the logical backup format, in its first line.
const BackupFormat = "embargo-backup/1"

// BackupInfo describes a backup.
type BackupInfo struct {
	Format        string    `json:"format"`
	CreatedAt     time.Time `json:"created_at"`
	Dialect       Dialect   `json:"dialect"`
	SchemaVersion int       `json:"schema_version"`
	// Rows counts the rows of each table.
	Rows map[string]int `json:"rows,omitempty"`
}

// Backup writes a consistent logical snapshot of the whole database to w,
// while the store keeps serving: every table read in one read transaction
// (SQLite: a deferred read transaction, which in WAL mode sees one
// snapshot and blocks no writer; PostgreSQL: one REPEATABLE READ READ ONLY
// transaction). The format is dialect-neutral JSON lines, so Restore
// brings it into either database. Report content stays sealed: the stream
// holds the ciphertexts and the keysets wrapped by the master key, which
// is not in it. The caller encrypts the stream (internal/backup).
func (s *Store) Backup(ctx context.Context, w io.Writer) (BackupInfo, error) {
	info := BackupInfo{Format: BackupFormat, CreatedAt: s.now(), Dialect: s.dialect, Rows: map[string]int{}}
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return info, fmt.Errorf("store.Backup: %w", err)
	}
	defer conn.Close()
	var q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}
	if s.dialect == Postgres {
		tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return info, fmt.Errorf("store.Backup: %w", err)
		}
		defer tx.Rollback()
		q = tx
	} else {
		// database/sql would begin with the DSN's BEGIN IMMEDIATE, which
		// takes the write lock: a plain BEGIN on a held connection reads
		// one snapshot without blocking writers.
		if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
			return info, fmt.Errorf("store.Backup: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		q = conn
	}
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&info.SchemaVersion); err != nil {
		return info, fmt.Errorf("store.Backup: schema version: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(info); err != nil {
		return info, fmt.Errorf("store.Backup: %w", err)
	}
	for _, table := range backupTables {
		n, err := backupTable(ctx, q, enc, table)
		if err != nil {
			return info, fmt.Errorf("store.Backup(%s): %w", table, err)
		}
		info.Rows[table] = n
	}
	if err := enc.Encode(map[string]any{"end": info.Rows}); err != nil {
		return info, fmt.Errorf("store.Backup: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return info, fmt.Errorf("store.Backup: %w", err)
	}
	return info, nil
}

// backupLine is one line of the stream after the header: a table's
// column names, one of its rows, or the end with the row counts.
type backupLine struct {
	Table   string            `json:"table,omitempty"`
	Columns []string          `json:"columns,omitempty"`
	Row     []json.RawMessage `json:"row,omitempty"`
	End     map[string]int    `json:"end,omitempty"`
}

func backupTable(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, enc *json.Encoder, table string) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY 1`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	if err := enc.Encode(backupLine{Table: table, Columns: cols}); err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		row := make([]json.RawMessage, len(cols))
		for i, v := range vals {
			if row[i], err = encodeValue(v); err != nil {
				return n, fmt.Errorf("column %s: %w", cols[i], err)
			}
		}
		if err := enc.Encode(backupLine{Row: row}); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// encodeValue writes a column value as JSON: bytes as {"b": base64}, times
// as {"t": RFC 3339 with nanoseconds}, the rest as themselves (integers
// stay exact: they are decoded as json.Number).
func encodeValue(v any) (json.RawMessage, error) {
	switch x := v.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case []byte:
		return json.Marshal(map[string]string{"b": base64.StdEncoding.EncodeToString(x)})
	case time.Time:
		return json.Marshal(map[string]string{"t": x.UTC().Format(time.RFC3339Nano)})
	case int64, int32, int, float64, bool, string:
		return json.Marshal(x)
	default:
		return nil, fmt.Errorf("unexpected value of type %T", v)
	}
}

// RestoreInfo describes a finished restore.
type RestoreInfo struct {
	Backup BackupInfo
	Rows   map[string]int
}

// Restore reads a stream written by Backup into this store's database,
// which must be empty (no projects, users or audit entries). It migrates
// the schema to the backup's version, inserts every row in one
// transaction (nothing stays of a restore that fails), then applies the
// newer migrations. The restored reports open only with the master key
// of the instance that made the backup.
func (s *Store) Restore(ctx context.Context, r io.Reader) (RestoreInfo, error) {
	var out RestoreInfo
	br := bufio.NewReaderSize(r, 1<<16)
	dec := json.NewDecoder(br)
	dec.UseNumber()
	if err := dec.Decode(&out.Backup); err != nil || out.Backup.Format != BackupFormat {
		return out, embargo.Errorf(embargo.KindInvalid, "not an Embargo backup (or made by a newer version): the first line must name format %q", BackupFormat)
	}
	ms, err := s.migrations()
	if err != nil {
		return out, err
	}
	if out.Backup.SchemaVersion < 1 || out.Backup.SchemaVersion > len(ms) {
		return out, embargo.Errorf(embargo.KindInvalid, "the backup has schema version %d; this Embargo knows versions 1 to %d: restore with the release that made it",
			out.Backup.SchemaVersion, len(ms))
	}
	applied, _, err := s.SchemaVersion(ctx)
	if err != nil && !isMissingTable(err) {
		return out, err
	}
	switch {
	case applied == 0:
		if _, err := s.migrate(ctx, out.Backup.SchemaVersion); err != nil {
			return out, err
		}
	case applied != out.Backup.SchemaVersion:
		return out, embargo.Errorf(embargo.KindConflict, "this database is at schema version %d and the backup at %d: restore into a new, empty database (do not run migrate first)",
			applied, out.Backup.SchemaVersion)
	}
	for _, t := range []string{"projects", "users", "reports", "audit_log"} {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return out, fmt.Errorf("store.Restore: %w", err)
		}
		if n > 0 {
			return out, embargo.Errorf(embargo.KindConflict, "the database is not empty (%s has %d rows): restore only into a new database", t, n)
		}
	}
	out.Rows = map[string]int{}
	err = s.inTx(ctx, "store.Restore", func(ctx context.Context, tx *sql.Tx) error {
		// The migrations seed the chain's head; the backup brings its own.
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_head`); err != nil {
			return err
		}
		if err := s.restoreRows(ctx, tx, dec, out.Rows); err != nil {
			return err
		}
		// Read the stream to its end before committing: a compressed or
		// encrypted stream checks its last chunk there.
		if _, err := io.Copy(io.Discard, br); err != nil {
			return embargo.Errorf(embargo.KindInvalid, "the backup is damaged at its end: %v", err)
		}
		// PostgreSQL's identity sequences past the restored ids, in the
		// same transaction: nothing of a restore stays half done.
		if s.dialect == Postgres {
			return s.resetSequences(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	// The newer migrations of this binary: should one fail, the data is
	// restored and 'embargo migrate' finishes the job.
	if _, err := s.Migrate(ctx); err != nil {
		return out, err
	}
	return out, nil
}

// selfRefs are the columns that reference their own table's id: a row
// may point at a later one, so they are restored after the table.
var selfRefs = map[string]string{"reports": "duplicate_of"}

func (s *Store) restoreRows(ctx context.Context, tx *sql.Tx, dec *json.Decoder, counts map[string]int) error {
	known := map[string]bool{}
	for _, t := range backupTables {
		known[t] = true
	}
	var table string
	var insert string
	var types, cols []string
	idCol, refCol := -1, -1
	type ref struct{ id, to any }
	var later []ref
	fixRefs := func() error {
		for _, r := range later {
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+selfRefs[table]+` = $1 WHERE id = $2`, r.to, r.id); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		later = nil
		return nil
	}
	for {
		var l backupLine
		if err := dec.Decode(&l); err != nil {
			if errors.Is(err, io.EOF) {
				return embargo.Errorf(embargo.KindInvalid, "the backup is cut short: it has no end line")
			}
			return embargo.Errorf(embargo.KindInvalid, "the backup is damaged: %v", err)
		}
		switch {
		case l.End != nil:
			if err := fixRefs(); err != nil {
				return err
			}
			for t, n := range l.End {
				if counts[t] != n {
					return embargo.Errorf(embargo.KindInvalid, "the backup is damaged: %s should have %d rows, it has %d", t, n, counts[t])
				}
			}
			return nil
		case l.Table != "":
			if !known[l.Table] {
				return embargo.Errorf(embargo.KindInvalid, "the backup has an unknown table %q", l.Table)
			}
			if err := fixRefs(); err != nil {
				return err
			}
			table, cols = l.Table, l.Columns
			counts[table] = 0
			idCol, refCol = -1, -1
			for i, c := range l.Columns {
				switch c {
				case "id":
					idCol = i
				case selfRefs[table]:
					refCol = i
				}
			}
			var err error
			if types, err = s.columnTypes(ctx, tx, table, l.Columns); err != nil {
				return err
			}
			ph := make([]string, len(l.Columns))
			for i := range ph {
				ph[i] = "$" + strconv.Itoa(i+1)
			}
			insert = `INSERT INTO ` + table + ` (` + strings.Join(l.Columns, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `)`
		case l.Row != nil:
			if table == "" || len(l.Row) != len(types) {
				return embargo.Errorf(embargo.KindInvalid, "the backup is damaged: a row of %d values where %d columns were announced", len(l.Row), len(types))
			}
			args := make([]any, len(l.Row))
			for i, raw := range l.Row {
				v, err := decodeValue(raw, types[i])
				if err != nil {
					return embargo.Errorf(embargo.KindInvalid, "the backup is damaged: %s row %d: %v", table, counts[table]+1, err)
				}
				args[i] = v
			}
			if table == "project_keys" {
				if err := s.checkKeyset(cols, args); err != nil {
					return err
				}
			}
			if refCol >= 0 && idCol >= 0 && args[refCol] != nil {
				later = append(later, ref{args[idCol], args[refCol]})
				args[refCol] = nil
			}
			if _, err := tx.ExecContext(ctx, insert, args...); err != nil {
				return fmt.Errorf("%s row %d: %w", table, counts[table]+1, err)
			}
			counts[table]++
		}
	}
}

// checkKeyset opens a restored project keyset with this store's master
// key: a restore under another master key would succeed and leave every
// report unreadable, so it is refused before anything is committed.
func (s *Store) checkKeyset(cols []string, args []any) error {
	var project int64
	var wrapped []byte
	for i, c := range cols {
		switch c {
		case "project_id":
			project, _ = args[i].(int64)
		case "keyset":
			wrapped, _ = args[i].([]byte)
		}
	}
	if _, err := s.keys.Project(project, wrapped); err != nil {
		return embargo.Errorf(embargo.KindInvalid, "the master key does not open the backup's keyset of project %d: restore with the master key of the instance that made the backup (EMBARGO_MASTER_KEY_FILE)", project)
	}
	s.keys.Forget(project)
	return nil
}

// columnTypes returns the target database's declared types of columns, in
// lower case; a column the target does not have is an error.
func (s *Store) columnTypes(ctx context.Context, tx *sql.Tx, table string, cols []string) ([]string, error) {
	var q string
	if s.dialect == Postgres {
		q = `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`
	} else {
		q = `SELECT name, type FROM pragma_table_info($1)`
	}
	rows, err := tx.QueryContext(ctx, q, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		have[name] = strings.ToLower(typ)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		t, ok := have[c]
		if !ok {
			return nil, embargo.Errorf(embargo.KindInvalid, "the backup's table %s has a column %q this schema does not have", table, c)
		}
		out[i] = t
	}
	return out, nil
}

// decodeValue turns a backup value into an argument for a column of the
// target's type: booleans kept as 0/1 by SQLite become booleans, numbers
// stay exact integers.
func decodeValue(raw json.RawMessage, typ string) (any, error) {
	var v any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		if b, ok := x["b"].(string); ok {
			return base64.StdEncoding.DecodeString(b)
		}
		if t, ok := x["t"].(string); ok {
			return time.Parse(time.RFC3339Nano, t)
		}
		return nil, fmt.Errorf("unknown value %s", raw)
	case json.Number:
		if strings.HasPrefix(typ, "bool") {
			return x.String() != "0", nil
		}
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		return x.Float64()
	case bool:
		return x, nil
	case string:
		if strings.HasPrefix(typ, "timestamp") {
			// SQLite may hand a timestamp back as text.
			if t, ok := parseStoredTime(x); ok {
				return t, nil
			}
		}
		return x, nil
	default:
		return nil, fmt.Errorf("unknown value %s", raw)
	}
}

// resetSequences moves PostgreSQL's identity sequences past the restored
// ids, so that new rows do not collide with them.
func (s *Store) resetSequences(ctx context.Context, tx *sql.Tx) error {
	for _, t := range backupTables {
		var hasID bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id')`, t).Scan(&hasID); err != nil {
			return fmt.Errorf("store.Restore: columns of %s: %w", t, err)
		}
		if !hasID {
			continue
		}
		var seq sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, t).Scan(&seq); err != nil {
			return fmt.Errorf("store.Restore: sequence of %s: %w", t, err)
		}
		if !seq.Valid {
			continue
		}
		if _, err := tx.ExecContext(ctx, `SELECT setval($1, COALESCE((SELECT MAX(id) FROM `+t+`), 0) + 1, false)`, seq.String); err != nil {
			return fmt.Errorf("store.Restore: sequence of %s: %w", t, err)
		}
	}
	return nil
}

func isMissingTable(err error) bool {
	m := err.Error()
	return strings.Contains(m, "no such table") || strings.Contains(m, "does not exist")
}
