package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/audit"
)

func newAudit(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit",
		Short: "Check the hash-chained audit log",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Verify the audit log's hash chain and name the first bad entry",
		Long: `Verify the whole audit log: entries numbered without gaps from 1, each one
committing to the previous entry's hash, each hash recomputed from the entry's
canonical encoding, and the last entry equal to the chain's recorded head. An
edited, deleted, reordered or cut-off entry is reported with its number, and
the command exits 1.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			rep, err := a.VerifyAudit(cmd.Context())
			var broken *audit.BrokenError
			if errors.As(err, &broken) {
				return fmt.Errorf("%w (%d entries read)", err, rep.Entries)
			}
			if err != nil {
				return err
			}
			short := rep.Head
			if len(short) > 16 {
				short = short[:16]
			}
			fmt.Fprintf(e.stdout, "Audit log intact: %d entries, head %s, %d signed checkpoints valid.\n", rep.Entries, short, rep.Checkpoints)
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "checkpoint",
		Short: "Sign the audit log's current head with the audit key",
		Long: `Sign a checkpoint of the audit log's head with the Ed25519 audit key
(EMBARGO_AUDIT_KEY_FILE, created 0600 on first use; keep it like the master
key, away from the database and its backups). 'embargo serve' signs one every
10 minutes when the log has grown; this command does it now.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			wrote, err := a.Checkpoint(cmd.Context())
			if err != nil {
				return err
			}
			if wrote {
				fmt.Fprintln(e.stdout, "Checkpoint signed.")
			} else {
				fmt.Fprintln(e.stdout, "The head is already checkpointed.")
			}
			return nil
		},
	})
	return c
}
