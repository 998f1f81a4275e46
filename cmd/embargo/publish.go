package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

func newPublish(e *env) *cobra.Command {
	var out, project, base string
	c := &cobra.Command{
		Use:   "publish --out DIR [--project SLUG] [--base-url URL]",
		Short: "Write the published advisories as a static site, in every format",
		Long: `Write every published (and withdrawn) advisory as a static tree any web host
can serve: index.html, one page per advisory, hall-of-fame.html, feed.atom,
osv/ (one JSON file per advisory, all.zip, and all.zip per ecosystem),
govulndb/ (a Go vulnerability database: govulncheck -db https://HOST/govulndb),
.well-known/csaf/ (a CSAF 2.0 trusted-provider directory, signed with the
project's OpenPGP key), cve/ (CVE JSON 5 records, with EMBARGO_CVE_ORG_ID) and
openvex/. The same files Embargo serves live at /p/SLUG/advisories/.

With --project, DIR is that project's site root (host it at a domain's root for
CSAF's /.well-known/csaf/). Without it, each project goes to DIR/SLUG/.
--base-url is the URL the tree will be served at (links, feeds and CSAF URLs
are built from it); the default is the instance's /p/SLUG/advisories.
Drafts and scheduled advisories are never written. Files no longer published
are not deleted: write into an empty directory.`,
		Example: "  embargo publish --project virtrigaud --out site/ --base-url https://security.virtrigaud.io",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("publish needs --out DIR")}
			}
			if base != "" {
				if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return usageError{fmt.Errorf("--base-url %q: want an http(s) URL", base)}
				}
				if project == "" {
					return usageError{errors.New("--base-url needs --project: each project's site has its own URL")}
				}
			}
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			slugs := []string{project}
			if project == "" {
				ps, err := a.Projects(cmd.Context())
				if err != nil {
					return err
				}
				slugs = nil
				for _, p := range ps {
					slugs = append(slugs, p.Slug)
				}
			}
			for _, slug := range slugs {
				files, err := a.ExportAdvisories(cmd.Context(), slug, base)
				if err != nil {
					return err
				}
				dir := out
				if project == "" {
					dir = filepath.Join(out, slug)
				}
				if err := writeTree(dir, files); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Wrote %d files for %q to %s.\n", len(files), slug, dir)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "directory to write the site to")
	c.Flags().StringVar(&project, "project", "", "only this project, at the directory's root")
	c.Flags().StringVar(&base, "base-url", "", "URL the site will be served at (with --project)")
	return c
}

// writeTree writes files under dir, refusing paths that would leave it.
func writeTree(dir string, files map[string][]byte) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		clean := filepath.Clean(filepath.FromSlash(p))
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return fmt.Errorf("publish: refusing the path %q", p)
		}
		full := filepath.Join(dir, clean)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}
