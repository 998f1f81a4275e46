package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/sla"
	"github.com/embargo-cvd/embargo/internal/store"
)

// Disclosure is where a report's disclosure negotiation stands.
type Disclosure struct {
	// Proposed is the pending proposal (zero when none), by ProposedBy.
	Proposed   time.Time
	ProposedBy embargo.Actor
	Reason     string
	// Agreed is the instant both sides agreed on (zero until then).
	Agreed time.Time
	// FirstOffer is the policy's default embargo counted from the
	// report's arrival (zero when the policy sets none).
	FirstOffer time.Time
	// Latest is the furthest date the policy's maximum allows (zero: no
	// maximum).
	Latest time.Time
}

// ByReporter reports whether the pending proposal is the reporter's.
func (d Disclosure) ByReporter() bool { return d.ProposedBy == embargo.ActorReporter }

// DisclosureOf reads the negotiation from a report's timeline.
func DisclosureOf(evs []embargo.Event) Disclosure {
	var d Disclosure
	for _, e := range evs {
		if e.Kind != embargo.EventDisclosure {
			continue
		}
		at, err := time.Parse(time.RFC3339, e.To)
		if err != nil {
			continue
		}
		switch e.From {
		case "proposed":
			d.Proposed, d.ProposedBy, d.Reason = at.UTC(), e.Actor, e.Body
		case "agreed":
			d.Agreed, d.Proposed, d.ProposedBy, d.Reason = at.UTC(), time.Time{}, "", ""
		}
	}
	return d
}

func (a *App) disclosureLimits(pol *embargo.Policy, r embargo.Report, d *Disclosure) {
	if !pol.Disclosure.DefaultEmbargo.IsZero() {
		d.FirstOffer, _ = sla.Deadline(r.ReceivedAt, pol.Disclosure.DefaultEmbargo, pol.Calendar)
	}
	if !pol.Disclosure.MaxEmbargo.IsZero() {
		d.Latest, _ = sla.Deadline(r.ReceivedAt, pol.Disclosure.MaxEmbargo, pol.Calendar)
	}
}

// ReportDisclosure returns a report's negotiation with the policy's first
// offer and limit.
func (a *App) ReportDisclosure(ctx context.Context, p embargo.Project, r embargo.Report) (Disclosure, error) {
	pol, err := a.policyAt(ctx, p, r.PolicyRevision)
	if err != nil {
		return Disclosure{}, err
	}
	evs, err := a.store.Events(ctx, r.ID, embargo.AudienceThread)
	if err != nil {
		return Disclosure{}, err
	}
	d := DisclosureOf(evs)
	a.disclosureLimits(pol, r, &d)
	return d, nil
}

// negotiate records a proposal or an acceptance on a report's thread. A
// proposal is in the future, within the policy's maximum embargo, and an
// extension of an agreed date carries a reason; an acceptance takes the
// other side's pending proposal. An agreement schedules the report's draft
// advisories at the agreed instant.
func (a *App) negotiate(ctx context.Context, p embargo.Project, reportID int64, by embargo.Actor, accept bool, at time.Time, reason string) error {
	pol, err := a.reportPolicy(ctx, p, reportID)
	if err != nil {
		return err
	}
	reason = strings.Join(strings.Fields(reason), " ")
	var agreed time.Time
	_, _, err = a.store.ChangeReport(ctx, reportID, func(r *embargo.Report, history []embargo.Event) ([]store.EventInput, error) {
		if !r.State.Open() {
			return nil, embargo.Errorf(embargo.KindConflict, "the report is %s: there is no disclosure to agree any more", r.State)
		}
		d := DisclosureOf(history)
		a.disclosureLimits(pol, *r, &d)
		now := a.now().UTC()
		ev := embargo.Event{Actor: by, Kind: embargo.EventDisclosure, Audience: embargo.AudienceThread}
		if accept {
			switch {
			case d.Proposed.IsZero():
				return nil, embargo.Errorf(embargo.KindConflict, "there is no proposed date to accept")
			case !at.IsZero() && !at.Equal(d.Proposed):
				return nil, embargo.Errorf(embargo.KindConflict, "the proposal changed meanwhile: it is now %s", deadlineText(d.Proposed))
			case (d.ProposedBy == embargo.ActorReporter) == (by == embargo.ActorReporter):
				return nil, embargo.Errorf(embargo.KindConflict, "the other side accepts a proposal, not the side that made it")
			case !d.Proposed.After(now):
				return nil, embargo.Errorf(embargo.KindConflict, "the proposed date has passed: propose another")
			}
			ev.From, ev.To = "agreed", d.Proposed.Format(time.RFC3339)
			agreed = d.Proposed
		} else {
			at = at.UTC().Truncate(time.Minute)
			switch {
			case !at.After(now):
				return nil, embargo.FieldErrors{{Field: "at", Message: "propose a date in the future"}}
			case !d.Latest.IsZero() && at.After(d.Latest):
				return nil, embargo.FieldErrors{{Field: "at", Message: fmt.Sprintf("the policy allows an embargo until %s at most", deadlineText(d.Latest))}}
			case !d.Agreed.IsZero() && at.After(d.Agreed) && reason == "":
				return nil, embargo.FieldErrors{{Field: "reason", Message: "an extension of the agreed date needs a reason"}}
			}
			ev.From, ev.To, ev.Body = "proposed", at.Format(time.RFC3339), reason
		}
		m, err := a.reporterMailFor(ctx, p, r, by, ev)
		if err != nil {
			return nil, err
		}
		return []store.EventInput{{Event: ev, Mail: m}}, nil
	})
	if err != nil {
		return err
	}
	a.kickOutbox()
	if !agreed.IsZero() {
		return a.scheduleAdvisories(ctx, reportID, by)
	}
	return nil
}

