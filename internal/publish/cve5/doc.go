// Package cve5 writes CVE JSON 5 records (CVE Record Format 5.x) a CNA
// submits for its advisories.
//
// Record turns one public advisory with a CVE id into the record the CNA
// uploads to CVE Services: state PUBLISHED with the CNA container (title,
// description, affected packages and version ranges, CWE problem types,
// CVSS metrics, references, credits), or state REJECTED with the reason
// when the advisory was withdrawn. Files lays the records of many
// advisories out as cve/<CVE-ID>.json. Both are pure functions of their
// arguments: the same input gives the same bytes.
//
// The records follow the CVE Record Format 5.1.0 schema, which the tests
// vendor in testdata/schema (see its README) and validate every record
// against. Notes on the mapping:
//
//   - assignerOrgId and providerMetadata.orgId are the CNA's organisation
//     UUID, which only the CVE Program knows: the caller passes it. It is
//     required by the schema, so no placeholder is ever written: without it
//     Record returns an error naming the missing value.
//   - Timestamps are UTC with whole seconds ("2026-03-01T12:00:00Z"), so a
//     record does not change with the precision of the stored instants.
//   - Each affected package is a product of the publisher (vendor), with
//     the package collection (collectionURL + packageName) of its
//     ecosystem when it has one. Each OSV range [introduced, fixed) becomes
//     a version entry {version, lessThan, status affected}; an unfixed one
//     has lessThan "*". defaultStatus is unaffected.
//   - OSV credit types become the CVE credit types (REMEDIATION_DEVELOPER
//     is "remediation developer", and so on); anonymous reporters are not
//     in the advisory, so not in the record.
//   - The advisory's own page (under Publisher.BaseURL) is the first
//     reference, tagged vendor-advisory; OSV reference types map to CVE
//     reference tags where one fits (FIX is patch, REPORT issue-tracking,
//     DETECTION signature, PACKAGE product, ADVISORY vendor- or
//     third-party-advisory by host).
package cve5

// DataVersion is the CVE Record Format version the records declare: the
// version of the schema they are validated against.
const DataVersion = "5.1.0"
