package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

func seedInputs(b *testing.B) [][]byte {
	paths, _ := filepath.Glob("testdata/seeds/*.txt")
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// BenchmarkGoldmarkParseSeeds is the baseline: parsing the five seeds with
// goldmark alone.
func BenchmarkGoldmarkParseSeeds(b *testing.B) {
	seeds := seedInputs(b)
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Linkify))
	b.SetBytes(int64(len(bytes.Join(seeds, nil))))
	for b.Loop() {
		for _, s := range seeds {
			md.Parser().Parse(text.NewReader(s))
		}
	}
}

// BenchmarkImportSeeds imports the five seeds: detection, normalisation,
// parsing, extraction and the draft.
func BenchmarkImportSeeds(b *testing.B) {
	seeds := seedInputs(b)
	b.SetBytes(int64(len(bytes.Join(seeds, nil))))
	for b.Loop() {
		for _, s := range seeds {
			if _, err := Import(s, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
