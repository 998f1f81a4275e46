package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/policy"
)

func newPolicy(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "policy",
		Short: "Check and render policy files",
		Long: `Work with policy files: the YAML files that hold a project's security policy.
See docs/policy.md for the format; 'embargo policy schema' prints its JSON Schema.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newPolicyCheck(e), newPolicyRender(e), newPolicySchema(e), newPolicyImport(e), newPolicyReapply(e))
	return c
}

// readInput reads a file, or stdin for "-", refusing oversized input.
func readInput(e *env, name string) ([]byte, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, policy.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

func newPolicyCheck(e *env) *cobra.Command {
	var quiet bool
	c := &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate and lint policy files",
		Long: `Validate policy files against the schema and lint them. Each finding is
printed as file:line:col: message; warnings say "warning:". The exit status is
1 when any file has an error, 0 otherwise. Use - to read standard input.

Lints include placeholder contacts ("[INSERT SECURITY EMAIL]", example.com),
SLA stages without a deadline, severities used but not defined, overlapping
supported-versions rows, and a security.txt expiry in the past or more than a
year ahead.`,
		Example: "  embargo policy check examples/policies/*.yaml",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("policy check needs at least one FILE")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			failed := 0
			for _, name := range args {
				data, err := readInput(e, name)
				if err != nil {
					fmt.Fprintf(e.stdout, "%s: %v\n", name, err)
					failed++
					continue
				}
				_, diags := policy.Check(data, time.Now())
				for _, d := range diags {
					fmt.Fprintln(e.stdout, d.Format(name))
				}
				if diags.HasErrors() {
					failed++
				} else if !quiet {
					fmt.Fprintf(e.stdout, "%s: ok\n", name)
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d policy files have errors", failed, len(args))
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print findings only, not \"ok\" lines")
	return c
}

func newPolicyRender(e *env) *cobra.Command {
	var format, baseURL, now string
	c := &cobra.Command{
		Use:   "render --format security-md|security-txt FILE",
		Short: "Render a policy file as SECURITY.md or security.txt",
		Long: `Render a policy file as a SECURITY.md (Markdown) or an RFC 9116 security.txt.
The SECURITY.md depends only on the file, so it is stable in diffs. The
security.txt Expires field is computed from the rendering time (--now).
With --base-url, links to the project's pages on that Embargo instance are
added (Policy and Canonical in security.txt). Use - to read standard input.`,
		Example: "  embargo policy render --format security-md policy.yaml > SECURITY.md\n  embargo policy render --format security-txt --base-url https://security.example.org policy.yaml",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			at := time.Now()
			if now != "" {
				t, err := time.Parse(time.RFC3339, now)
				if err != nil {
					return usageError{fmt.Errorf("--now %q: want an RFC 3339 time such as 2026-11-23T12:00:00Z", now)}
				}
				at = t
			}
			if format != "security-md" && format != "security-txt" {
				return usageError{fmt.Errorf("--format %q: want security-md or security-txt", format)}
			}
			data, err := readInput(e, args[0])
			if err != nil {
				return err
			}
			pol, diags := policy.Check(data, at)
			for _, d := range diags {
				if d.Level == policy.LevelWarning {
					fmt.Fprintln(e.stderr, d.Format(args[0]))
				}
			}
			if err := diags.Err(args[0]); err != nil {
				return err
			}
			opts := policy.RenderOptions{BaseURL: baseURL}
			var out []byte
			if format == "security-md" {
				out = policy.RenderSecurityMD(pol, opts)
			} else {
				out = policy.RenderSecurityTxt(pol, opts, at)
			}
			_, err = e.stdout.Write(out)
			return err
		},
	}
	c.Flags().StringVar(&format, "format", "", "security-md or security-txt (required)")
	c.Flags().StringVar(&baseURL, "base-url", "", "public URL of the Embargo instance serving this project")
	c.Flags().StringVar(&now, "now", "", "rendering time for security.txt Expires (RFC 3339; default: now)")
	return c
}

func newPolicySchema(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the policy file's JSON Schema",
		Long: `Print the JSON Schema of the policy file format, for editors: point
yaml-language-server at it with a "# yaml-language-server: $schema=…" line.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := e.stdout.Write(policy.SchemaJSON)
			return err
		},
	}
}
