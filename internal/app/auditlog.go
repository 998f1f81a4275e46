package app

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/embargo-cvd/embargo/internal/audit"
)

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Entries     int
	Head        string
	Checkpoints int
}

// VerifyAudit checks the whole audit log: numbering without gaps, each
// entry chained to the previous one's hash, each hash recomputed, the last
// entry equal to the chain's recorded head (so cutting entries off the end
// shows), and every signed checkpoint valid under the audit key and still
// matching its entry (so rewriting the whole chain shows). It returns a
// *audit.BrokenError naming the first bad entry.
func (a *App) VerifyAudit(ctx context.Context) (AuditReport, error) {
	n, head, err := a.verifyChain(ctx)
	rep := AuditReport{Entries: n, Head: head}
	if err != nil {
		return rep, err
	}
	cps, err := a.store.Checkpoints(ctx)
	if err != nil {
		return rep, err
	}
	if len(cps) > 0 && a.opts.AuditKey == nil {
		return rep, fmt.Errorf("the log has %d signed checkpoints but no audit key is configured to check them", len(cps))
	}
	entries, err := a.store.AuditLog(ctx)
	if err != nil {
		return rep, err
	}
	if a.opts.AuditKey != nil {
		if err := audit.VerifyCheckpoints(entries, cps, a.opts.AuditKey.Public().(ed25519.PublicKey)); err != nil {
			return rep, err
		}
	}
	rep.Checkpoints = len(cps)
	return rep, nil
}

// Checkpoint signs the audit chain's head when it moved since the last
// checkpoint, and reports whether it wrote one.
func (a *App) Checkpoint(ctx context.Context) (bool, error) {
	if a.opts.AuditKey == nil {
		return false, fmt.Errorf("no audit signing key configured")
	}
	seq, hash, err := a.store.AuditHead(ctx)
	if err != nil || seq == 0 {
		return false, err
	}
	cps, err := a.store.Checkpoints(ctx)
	if err != nil {
		return false, err
	}
	if len(cps) > 0 && cps[len(cps)-1].Seq >= seq {
		return false, nil
	}
	return true, a.store.AddCheckpoint(ctx, audit.SignCheckpoint(a.opts.AuditKey, seq, hash, a.now()))
}

func (a *App) verifyChain(ctx context.Context) (int, string, error) {
	entries, err := a.store.AuditLog(ctx)
	if err != nil {
		return 0, "", err
	}
	if err := audit.Verify(entries); err != nil {
		return len(entries), "", err
	}
	seq, hash, err := a.store.AuditHead(ctx)
	if err != nil {
		return len(entries), "", err
	}
	last := audit.Entry{}
	if len(entries) > 0 {
		last = entries[len(entries)-1]
	}
	switch {
	case seq != last.Seq:
		return len(entries), "", &audit.BrokenError{Seq: last.Seq + 1, Reason: fmt.Sprintf("the log ends at entry %d but its head records entry %d: entries were cut off the end", last.Seq, seq)}
	case hash != last.Hash:
		return len(entries), "", &audit.BrokenError{Seq: last.Seq, Reason: "the last entry is not the one the head records"}
	}
	return len(entries), hash, nil
}
