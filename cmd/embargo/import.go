package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/policy/importer"
)

func newPolicyImport(e *env) *cobra.Command {
	var out, name, slug, repo string
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Draft a policy file from an existing SECURITY.md",
		Long: `Read a free-text security policy (Markdown, reStructuredText, plain text, or
the HTML of a rendered page; - for standard input) and write a draft policy
file to standard output (or --out). Then, on standard error, a review list:
each promise it mapped with the source line it came from, values it guessed,
placeholder contacts it found (flagged, not used), and each sentence that
looks like a promise but could not be mapped.

The import is deterministic: a Markdown parser and tested patterns, no
network. Review the draft, fill in any [BRACKETED] placeholder, and run
'embargo policy check' on it. docs/policy-import.md says what it understands.`,
		Example: "  embargo policy import SECURITY.md > policy.yaml\n  curl -s https://example.org/security | embargo policy import --out policy.yaml -",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var src []byte
			var err error
			if args[0] == "-" {
				src, err = io.ReadAll(io.LimitReader(e.stdin, importer.MaxInput+1))
			} else {
				src, err = readLimited(args[0], importer.MaxInput+1)
			}
			if err != nil {
				return err
			}
			res, err := importer.Import(src, importer.Options{Source: args[0], Name: name, Slug: slug, Repository: repo})
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if out == "" {
				if _, err := e.stdout.Write(res.YAML); err != nil {
					return err
				}
			} else if err := os.WriteFile(out, res.YAML, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "Read %s as %s. Review:\n", args[0], res.Format)
			for _, f := range res.Review {
				fmt.Fprintf(e.stderr, "  %s\n", f)
			}
			return nil
		},
	}
	c.Flags().StringVarP(&out, "out", "o", "", "write the draft to this file instead of standard output")
	c.Flags().StringVar(&name, "name", "", "project name (instead of the one found in the text)")
	c.Flags().StringVar(&slug, "slug", "", "project slug (instead of the one derived)")
	c.Flags().StringVar(&repo, "repository", "", "repository URL, used for GitHub private vulnerability reporting links")
	return c
}

func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
