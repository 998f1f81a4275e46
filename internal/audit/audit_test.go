package audit

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	prev := ""
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), At: time.Date(2026, 11, 23, 12, 0, i, 123456789, time.UTC), Actor: "cli",
			Action: "project.create", ProjectID: int64(i), Subject: "demo", Details: map[string]string{"b": "2", "a": "1"}, PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		mutate func([]Entry) []Entry
		badSeq int64
	}{
		{"intact", func(es []Entry) []Entry { return es }, 0},
		{"edited detail", func(es []Entry) []Entry { es[2].Details["a"] = "x"; return es }, 3},
		{"edited actor with rehash", func(es []Entry) []Entry { es[1].Actor = "user:9"; es[1].Hash = es[1].ComputeHash(); return es }, 3},
		{"deleted entry", func(es []Entry) []Entry { return append(es[:1], es[2:]...) }, 3},
		{"reordered", func(es []Entry) []Entry { es[1], es[2] = es[2], es[1]; return es }, 3},
		{"truncated head is fine", func(es []Entry) []Entry { return es[:2] }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.mutate(chain(4)))
			var be *BrokenError
			switch {
			case tt.badSeq == 0 && err != nil:
				t.Fatalf("want intact, got %v", err)
			case tt.badSeq != 0 && (!errors.As(err, &be) || be.Seq != tt.badSeq):
				t.Fatalf("want break at %d, got %v", tt.badSeq, err)
			}
		})
	}
}

func TestCanonicalIsStable(t *testing.T) {
	e := chain(1)[0]
	if string(e.Canonical()) != `{"seq":1,"at":"2026-11-23T12:00:01.123456Z","actor":"cli","action":"project.create","project_id":1,"subject":"demo","details":{"a":"1","b":"2"},"prev_hash":""}` {
		t.Fatalf("canonical encoding changed: %s", e.Canonical())
	}
}

func TestCheckpoints(t *testing.T) {
	var entries []Entry
	prev := ""
	for i := int64(1); i <= 3; i++ {
		e := Entry{Seq: i, At: Time(time.Date(2026, 11, 23, 9, 0, int(i), 0, time.UTC)), Actor: "cli", Action: "x", Subject: "s", PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		entries = append(entries, e)
	}
	key := SigningKey(make([]byte, 32))
	other := SigningKey([]byte("0123456789abcdef0123456789abcdef"))
	pub := key.Public().(ed25519.PublicKey)
	good := SignCheckpoint(key, 2, entries[1].Hash, time.Now())
	if err := VerifyCheckpoints(entries, []Checkpoint{good}, pub); err != nil {
		t.Fatal(err)
	}
	for name, cp := range map[string]Checkpoint{
		"forged with another key": SignCheckpoint(other, 2, entries[1].Hash, time.Now()),
		"altered hash":            {Seq: 2, Hash: entries[2].Hash, At: good.At, Signature: good.Signature},
		"beyond the log":          SignCheckpoint(key, 4, "abc", time.Now()),
		"rewritten entry":         SignCheckpoint(key, 3, "not-the-hash", time.Now()),
	} {
		if err := VerifyCheckpoints(entries, []Checkpoint{cp}, pub); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
