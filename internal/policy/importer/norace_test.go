//go:build !race

package importer

const slowdown = 1
