// Package openvex writes OpenVEX documents: the status of each product
// against each advisory.
//
// Document turns one public advisory into an OpenVEX 0.2.0 document
// (https://github.com/openvex/spec) whose statements say, for each
// affected package, which versions are affected and which are fixed; Files
// lays the documents of many advisories out as openvex/<Ref>.json. Both are
// pure functions of their arguments: the same input gives the same bytes.
//
// The document's @id is its URL under Publisher.BaseURL, its author the
// publisher, its timestamp the advisory's last modification and its version
// the advisory's. The vulnerability is named by its CVE id when it has one
// (else by the advisory's Ref), with the other ids as aliases and the
// advisory's page as @id.
//
// Products are packages named by purl (pkg:golang/…, pkg:npm/…, pkg:pypi/…,
// pkg:maven/group/artifact, pkg:cargo/…, pkg:gem/…, pkg:nuget/…,
// pkg:composer/…, pkg:docker/…, pkg:github/… for git repositories there,
// else pkg:generic/…). OpenVEX 0.2.0 has no version ranges (its spec
// leaves them to the purl "vers" proposal), so per affected package:
//
//   - one "affected" statement names the package by its purl without a
//     version (in identifiers only: an @id must not name a set of
//     versions), which OpenVEX tools match against every version of it.
//     Its status_notes give the affected ranges exactly and its required
//     action_statement the versions to update to;
//   - one "fixed" statement names each version that fixes a range
//     (pkg:…@version, as @id and purl). It comes after the affected one
//     with the same timestamp, so for those versions it is the effective
//     statement (the latest matching one). A later version that is not
//     itself listed matches only the package-wide affected statement:
//     status_notes is the authority on ranges.
//
// A withdrawn advisory says its packages are not affected at all:
// "not_affected" with the package-wide purls. OpenVEX requires either a
// justification or an impact_statement for that status; none of its five
// justifications (component_not_present, vulnerable_code_not_present, …)
// describes a withdrawn report, so the statement carries an
// impact_statement saying when and why the advisory was withdrawn.
package openvex

// Context is the JSON-LD context of the documents: OpenVEX 0.2.0.
const Context = "https://openvex.dev/ns/v0.2.0"
