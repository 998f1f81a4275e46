//go:build embargobench

package store

// plaintextAllowed: this build (go run -tags embargobench ./bench/intake)
// may store content unsealed, to measure what sealing costs.
const plaintextAllowed = true
