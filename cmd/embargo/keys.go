package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/embargo"
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
	c.AddCommand(rotate, status)
	return c
}
