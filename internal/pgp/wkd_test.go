package pgp

import (
	"os/exec"
	"strings"
	"testing"
)

func TestWKDHashKnownVector(t *testing.T) {
	t.Parallel()
	// From draft-koch-openpgp-webkey-service: "Joe.Doe@Example.ORG".
	for _, local := range []string{"joe.doe", "Joe.Doe"} {
		if got, want := WKDHash(local), "iy9q119eutrkn8s1mk4r39qejnbu3n5q"; got != want {
			t.Errorf("WKDHash(%q) = %q, want %q", local, got, want)
		}
	}
}

// TestWKDHashGnuPG compares with gpg-wks-client --print-wkd-hash.
func TestWKDHashGnuPG(t *testing.T) {
	t.Parallel()
	client := "/usr/lib/gnupg/gpg-wks-client"
	if _, err := exec.LookPath(client); err != nil {
		t.Skip("gpg-wks-client not found; install GnuPG (apt-get install gnupg gpg-wks-client)")
	}
	addrs := []string{
		"joe.doe@example.org",
		"Joe.Doe@Example.ORG",
		"security@embargo.example",
		"SECURITY+Reports@Example.com",
		"a@b.c",
		"x_y-z.0123456789@example.org",
		"Ünïcödé.ÄB@example.org", // GnuPG lower-cases ASCII letters only
	}
	out, err := exec.CommandContext(t.Context(), client, append([]string{"--print-wkd-hash"}, addrs...)...).Output()
	if err != nil {
		t.Fatalf("gpg-wks-client: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(addrs) {
		t.Fatalf("gpg-wks-client printed %d lines for %d addresses:\n%s", len(lines), len(addrs), out)
	}
	for i, addr := range addrs {
		t.Run(addr, func(t *testing.T) {
			want, _, _ := strings.Cut(lines[i], " ")
			local, _, _ := strings.Cut(addr, "@")
			if got := WKDHash(local); got != want {
				t.Errorf("WKDHash(%q) = %q, gpg-wks-client says %q", local, got, want)
			}
		})
	}
}
