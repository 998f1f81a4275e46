package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/app"
)

func newProjectKey(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "key",
		Short: "Show, generate or import a project's OpenPGP key",
		Long: `A project's OpenPGP key decrypts the mail reporters encrypt to its security
address, and signs (and encrypts) Embargo's mail to reporters. The private key
is stored sealed like report content; the public key is published at
/p/SLUG/pgp-key.asc, in security.txt and SECURITY.md, and through Web Key
Directory. A project gets a generated key when it is added, if its policy
names a security address.`,
		Args: noArgs,
	}
	c.AddCommand(newProjectKeyShow(e), newProjectKeyGenerate(e), newProjectKeyImport(e))
	return c
}

func printKey(e *env, slug string, k app.ProjectKey) {
	fmt.Fprintf(e.stdout, "Project %q OpenPGP key %s", slug, k.Fingerprint)
	for _, m := range k.Emails {
		fmt.Fprintf(e.stdout, " <%s>", m)
	}
	fmt.Fprintf(e.stdout, "\n%s", k.Armored)
}

func newProjectKeyShow(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "show SLUG",
		Short:   "Print the project's public key and fingerprint",
		Example: "  embargo project key show virtrigaud",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			k, err := a.PublicPGPKey(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			printKey(e, args[0], k)
			return nil
		},
	}
}

func newProjectKeyGenerate(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "generate SLUG",
		Short: "Generate a new key for the project's security address (the old one is kept, unused)",
		Long: `Generate an Ed25519/Curve25519 OpenPGP key whose user id is the security
address of the project's policy (contacts.email), and make it the project's
key, audited. Mail encrypted to the previous key can no longer be read.`,
		Example: "  embargo project key generate virtrigaud",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			k, err := a.GeneratePGPKey(cmd.Context(), nil, args[0])
			if err != nil {
				return err
			}
			printKey(e, args[0], k)
			return nil
		},
	}
}

func newProjectKeyImport(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "import SLUG FILE",
		Short: "Make an existing private key (no passphrase) the project's key",
		Long: `Import an OpenPGP private key, ASCII-armored or binary, from FILE (or - for
standard input) as the project's key. Remove its passphrase first
(gpg --edit-key FPR passwd): Embargo seals the key itself.`,
		Example: "  gpg --export-secret-keys --armor 0123…CDEF | embargo project key import virtrigaud -",
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readInput(e, args[1])
			if err != nil {
				return err
			}
			a, done, err := openApp(cmd, e)
			if err != nil {
				return err
			}
			defer done()
			k, err := a.ImportPGPKey(cmd.Context(), nil, args[0], data)
			if err != nil {
				return err
			}
			printKey(e, args[0], k)
			return nil
		},
	}
}
