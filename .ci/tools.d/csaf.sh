#!/usr/bin/env bash
# The consumers internal/publish/csaf is tested with:
# - gocsaf's csaf_validator and csaf_checker (github.com/gocsaf/csaf/v3),
#   built from source with the machine's Go into $(go env GOPATH)/bin;
# - the BSI's @secvisogram/csaf-validator-lib (npm), the CSAF 2.0 mandatory
#   and optional tests, pinned by internal/publish/csaf/testdata/validator/
#   package-lock.json and installed there with npm ci.
# Idempotent: nothing is rebuilt or reinstalled that is already at its
# version.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=local

GOCSAF_VERSION=v3.7.0
bin="$(go env GOPATH)/bin"
for tool in csaf_validator csaf_checker; do
  if go version -m "$bin/$tool" 2>/dev/null | grep -q "mod[[:space:]]*github.com/gocsaf/csaf/v3[[:space:]]*$GOCSAF_VERSION[[:space:]]"; then
    continue
  fi
  echo "csaf.sh: installing $tool $GOCSAF_VERSION"
  go install "github.com/gocsaf/csaf/v3/cmd/$tool@$GOCSAF_VERSION"
done

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "csaf.sh: installing Node.js and npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
dir=internal/publish/csaf/testdata/validator
stamp="$dir/node_modules/.embargo-lock.sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "csaf.sh: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi
