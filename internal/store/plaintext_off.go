//go:build !embargobench

package store

// plaintextAllowed is false in every build but the benchmark's: see
// Options.PlaintextForBenchmark.
const plaintextAllowed = false
