package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

func newProject(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "project",
		Short: "Add and list projects",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newProjectAdd(e), newProjectUpdate(e), newProjectList(e), newProjectKey(e))
	return c
}

func newProjectAdd(e *env) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "add --policy FILE",
		Short: "Create a project from its policy file",
		Long: `Create a project from a policy file. The file is validated and linted first
(as by 'embargo policy check'); on any error nothing is stored. The policy is
kept as revision 1 and the creation is written to the audit log. The project's
slug and name come from the file.`,
		Example: "  embargo project add --policy examples/policies/virtrigaud.yaml",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if file == "" {
				return usageError{fmt.Errorf("project add needs --policy FILE")}
			}
			data, err := readInput(e, file)
			if err != nil {
				return err
			}
			cfg, err := e.config()
			if err != nil {
				return err
			}
			st, _, err := openStore(cmd.Context(), cfg, newLogger(io.Discard, "error"))
			if err != nil {
				return err
			}
			defer st.Close()
			a := app.New(st, newLogger(io.Discard, "error"), app.Options{})
			p, err := a.AddProject(cmd.Context(), embargo.ActorCLI, file, data)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Created project %q (%s) with policy revision %d.\n", p.Slug, p.Name, p.PolicyRevision)
			fmt.Fprintf(e.stdout, "Its policy is served at /p/%s/SECURITY.md and /p/%s/security.txt.\n", p.Slug, p.Slug)
			return nil
		},
	}
	c.Flags().StringVar(&file, "policy", "", "policy file (YAML), or - for standard input")
	return c
}

func newProjectList(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List projects",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := e.config()
			if err != nil {
				return err
			}
			st, _, err := openStore(cmd.Context(), cfg, newLogger(io.Discard, "error"))
			if err != nil {
				return err
			}
			defer st.Close()
			ps, err := st.Projects(cmd.Context())
			if err != nil {
				return err
			}
			if len(ps) == 0 {
				fmt.Fprintln(e.stdout, "No projects. Add one with: embargo project add --policy FILE")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SLUG\tNAME\tPOLICY REVISION\tCREATED")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", p.Slug, p.Name, p.PolicyRevision, p.CreatedAt.Format("2006-01-02 15:04 UTC"))
			}
			return tw.Flush()
		},
	}
}

func newProjectUpdate(e *env) *cobra.Command {
	var file string
	c := &cobra.Command{
		Use:   "update --policy FILE",
		Short: "Store a new revision of a project's policy file",
		Long: `Check a new version of a project's policy file (as by 'embargo policy check')
and store it as the project's next policy revision, audited. The project is
the one named by the file's project.slug. Reports that arrive from now on get
the new promises; open reports keep the deadlines promised to them. To move
those too, preview with 'embargo policy reapply --project SLUG' and apply with
--apply: promised deadlines never move silently.`,
		Example: "  embargo project update --policy virtrigaud.yaml",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if file == "" {
				return usageError{fmt.Errorf("project update needs --policy FILE")}
			}
			data, err := readInput(e, file)
			if err != nil {
				return err
			}
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			p, open, err := a.UpdatePolicy(cmd.Context(), embargo.ActorCLI, file, data)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Stored policy revision %d of %q; new reports get its promises.\n", p.PolicyRevision, p.Slug)
			if open > 0 {
				fmt.Fprintf(e.stdout, "%d open report(s) keep the deadlines promised under earlier revisions. Preview moving them with:\n  embargo policy reapply --project %s\n", open, p.Slug)
			}
			return nil
		},
	}
	c.Flags().StringVar(&file, "policy", "", "policy file (YAML), or - for standard input")
	return c
}
