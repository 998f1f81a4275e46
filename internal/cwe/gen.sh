#!/usr/bin/env bash
# Regenerates cwec.tsv, the MITRE CWE weakness list Embargo ships, from the
# npm package @secvisogram/csaf-validator-lib (BSI, MIT licence), which carries
# MITRE's CWE catalogue as data. Needs npm and node. Run from this directory.
set -euo pipefail
version=2.0.10
sum=073bb0d97648278b2201aeb06d92374a2d1d5a8aafdb0ad5c2267fb9d6057d01
catalogue=4.17
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@secvisogram/csaf-validator-lib@$version" >/dev/null)
echo "$sum  $tmp/secvisogram-csaf-validator-lib-$version.tgz" | sha256sum -c - >/dev/null
tar -xzf "$tmp/secvisogram-csaf-validator-lib-$version.tgz" -C "$tmp" "package/lib/cwec/$catalogue.js"
node --input-type=module -e "
import cat from '$tmp/package/lib/cwec/$catalogue.js';
const rows = cat.weaknesses.map(w => [Number(w.id.slice(4)), w.status, w.usage, w.name]);
rows.sort((a, b) => a[0] - b[0]);
console.log('# MITRE CWE $catalogue (' + cat.date + '), weaknesses: id, status, mapping usage, name.');
console.log('# Source: npm @secvisogram/csaf-validator-lib@$version lib/cwec/$catalogue.js; see README.md.');
for (const r of rows) console.log(r.join('\t'));
" > cwec.tsv
echo "wrote cwec.tsv: $(grep -vc '^#' cwec.tsv) weaknesses"
