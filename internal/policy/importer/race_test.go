//go:build race

package importer

// The race detector slows this package's tests about tenfold.
const slowdown = 10
