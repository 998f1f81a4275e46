#!/usr/bin/env bash
# Installs the Go-built consumers of Embargo's OSV and Go vulnerability
# database outputs, which the tests of internal/publish/osv (osv-scanner)
# and internal/publish/vulndb (govulncheck) run, into "$(go env GOPATH)/bin".
# Built with the local Go toolchain (never a toolchain download); a tool
# whose installed binary already records the pinned module version is
# left alone.
set -euo pipefail
export GOTOOLCHAIN=local
GO=${GO:-go}
bin="$("$GO" env GOPATH | cut -d: -f1)/bin"

# install BINARY MODULE VERSION PACKAGE
install() {
  local binary=$1 module=$2 version=$3 pkg=$4
  if [ -x "$bin/$binary" ] &&
    "$GO" version -m "$bin/$binary" 2>/dev/null |
    awk -v m="$module" -v v="$version" '$1 == "mod" && $2 == m && $3 == v { found = 1 } END { exit !found }'; then
    echo "$binary $version: already installed"
    return
  fi
  echo "$binary $version: installing"
  GOBIN="$bin" "$GO" install "$pkg@$version"
}

install govulncheck golang.org/x/vuln v1.9.0 golang.org/x/vuln/cmd/govulncheck
install osv-scanner github.com/google/osv-scanner/v2 v2.5.0 github.com/google/osv-scanner/v2/cmd/osv-scanner
