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
			n, head, err := a.VerifyAudit(cmd.Context())
			var broken *audit.BrokenError
			if errors.As(err, &broken) {
				return fmt.Errorf("%w (%d entries read)", err, n)
			}
			if err != nil {
				return err
			}
			short := head
			if len(short) > 16 {
				short = short[:16]
			}
			fmt.Fprintf(e.stdout, "Audit log intact: %d entries, head %s.\n", n, short)
			return nil
		},
	})
	return c
}
