package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/seal"
	"github.com/embargo-cvd/embargo/internal/store"
)

func newKeys(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "keys",
		Short: "Rotate the keys that seal report content, and show their state",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	var project string
	var batch int
	rotate := &cobra.Command{
		Use:   "rotate --project SLUG",
		Short: "Give a project a new data key and re-seal its content under it",
		Long: `Add a new primary key to the project's keyset (sealed by the master key), then
re-seal every sealed cell (report content, messages, notes, files and file
names) under it in batches, printing progress, and finally retire the old keys.
The server keeps serving throughout: until a cell is re-sealed it opens with
the old key, and running servers pick up the new keyset within a minute.
Interrupted, run it again: it rotates once more and re-seals what is left.`,
		Example: "  embargo keys rotate --project virtrigaud",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if project == "" {
				return usageError{fmt.Errorf("keys rotate needs --project SLUG")}
			}
			if batch < 1 {
				return usageError{fmt.Errorf("--batch must be at least 1")}
			}
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			retired, err := a.RotateKeys(cmd.Context(), embargo.ActorCLI, project, batch, func(st store.KeyStatus) {
				fmt.Fprintf(e.stdout, "re-sealed %d of %d cells\n", st.Total-st.Pending, st.Total)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Rotated the data key of %s; %d old key(s) retired.\n", project, retired)
			return nil
		},
	}
	rotate.Flags().StringVar(&project, "project", "", "project slug")
	rotate.Flags().IntVar(&batch, "batch", 500, "cells re-sealed per transaction")
	var statusProject string
	status := &cobra.Command{
		Use:   "status [--project SLUG]",
		Short: "Show each project's data keys and re-sealing progress",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			slugs := []string{statusProject}
			if statusProject == "" {
				ps, err := a.Projects(cmd.Context())
				if err != nil {
					return err
				}
				slugs = slugs[:0]
				for _, p := range ps {
					slugs = append(slugs, p.Slug)
				}
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROJECT\tKEYS\tPRIMARY KEY ID\tSEALED CELLS\tUNDER AN OLDER KEY")
			for _, slug := range slugs {
				st, err := a.KeyStatus(cmd.Context(), slug)
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", slug, st.Keys, st.Primary, st.Total, st.Pending)
			}
			return tw.Flush()
		},
	}
	status.Flags().StringVar(&statusProject, "project", "", "one project (default: all)")
	var newKeyFile string
	master := &cobra.Command{
		Use:   "rotate-master --new-key-file PATH",
		Short: "Wrap every project keyset with a new master key",
		Long: `Create a new master key at PATH (0600; it must not exist) and wrap every
project's data keyset with it, in one transaction. Report content is not
re-encrypted: only the keysets are. From then on Embargo needs the new key:
stop the servers first, run this, move PATH to EMBARGO_MASTER_KEY_FILE (or put
it in EMBARGO_MASTER_KEY) on every replica, and start them again. Keep the old
key until the new one is in place and backed up.`,
		Example: "  embargo keys rotate-master --new-key-file /secure/master.key.new",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if newKeyFile == "" {
				return usageError{fmt.Errorf("keys rotate-master needs --new-key-file PATH")}
			}
			if _, err := os.Stat(newKeyFile); err == nil {
				return usageError{fmt.Errorf("%s exists: name a new file", newKeyFile)}
			}
			key, _, err := seal.LoadOrCreateMasterKey(newKeyFile, "")
			if err != nil {
				return err
			}
			cfg, err := e.config()
			if err != nil {
				return err
			}
			st, _, err := openStore(cmd.Context(), cfg, newLogger(io.Discard, "error"))
			if err != nil {
				os.Remove(newKeyFile)
				return err
			}
			defer st.Close()
			n, err := st.RewrapKeysets(cmd.Context(), embargo.ActorCLI, key)
			if err != nil {
				os.Remove(newKeyFile)
				return err
			}
			fmt.Fprintf(e.stdout, "Wrapped %d project keyset(s) with the new master key in %s.\nMove it to %s (or set EMBARGO_MASTER_KEY) on every replica before starting Embargo again.\n", n, newKeyFile, cfg.MasterKeyFile)
			return nil
		},
	}
	master.Flags().StringVar(&newKeyFile, "new-key-file", "", "where to create the new master key")
	c.AddCommand(rotate, status, master)
	return c
}
