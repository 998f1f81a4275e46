package app

import (
	"context"
	"fmt"

	"github.com/embargo-cvd/embargo/internal/audit"
)

// VerifyAudit checks the whole audit log: numbering without gaps, each
// entry chained to the previous one's hash, each hash recomputed, and the
// last entry equal to the chain's recorded head (so cutting entries off
// the end shows). It returns the number of entries and the head hash, or
// a *audit.BrokenError naming the first bad entry.
func (a *App) VerifyAudit(ctx context.Context) (int, string, error) {
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