// reportPolicy is the policy a report was received under.
func (a *App) reportPolicy(ctx context.Context, p embargo.Project, reportID int64) (*embargo.Policy, error) {
	r, err := a.store.Report(ctx, reportID)
	if err != nil {
		return nil, err
	}
	return a.policyAt(ctx, p, r.PolicyRevision)
}

// reporterMailFor mails the reporter a maintainer's step of the
// negotiation (the reporter's own steps are not mailed back).
func (a *App) reporterMailFor(ctx context.Context, p embargo.Project, r *embargo.Report, by embargo.Actor, ev embargo.Event) (*store.MailChange, error) {
	if by == embargo.ActorReporter {
		return nil, nil
	}
	msg := ev
	msg.Kind = embargo.EventMessage
	at, _ := time.Parse(time.RFC3339, ev.To)
	if ev.From == "agreed" {
		msg.Body = fmt.Sprintf("We accept your proposed disclosure date: %s. The advisory will be published then.", deadlineText(at))
	} else {
		msg.Body = fmt.Sprintf("We propose to disclose on %s. Accept it or propose another date in your private thread.", deadlineText(at))
		if ev.Body != "" {
			msg.Body += "\n\nReason: " + ev.Body
		}
	}
	return a.reporterMail(ctx, p, r, msg)
}

// scheduleAdvisories schedules the draft advisories of a report for the
// latest date agreed on all their reports, once every one has one.
func (a *App) scheduleAdvisories(ctx context.Context, reportID int64, by embargo.Actor) error {
	ids, err := a.store.AdvisoriesOfReport(ctx, reportID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := a.schedule(ctx, id, by); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) schedule(ctx context.Context, id int64, by embargo.Actor) error {
	_, err := a.store.ChangeAdvisory(ctx, id, by, func(adv *embargo.Advisory, reports []*embargo.Report) (store.AdvisoryChange, error) {
		ch := store.AdvisoryChange{Action: "advisory.schedule", Details: map[string]string{}}
		if adv.State != embargo.AdvisoryDraft && adv.State != embargo.AdvisoryScheduled {
			return store.AdvisoryChange{None: true}, nil
		}
		var latest time.Time
		for _, r := range reports {
			evs, err := a.store.Events(ctx, r.ID, embargo.AudienceThread)
			if err != nil {
				return ch, err
			}
			d := DisclosureOf(evs)
			if d.Agreed.IsZero() {
				return store.AdvisoryChange{None: true}, nil // not every reporter has agreed yet
			}
			if d.Agreed.After(latest) {
				latest = d.Agreed
			}
		}
		if adv.State == embargo.AdvisoryScheduled && adv.DisclosesAt.Equal(latest) {
			return store.AdvisoryChange{None: true}, nil
		}
		adv.State, adv.DisclosesAt = embargo.AdvisoryScheduled, latest
		ch.Details["at"] = latest.Format(time.RFC3339)
		return ch, nil
	})
	return err
}

// ProposeDisclosure records a maintainer's proposal (triager and up).
func (a *App) ProposeDisclosure(ctx context.Context, u embargo.User, slug string, n int64, at time.Time, reason string) error {
	p, r, err := a.triagerReport(ctx, u, slug, n)
	if err != nil {
		return err
	}
	return a.negotiate(ctx, p, r.ID, embargo.UserActor(u.ID), false, at, reason)
}

// AcceptDisclosure accepts the reporter's proposal (triager and up); seen
// is the proposed instant the maintainer saw (zero: whatever is pending),
// so that a proposal changed meanwhile is not accepted unseen.
func (a *App) AcceptDisclosure(ctx context.Context, u embargo.User, slug string, n int64, seen time.Time) error {
	p, r, err := a.triagerReport(ctx, u, slug, n)
	if err != nil {
		return err
	}
	return a.negotiate(ctx, p, r.ID, embargo.UserActor(u.ID), true, seen, "")
}

// ReporterProposeDisclosure records the reporter's proposal.
func (a *App) ReporterProposeDisclosure(ctx context.Context, token string, at time.Time, reason string) error {
	r, err := a.threadReport(ctx, token)
	if err != nil {
		return err
	}
	p, err := a.store.Project(ctx, r.ProjectID)
	if err != nil {
		return err
	}
	return a.negotiate(ctx, p, r.ID, embargo.ActorReporter, false, at, reason)
}

// ReporterAcceptDisclosure accepts the maintainers' proposal; seen is the
// proposed instant the reporter saw (zero: whatever is pending).
func (a *App) ReporterAcceptDisclosure(ctx context.Context, token string, seen time.Time) error {
	r, err := a.threadReport(ctx, token)
	if err != nil {
		return err
	}
	p, err := a.store.Project(ctx, r.ProjectID)
	if err != nil {
		return err
	}
	return a.negotiate(ctx, p, r.ID, embargo.ActorReporter, true, seen, "")
}

func (a *App) triagerReport(ctx context.Context, u embargo.User, slug string, n int64) (embargo.Project, embargo.Report, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleTriager)
	if err != nil {
		return p, embargo.Report{}, err
	}
	r, err := a.store.ReportByNumber(ctx, p.ID, n)
	return p, r, err
}
