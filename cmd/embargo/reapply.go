package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

func newPolicyReapply(e *env) *cobra.Command {
	var project string
	var apply bool
	c := &cobra.Command{
		Use:   "reapply --project SLUG [--apply]",
		Short: "Show, then move, open reports' deadlines to the policy in force",
		Long: `Open reports keep the deadlines of the policy revision in force when they
arrived. This shows, for each open report under an earlier revision, how each
stage's deadline would move under the revision in force. With --apply it moves
them: each report takes the current revision, with an event on its internal
timeline listing the before and after, and an audit entry.`,
		Example: "  embargo policy reapply --project virtrigaud\n  embargo policy reapply --project virtrigaud --apply",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if project == "" {
				return usageError{fmt.Errorf("policy reapply needs --project SLUG")}
			}
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			rep, err := a.ReapplyPolicy(cmd.Context(), embargo.ActorCLI, project, apply)
			if err != nil {
				return err
			}
			if len(rep.Reports) == 0 {
				fmt.Fprintf(e.stdout, "Every open report of %s is already under policy revision %d.\n", project, rep.Revision)
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "REPORT\tREVISION\tSTAGE\tBEFORE\tAFTER")
			for _, r := range rep.Reports {
				for _, c := range r.Changes {
					fmt.Fprintf(tw, "%s\t%d → %d\t%s\t%s\t%s\n", r.Report.Ref(project), r.From, r.To, c.Stage, app.DeadlineText(c.Before), app.DeadlineText(c.After))
				}
			}
			tw.Flush()
			if apply {
				fmt.Fprintf(e.stdout, "Moved %d report(s) to policy revision %d.\n", len(rep.Reports), rep.Revision)
			} else {
				fmt.Fprintf(e.stdout, "Nothing changed. Run again with --apply to move these %d report(s).\n", len(rep.Reports))
			}
			return nil
		},
	}
	c.Flags().StringVar(&project, "project", "", "project slug")
	c.Flags().BoolVar(&apply, "apply", false, "move the deadlines (without it, only show them)")
	return c
}
