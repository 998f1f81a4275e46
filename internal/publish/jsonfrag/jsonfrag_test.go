package jsonfrag

import (
	"bytes"
	"testing"
)

type inner struct {
	ID   string   `json:"id"`
	Tags []string `json:"tags"`
	HTML string   `json:"html"`
}

type doc struct {
	Name string `json:"name"`
	Feed struct {
		Title   string  `json:"title"`
		Entries []inner `json:"entries"`
		After   int     `json:"after"`
	} `json:"feed"`
}

var elems = []inner{{ID: "a", Tags: []string{"x", "y"}, HTML: "<b>&</b>"}, {ID: "b", Tags: []string{}}, {ID: "c"}}

// TestSpliceIsWholeEncoding: a document spliced from kept elements is
// byte for byte the document encoded at once.
func TestSpliceIsWholeEncoding(t *testing.T) {
	for n := 0; n <= len(elems); n++ {
		var whole doc
		whole.Name, whole.Feed.Title, whole.Feed.After = "n", "t", 3
		whole.Feed.Entries = elems[:n]
		want, err := Marshal(whole)
		if err != nil {
			t.Fatal(err)
		}
		empty := whole
		empty.Feed.Entries = []inner{}
		head, err := Marshal(empty)
		if err != nil {
			t.Fatal(err)
		}
		var kept [][]byte
		for _, e := range elems[:n] {
			b, err := Element(e, 3)
			if err != nil {
				t.Fatal(err)
			}
			kept = append(kept, b)
		}
		got, err := Splice(head, "entries", kept, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d elements: spliced\n%s\nwant\n%s", n, got, want)
		}
	}
}

func TestArrayIsWholeEncoding(t *testing.T) {
	for n := 0; n <= len(elems); n++ {
		want, err := Marshal(append([]inner{}, elems[:n]...))
		if err != nil {
			t.Fatal(err)
		}
		var kept [][]byte
		for _, e := range elems[:n] {
			b, err := Element(e, 1)
			if err != nil {
				t.Fatal(err)
			}
			kept = append(kept, b)
		}
		if got := Array(kept); !bytes.Equal(got, want) {
			t.Errorf("%d elements: %s, want %s", n, got, want)
		}
	}
}

func TestSpliceWithoutArray(t *testing.T) {
	if _, err := Splice([]byte("{\n  \"other\": []\n}\n"), "entries", [][]byte{[]byte("1")}, 1); err == nil {
		t.Error("Splice found an array that is not there")
	}
}
