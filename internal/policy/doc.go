// Package policy reads, validates and lints Embargo policy files (YAML,
// described by the JSON Schema in policy.schema.json), and renders a
// policy as a SECURITY.md and an RFC 9116 security.txt.
package policy
