package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/backup"
	"github.com/embargo-cvd/embargo/internal/config"
	"github.com/embargo-cvd/embargo/internal/seal"
	"github.com/embargo-cvd/embargo/internal/store"
)

func newBackup(e *env) *cobra.Command {
	var out string
	var recipients, recipientFiles []string
	c := &cobra.Command{
		Use:   "backup --out FILE --recipient age1… [--recipient …] [--recipients-file FILE]",
		Short: "Write an encrypted, consistent backup of the whole database",
		Long: `Write a backup of the whole database to a new file (0600), while the server
keeps serving: every table is read from one consistent snapshot (SQLite: one
read transaction; PostgreSQL: one REPEATABLE READ transaction). The file is
encrypted with age to the recipients named (at least one; create one with
'embargo backup keygen'), and the report content inside stays sealed under the
master key, which is not in the backup.

Keep the master key, the audit key and the age identity apart from the
backups: the backup alone reveals no report text, and a restore needs the
master key of this instance (docs/backup.md). 'embargo restore' brings the
file back into an empty database of either kind, SQLite or PostgreSQL.`,
		Example: `  embargo backup keygen --out backup-identity.txt
  embargo backup --out embargo-2026-11-24.backup --recipient age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("backup needs --out FILE")}
			}
			rs, err := backup.ParseRecipients(recipients, recipientFiles)
			if err != nil {
				return usageError{err}
			}
			cfg, err := e.config()
			if err != nil {
				return err
			}
			st, err := openExisting(cmd, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			info, err := backup.WriteFile(cmd.Context(), st, out, rs)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Backed up %s (schema version %d) to %s: %s.\n", describeDB(cfg), info.SchemaVersion, out, rowCounts(info.Rows))
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "the backup file to create (never replaced)")
	c.Flags().StringArrayVar(&recipients, "recipient", nil, "an age recipient (age1…) to encrypt to; repeatable")
	c.Flags().StringArrayVar(&recipientFiles, "recipients-file", nil, "a file of age recipients, one per line; repeatable")
	var keyOut string
	keygen := &cobra.Command{
		Use:   "keygen --out FILE",
		Short: "Create an age identity for backups and print its recipient",
		Long: `Create an age X25519 identity in a new file (0600) and print its public
recipient (age1…), to pass to 'embargo backup --recipient'. Keep the identity
file offline or in a secrets manager, apart from the backups and from the
master key: whoever holds the identity can decrypt the backup files. The
identity is also readable by the age tool (age -d -i FILE).`,
		Example: "  embargo backup keygen --out backup-identity.txt",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyOut == "" {
				return usageError{errors.New("backup keygen needs --out FILE")}
			}
			secret, recipient, err := backup.NewIdentity()
			if err != nil {
				return err
			}
			f, err := os.OpenFile(keyOut, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("identity file: %w", err)
			}
			if _, err := fmt.Fprintf(f, "# embargo backup identity\n# public key: %s\n%s\n", recipient, secret); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Wrote the identity to %s. Its recipient:\n%s\n", keyOut, recipient)
			return nil
		},
	}
	keygen.Flags().StringVar(&keyOut, "out", "", "the identity file to create")
	c.AddCommand(keygen)
	return c
}

func newRestore(e *env) *cobra.Command {
	var in string
	var identities []string
	c := &cobra.Command{
		Use:   "restore --in FILE --identity FILE",
		Short: "Restore a backup into a new, empty database",
		Long: `Restore a file written by 'embargo backup' into the configured database
(EMBARGO_DATABASE_URL, or the SQLite database in the data directory), which
must be new and empty: of either kind, whatever kind the backup came from.
The identity file holds the age identity the backup was encrypted to. The
master key must be the one of the instance that made the backup
(EMBARGO_MASTER_KEY_FILE or EMBARGO_MASTER_KEY): restore checks that it opens
every project's keyset before it commits anything, and never creates one.

Everything is restored in one transaction: a failed restore leaves the
database empty. Migrations newer than the backup are applied afterwards.`,
		Example: `  EMBARGO_DATABASE_URL=postgres://embargo@db/embargo \
  EMBARGO_MASTER_KEY_FILE=/secrets/master.key \
    embargo restore --in embargo-2026-11-24.backup --identity backup-identity.txt`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if in == "" || len(identities) == 0 {
				return usageError{errors.New("restore needs --in FILE and --identity FILE")}
			}
			var ids []age.Identity
			for _, name := range identities {
				got, err := backup.ParseIdentityFile(name)
				if err != nil {
					return usageError{err}
				}
				ids = append(ids, got...)
			}
			cfg, err := e.config()
			if err != nil {
				return err
			}
			master, err := existingMasterKey(cfg)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(cfg.Database(), "postgres") {
				if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(cfg.Database(), "sqlite:")), 0o700); err != nil {
					return err
				}
			}
			st, err := store.Open(cmd.Context(), cfg.Database(), store.Options{MasterKey: master})
			if err != nil {
				return err
			}
			defer st.Close()
			info, err := backup.ReadFile(cmd.Context(), st, in, ids)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Restored the backup of %s (%s, schema version %d) into %s: %s.\n",
				info.Backup.CreatedAt.Format("2006-01-02 15:04 MST"), info.Backup.Dialect, info.Backup.SchemaVersion, describeDB(cfg), rowCounts(info.Rows))
			return nil
		},
	}
	c.Flags().StringVar(&in, "in", "", "the backup file")
	c.Flags().StringArrayVar(&identities, "identity", nil, "a file holding the age identity (AGE-SECRET-KEY-…); repeatable")
	return c
}

// existingMasterKey loads the master key and refuses to create one: a new
// key would open nothing the instance stored.
func existingMasterKey(cfg config.Config) ([]byte, error) {
	if cfg.MasterKey == "" {
		if _, err := os.Stat(cfg.MasterKeyFile); err != nil {
			return nil, fmt.Errorf("no master key at %s (EMBARGO_MASTER_KEY_FILE): this command needs the instance's master key and never creates one", cfg.MasterKeyFile)
		}
	}
	key, _, err := seal.LoadOrCreateMasterKey(cfg.MasterKeyFile, cfg.MasterKey)
	return key, err
}

// openExisting opens an existing database with its master key, without
// creating either, and applies pending migrations.
func openExisting(cmd *cobra.Command, cfg config.Config) (*store.Store, error) {
	if db := cfg.Database(); strings.HasPrefix(db, "sqlite:") {
		if _, err := os.Stat(strings.TrimPrefix(db, "sqlite:")); err != nil {
			return nil, fmt.Errorf("no database at %s: %w", strings.TrimPrefix(db, "sqlite:"), err)
		}
	}
	master, err := existingMasterKey(cfg)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cmd.Context(), cfg.Database(), store.Options{MasterKey: master})
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(cmd.Context()); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func rowCounts(rows map[string]int) string {
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if k == "reports" || k == "projects" || k == "users" || k == "attachments" || k == "audit_log" {
			parts = append(parts, fmt.Sprintf("%d %s", rows[k], strings.ReplaceAll(k, "_", " ")))
		}
	}
	return strings.Join(parts, ", ")
}
