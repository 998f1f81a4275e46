// Package csaf encodes advisories as CSAF 2.0 security advisories and lays
// them out as a trusted-provider directory (CSAF 2.0 section 7).
//
// Document turns one published advisory into a CSAF 2.0 document of the
// profile csaf_security_advisory. Files builds the whole tree a CSAF
// trusted provider serves: provider-metadata.json, a ROLIE feed with its
// service and category documents, one folder per year with each document
// and its .sha256, .sha512 and .asc files, index.txt, changes.csv and the
// public OpenPGP key. Both are pure functions of their arguments: the same
// input gives the same bytes, except the OpenPGP signatures, which carry
// the instant they were made.
//
// Layout, under the publisher's BaseURL (the site's root):
//
//	.well-known/csaf/provider-metadata.json
//	.well-known/csaf/service.json                      ROLIE service document
//	.well-known/csaf/openpgp/<FINGERPRINT>.asc         signing key (public)
//	.well-known/csaf/white/csaf-feed-tlp-white.json    ROLIE feed
//	.well-known/csaf/white/category-white.json         ROLIE category document
//	.well-known/csaf/white/index.txt, changes.csv
//	.well-known/csaf/white/<YYYY>/<file>.json (+ .sha256, .sha512, .asc)
//
// Every published advisory is public, so everything is TLP:WHITE (CSAF 2.0
// predates TLP 2.0 and its CLEAR; WHITE is what its schema allows).
//
// Documents: the tracking version is the advisory's revision count
// (integer versioning), the status final, or interim while an affected
// range has no fix yet (an update is expected). Packages become branches
// vendor (the project) → product_name → product_version_range (each
// affected range in vers syntax, "vers:golang/>=1.0.0|<1.2.5", the scheme
// being the ecosystem's purl type, "vers:generic" where versions have no
// order vers knows: Docker tags, Git commits, Generic) and product_version
// (each fixed version), with purls; product ids are hashes of what they
// name, so revisions keep them. CSAF 2.0 knows CVSS up to v3.1: a v4.0
// vector goes into a vulnerability note.
//
// CSAF 2.0 has no "withdrawn" state. A withdrawn advisory stays in the
// tree, marked the way CSAF 2.1 reads a 2.0 document as withdrawn: its last
// revision says it is withdrawn and why (the app records it so), the
// status stays final, the title starts with "Withdrawn: " (what CSAF 2.1's
// converter of 2.0 documents looks for) and a document note titled
// "Reasoning for Withdrawal" (the note 2.1's Withdrawn profile requires)
// gives the date and reason. Product tree and vulnerability stay: the 2.0
// security-advisory profile requires them.
//
// Serving the tree (what gocsaf's csaf_checker verifies): over HTTPS, with
// "application/json" exactly (no charset) for .json files, directory
// listings of the white folder and its year folders (requirement 14; the
// ROLIE feed makes them optional), and SecurityTxtLine in the site's
// security.txt when the tree is at the domain's root.
package csaf

// Fixed values of the documents and the tree.
const (
	csafVersion   = "2.0"
	schemaURL     = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
	engineName    = "Embargo"
	tlpLabel      = "WHITE"
	wellKnown     = ".well-known/csaf"
	distDir       = wellKnown + "/white"
	feedName      = "csaf-feed-tlp-white.json"
	categoryName  = "category-white.json"
	withdrawnNote = "Reasoning for Withdrawal"
)
