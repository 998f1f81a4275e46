// Package audit defines Embargo's tamper-evident audit log: each entry
// commits, through a SHA-256 hash over a canonical encoding, to the entry
// before it, so that an edit, a deletion or a reordering breaks the chain.
// Storage lives in the store package; this package is pure.
package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Entry is one audit record.
type Entry struct {
	Seq       int64
	At        time.Time
	Actor     string
	Action    string
	ProjectID int64 // 0 when the entry concerns no project
	Subject   string
	Details   map[string]string
	PrevHash  string // hex; "" for the first entry
	Hash      string // hex
}

// canonical is the fixed-order encoding that is hashed. Map keys in Details
// are sorted by encoding/json; times are UTC with microsecond precision, the
// precision both databases keep.
type canonical struct {
	Seq       int64             `json:"seq"`
	At        string            `json:"at"`
	Actor     string            `json:"actor"`
	Action    string            `json:"action"`
	ProjectID int64             `json:"project_id"`
	Subject   string            `json:"subject"`
	Details   map[string]string `json:"details"`
	PrevHash  string            `json:"prev_hash"`
}

// Canonical returns the bytes an entry's hash is computed over.
func (e Entry) Canonical() []byte {
	d := e.Details
	if d == nil {
		d = map[string]string{}
	}
	b, err := json.Marshal(canonical{e.Seq, Time(e.At).Format(time.RFC3339Nano), e.Actor, e.Action, e.ProjectID, e.Subject, d, e.PrevHash})
	if err != nil {
		panic("audit: canonical encoding: " + err.Error()) // only strings and ints: cannot fail
	}
	return b
}

// ComputeHash returns the hex SHA-256 of the entry's canonical encoding,
// which includes PrevHash.
func (e Entry) ComputeHash() string {
	sum := sha256.Sum256(e.Canonical())
	return hex.EncodeToString(sum[:])
}

// Time normalises an instant to what the log stores and hashes.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// BrokenError names the first entry at which the chain fails.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", e.Seq, e.Reason)
}

// Verify checks a whole log in sequence order: numbering without gaps from
// 1, each PrevHash equal to the previous entry's Hash, each Hash recomputed.
// It returns a *BrokenError for the first bad entry.
func Verify(entries []Entry) error {
	prev := ""
	for i, e := range entries {
		want := int64(i + 1)
		switch {
		case e.Seq != want:
			return &BrokenError{Seq: e.Seq, Reason: fmt.Sprintf("expected entry %d here: an entry is missing or out of order", want)}
		case e.PrevHash != prev:
			return &BrokenError{Seq: e.Seq, Reason: "does not follow the previous entry's hash"}
		case e.ComputeHash() != e.Hash:
			return &BrokenError{Seq: e.Seq, Reason: "content does not match its hash (edited)"}
		}
		prev = e.Hash
	}
	return nil
}

// Checkpoint is a signed statement that the log's entry Seq had hash Hash
// at time At. Someone who rewrites the chain cannot produce checkpoints
// for their version without the signing key, kept like the master key.
type Checkpoint struct {
	Seq       int64
	Hash      string
	At        time.Time
	Signature []byte
}

// checkpointMessage is what a checkpoint's signature covers.
func checkpointMessage(seq int64, hash string, at time.Time) []byte {
	return []byte(fmt.Sprintf("embargo audit checkpoint v1\x00%d\x00%s\x00%s", seq, hash, Time(at).Format(time.RFC3339Nano)))
}

// SignCheckpoint signs the head of a log.
func SignCheckpoint(key ed25519.PrivateKey, seq int64, hash string, at time.Time) Checkpoint {
	at = Time(at)
	return Checkpoint{Seq: seq, Hash: hash, At: at, Signature: ed25519.Sign(key, checkpointMessage(seq, hash, at))}
}

// SigningKey derives the Ed25519 key from a 32-byte seed.
func SigningKey(seed []byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(seed) }

// VerifyCheckpoints checks each checkpoint's signature under pub and that
// the log (already chain-verified) still holds the entry it signed, with
// that hash. It returns a *BrokenError for the first failure.
func VerifyCheckpoints(entries []Entry, cps []Checkpoint, pub ed25519.PublicKey) error {
	for _, cp := range cps {
		switch {
		case !ed25519.Verify(pub, checkpointMessage(cp.Seq, cp.Hash, cp.At), cp.Signature):
			return &BrokenError{Seq: cp.Seq, Reason: "checkpoint signature is not valid (forged checkpoint, or another signing key)"}
		case cp.Seq < 1 || cp.Seq > int64(len(entries)):
			return &BrokenError{Seq: cp.Seq, Reason: fmt.Sprintf("a signed checkpoint vouches for entry %d, but the log has %d entries: entries were removed", cp.Seq, len(entries))}
		case entries[cp.Seq-1].Hash != cp.Hash:
			return &BrokenError{Seq: cp.Seq, Reason: "the entry differs from the one its signed checkpoint vouches for: the chain was rewritten"}
		}
	}
	return nil
}
