package app

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/audit"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
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

// AuditView is one page of the audit log as the audit page shows it.
type AuditView struct {
	Project *embargo.Project
	Entries []AuditLine
	Actor   string
	Report  string
	Next    int64 // the Before of the next (older) page, 0 at the end
}

// AuditLine is an entry with a readable actor.
type AuditLine struct {
	audit.Entry
	Who string
}

// AuditEntries returns a page of the audit log: instance-wide for the
// instance admin (slug ""), one project's for its owners. actor filters by
// "user:N", "reporter", "cli" …; report by a report number of the project.
func (a *App) AuditEntries(ctx context.Context, u embargo.User, slug, actor, report string, before int64) (AuditView, error) {
	v := AuditView{Actor: actor, Report: report}
	f := store.AuditFilter{Actor: actor, Before: before, Limit: 100}
	if slug == "" {
		if !u.IsAdmin {
			return v, embargo.Errorf(embargo.KindForbidden, "the whole audit log is for the instance admin")
		}
	} else {
		p, _, err := a.require(ctx, u, slug, embargo.RoleOwner)
		if err != nil {
			return v, err
		}
		v.Project, f.ProjectID = &p, p.ID
		if report != "" {
			n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(report), "#"), 10, 64)
			if err != nil {
				return v, embargo.Errorf(embargo.KindInvalid, "report must be a report number, such as 12")
			}
			r, err := a.store.ReportByNumber(ctx, p.ID, n)
			if err != nil {
				return v, err
			}
			f.Subject = fmt.Sprintf("report:%d", r.ID)
		}
	}
	es, err := a.store.AuditEntries(ctx, f)
	if err != nil {
		return v, err
	}
	names := map[string]string{}
	for _, e := range es {
		who, ok := names[e.Actor]
		if !ok {
			who = a.actorName(ctx, embargo.Actor(e.Actor))
			names[e.Actor] = who
		}
		v.Entries = append(v.Entries, AuditLine{Entry: e, Who: who})
	}
	if len(es) == f.Limit {
		v.Next = es[len(es)-1].Seq
	}
	return v, nil
}
