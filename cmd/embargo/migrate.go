package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newMigrate(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and exit",
		Long: `Apply the database migrations embedded in this binary that the database has
not seen yet, each in its own transaction. serve does the same at start;
run migrate first when you roll out a new version to several replicas.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := e.config()
			if err != nil {
				return err
			}
			st, ran, err := openStore(cmd.Context(), cfg, newLogger(io.Discard, "error"))
			if err != nil {
				return err
			}
			defer st.Close()
			for _, m := range ran {
				fmt.Fprintf(e.stdout, "applied %s\n", m)
			}
			applied, known, err := st.SchemaVersion(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: schema at migration %d of %d, up to date.\n", describeDB(cfg), applied, known)
			return nil
		},
	}
}
