// Package embargo holds Embargo's domain: the policy a project promises its
// reporters, durations and business calendars, and the error kinds every
// other package reports. It imports the standard library only: no SQL, no
// HTTP, no I/O.
package embargo
