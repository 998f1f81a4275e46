#!/usr/bin/env bash
# Installs the real consumers the tests check Embargo's outputs with
# (govulncheck, osv-scanner, the gocsaf tools, npm validators), each pinned
# by its script in .ci/tools.d. Idempotent: a tool already at its version is
# not rebuilt. Tests that need a missing tool skip and name this script.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
for f in .ci/tools.d/*.sh; do
  [ -e "$f" ] || continue
  bash "$f"
done
