package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/config"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError marks a mistake in how the command was called.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }

// env carries what every command reads from outside.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	dataDir        string // --data-dir, overrides EMBARGO_DATA_DIR
}

func (e *env) config() (config.Config, error) {
	return config.Load(func(k string) string {
		if k == "EMBARGO_DATA_DIR" && e.dataDir != "" {
			return e.dataDir
		}
		return e.getenv(k)
	})
}

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintf(stderr, "embargo: %v\nRun 'embargo --help' for usage.\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "embargo: %v\n", err)
	return exitError
}

// isCobraUsage recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which it does not type.
func isCobraUsage(err error) bool {
	m := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires exactly", "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument"} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "embargo",
		Short: "Run a project's security policy: private reports, deadlines, disclosure",
		Long: `Embargo runs coordinated vulnerability disclosure for open-source projects.
A policy file per project holds every promise of its SECURITY.md (channels,
response times, fix windows per severity, disclosure, credit, supported
versions); Embargo renders the public SECURITY.md and security.txt from it.

Quick start:
  embargo serve                       start on 127.0.0.1:8080 with SQLite in ./embargo-data
  embargo policy check policy.yaml    validate and lint a policy file
  embargo project add --policy policy.yaml

Configuration comes from environment variables:
` + envHelp(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&e.dataDir, "data-dir", "", "data directory (overrides EMBARGO_DATA_DIR)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newServe(e), newMigrate(e), newPolicy(e), newProject(e), newUser(e), newAudit(e), newKeys(e), newBackup(e), newRestore(e), newConfig(e), newPublish(e), newVersion(e))
	return root
}

func envHelp() string {
	var b strings.Builder
	for _, kv := range config.Env {
		fmt.Fprintf(&b, "  %-26s %s\n", kv[0], kv[1])
	}
	return b.String()
}

// exactArgs is cobra.ExactArgs returning a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(c, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", c.CommandPath(), args)}
	}
	return nil
}
