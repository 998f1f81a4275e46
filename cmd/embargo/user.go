package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
)

func newUser(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "user",
		Short: "Add maintainer accounts, invite them, and give them roles on projects",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newUserAdd(e), newUserInvite(e), newUserRole(e))
	return c
}

func openApp(cmd *cobra.Command, e *env) (*app.App, func(), error) {
	cfg, err := e.config()
	if err != nil {
		return nil, nil, err
	}
	st, _, err := openStore(cmd.Context(), cfg, newLogger(io.Discard, "error"))
	if err != nil {
		return nil, nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = "http://" + cfg.Listen
	}
	key, err := auditKey(cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	a := app.New(st, newLogger(io.Discard, "error"), app.Options{BaseURL: base, AuditKey: key, CNAOrgID: cfg.CVEOrgID})
	return a, func() { st.Close() }, nil
}

func newUserAdd(e *env) *cobra.Command {
	var email, name string
	var admin bool
	c := &cobra.Command{
		Use:   "add --email EMAIL --name NAME [--admin] < password",
		Short: "Create a maintainer account, reading its password from standard input",
		Long: `Create a maintainer account. The password (at least 12 characters) is read
from the first line of standard input, so it never appears in the process
list or the shell history. --admin makes an instance admin, who manages
projects and members (but reads reports only as a member of a project).
To let people choose their own password, use 'embargo user invite' instead.`,
		Example: "  printf '%s\\n' \"$PASSWORD\" | embargo user add --email ada@example.org --name 'Ada L.'",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if email == "" || name == "" {
				return usageError{fmt.Errorf("user add needs --email and --name")}
			}
			line, err := bufio.NewReader(e.stdin).ReadString('\n')
			if err != nil && err != io.EOF {
				return err
			}
			password := strings.TrimRight(line, "\r\n")
			if password == "" {
				return usageError{fmt.Errorf("user add reads the password from standard input: pipe it in")}
			}
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			u, err := a.CreateUser(cmd.Context(), embargo.ActorCLI, app.NewAccount{Email: email, Name: name, Password: password}, admin)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Created %s (%s)%s.\n", u.Email, u.Name, map[bool]string{true: " as instance admin"}[u.IsAdmin])
			return nil
		},
	}
	c.Flags().StringVar(&email, "email", "", "email address, the sign-in name")
	c.Flags().StringVar(&name, "name", "", "name shown to other maintainers and on threads")
	c.Flags().BoolVar(&admin, "admin", false, "make an instance admin")
	return c
}

func newUserRole(e *env) *cobra.Command {
	var email, project, role string
	c := &cobra.Command{
		Use:   "role --email EMAIL --project SLUG --role owner|triager|viewer",
		Short: "Give an existing account a role on a project",
		Long: `Give an existing account a role on a project, or change it. Owners manage the
policy, members and keys; triagers work on every report; viewers read them.`,
		Example: "  embargo user role --email ada@example.org --project virtrigaud --role triager",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if email == "" || project == "" || role == "" {
				return usageError{fmt.Errorf("user role needs --email, --project and --role")}
			}
			r, err := embargo.ParseRole(role)
			if err != nil {
				return usageError{err}
			}
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			if err := a.AddMemberCLI(cmd.Context(), project, email, r); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s is now %s on %s.\n", email, r, project)
			return nil
		},
	}
	c.Flags().StringVar(&email, "email", "", "the account's email")
	c.Flags().StringVar(&project, "project", "", "project slug")
	c.Flags().StringVar(&role, "role", "", "owner, triager or viewer")
	return c
}

func newUserInvite(e *env) *cobra.Command {
	var email, project, role string
	var admin bool
	c := &cobra.Command{
		Use:   "invite --email EMAIL (--project SLUG --role ROLE | --admin)",
		Short: "Print a one-time link with which someone creates their account",
		Long: `Create an invitation and print its one-time link (valid for 7 days). Whoever
opens it chooses a name and password and gets the account for EMAIL, with the
role on the project (owner, triager or viewer) and/or as instance admin. Only
the link's hash is stored. Set EMBARGO_BASE_URL so the link names the public
address of the instance.`,
		Example: "  embargo user invite --email ada@example.org --project virtrigaud --role triager",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if email == "" || (project == "" && !admin) {
				return usageError{fmt.Errorf("user invite needs --email and --project with --role, or --admin")}
			}
			var r embargo.Role
			if project != "" {
				var err error
				if r, err = embargo.ParseRole(role); err != nil {
					return usageError{err}
				}
			}
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			link, err := a.Invite(cmd.Context(), nil, email, project, r, admin)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Invitation for %s (valid 7 days, works once):\n  %s\n", email, link)
			return nil
		},
	}
	c.Flags().StringVar(&email, "email", "", "email address of the person to invite")
	c.Flags().StringVar(&project, "project", "", "project slug to give a role on")
	c.Flags().StringVar(&role, "role", "", "owner, triager or viewer")
	c.Flags().BoolVar(&admin, "admin", false, "make the account an instance admin")
	return c
}
