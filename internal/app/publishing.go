package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// EditAdvisory saves what maintainers wrote in an advisory (triager and
// up). A published advisory is never silently rewritten: its change needs a
// summary, which becomes a new revision (version +1, a later modified
// date) in every format. A withdrawn one is final. Errors: Forbidden,
// NotFound, FieldErrors, Conflict.
func (a *App) EditAdvisory(ctx context.Context, u embargo.User, slug, ref string, in AdvisoryInput, change string) (embargo.Advisory, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleTriager)
	if err != nil {
		return embargo.Advisory{}, err
	}
	_, pol, _, err := a.policyInForce(ctx, slug)
	if err != nil {
		return embargo.Advisory{}, err
	}
	cur, err := a.store.Advisory(ctx, p.ID, ref)
	if err != nil {
		return cur, err
	}
	change = strings.Join(strings.Fields(change), " ")
	return a.store.ChangeAdvisory(ctx, cur.ID, embargo.UserActor(u.ID), func(adv *embargo.Advisory, _ []*embargo.Report) (store.AdvisoryChange, error) {
		ch := store.AdvisoryChange{Action: "advisory.edit", Details: map[string]string{"state": string(adv.State)}}
		switch adv.State {
		case embargo.AdvisoryWithdrawn:
			return ch, embargo.Errorf(embargo.KindConflict, "%s is withdrawn: it is not changed any more", adv.Ref)
		case embargo.AdvisoryPublished:
			if change == "" {
				return ch, embargo.FieldErrors{{Field: "change", Message: "a published advisory changes only with a summary of the change (it becomes a new revision)"}}
			}
		}
		if err := in.apply(pol, adv); err != nil {
			return ch, err
		}
		if adv.State == embargo.AdvisoryPublished {
			if err := a.checkPublishable(ctx, p, pol, *adv); err != nil {
				return ch, err
			}
			now := a.now().UTC()
			adv.Version++
			adv.Modified = now
			adv.Revisions = append(adv.Revisions, embargo.AdvisoryRevision{Number: adv.Version, Date: now, Summary: change})
			ch.Action, ch.Details["version"] = "advisory.update", fmt.Sprint(adv.Version)
		}
		return ch, nil
	})
}

// PublishAdvisory publishes an advisory now (owners). Before an agreed
// disclosure date, or without one when the policy wants the reporter's
// agreement, it needs a recorded reason. Errors: Forbidden, NotFound,
// Conflict (already published, or no reason where one is needed).
func (a *App) PublishAdvisory(ctx context.Context, u embargo.User, slug, ref, reason string) (embargo.Advisory, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleOwner)
	if err != nil {
		return embargo.Advisory{}, err
	}
	_, pol, _, err := a.policyInForce(ctx, slug)
	if err != nil {
		return embargo.Advisory{}, err
	}
	cur, err := a.store.Advisory(ctx, p.ID, ref)
	if err != nil {
		return cur, err
	}
	reason = strings.Join(strings.Fields(reason), " ")
	if reason == "" {
		now := a.now()
		for _, id := range cur.ReportIDs {
			evs, err := a.store.Events(ctx, id, "")
			if err != nil {
				return cur, err
			}
			d := DisclosureOf(evs)
			switch {
			case !d.Agreed.IsZero() && now.Before(d.Agreed):
				return cur, embargo.Errorf(embargo.KindConflict, "the disclosure date agreed with the reporter is %s: publishing earlier needs a recorded reason", deadlineText(d.Agreed))
			case d.Agreed.IsZero() && pol.Disclosure.ReporterMustAgree:
				return cur, embargo.Errorf(embargo.KindConflict, "no disclosure date is agreed with the reporter yet: publishing needs their agreement or a recorded reason")
			}
		}
	}
	return a.publish(ctx, p, cur.ID, embargo.UserActor(u.ID), reason)
}

// publish makes an advisory public: version 1, its reports told on their
// threads (and by mail), fixed and won't-fix reports moved to disclosed.
func (a *App) publish(ctx context.Context, p embargo.Project, id int64, actor embargo.Actor, reason string) (embargo.Advisory, error) {
	_, pol, _, err := a.policyInForce(ctx, p.Slug)
	if err != nil {
		return embargo.Advisory{}, err
	}
	mailed := false
	adv, err := a.store.ChangeAdvisory(ctx, id, actor, func(adv *embargo.Advisory, reports []*embargo.Report) (store.AdvisoryChange, error) {
		ch := store.AdvisoryChange{Action: "advisory.publish", Details: map[string]string{}, Reports: map[int64][]store.EventInput{}}
		if adv.State != embargo.AdvisoryDraft && adv.State != embargo.AdvisoryScheduled {
			return ch, embargo.Errorf(embargo.KindConflict, "%s is already %s", adv.Ref, adv.State)
		}
		// On schedule, only at the instant still agreed (an extension may
		// have been accepted since the sweep looked).
		if actor == embargo.ActorSystem && (adv.State != embargo.AdvisoryScheduled || adv.DisclosesAt.After(a.now())) {
			return ch, embargo.Errorf(embargo.KindConflict, "%s is not due", adv.Ref)
		}
		if strings.TrimSpace(adv.Summary) == "" {
			return ch, embargo.Errorf(embargo.KindConflict, "%s has no summary yet", adv.Ref)
		}
		now := a.now().UTC()
		adv.State, adv.Published, adv.Modified, adv.Version = embargo.AdvisoryPublished, now, now, 1
		// The reporters are credited as each one's choice stands now.
		adv.Credits = append(reporterCredits(reports), adv.Credits...)
		if err := a.checkPublishable(ctx, p, pol, *adv); err != nil {
			return ch, err
		}
		adv.Revisions = []embargo.AdvisoryRevision{{Number: 1, Date: now, Summary: "Initial release"}}
		if reason != "" {
			ch.Details["reason"] = "recorded"
		}
		for _, r := range reports {
			ins := []store.EventInput{{Event: embargo.Event{Actor: actor, Kind: embargo.EventAdvisory, Audience: embargo.AudienceThread,
				From: "published", To: adv.Ref}}}
			// The reporter hears of the publication by mail too: where it is
			// and how they are credited (public facts, no report content).
			notice := embargo.Event{Actor: actor, Kind: embargo.EventMessage, Audience: embargo.AudienceThread,
				Body: fmt.Sprintf("The advisory %s about your report is published: %s/p/%s/advisories/%s.html\n\nThank you for reporting it.",
					adv.Ref, strings.TrimRight(a.opts.BaseURL, "/"), p.Slug, adv.Ref)}
			if m, err := a.reporterMail(ctx, p, r, notice); err != nil {
				return ch, err
			} else if m != nil {
				mailed = true
				ins[0].Mail = m
			}
			if reason != "" {
				ins = append(ins, store.EventInput{Event: embargo.Event{Actor: actor, Kind: embargo.EventNote, Audience: embargo.AudienceInternal,
					Body: "Published before the agreed disclosure date: " + reason}})
			}
			if r.State == embargo.StateFixed || r.State == embargo.StateWontFix {
				ev := embargo.Event{Actor: actor, Kind: embargo.EventState, Audience: embargo.AudienceThread, From: string(r.State), To: string(embargo.StateDisclosed)}
				r.State = embargo.StateDisclosed
				r.NextDue, r.NextActionAt = time.Time{}, time.Time{}
				m, err := a.reporterMail(ctx, p, r, ev)
				if err != nil {
					return ch, err
				}
				mailed = mailed || m != nil
				ins = append(ins, store.EventInput{Event: ev, Mail: m, Webhooks: false})
			}
			ch.Reports[r.ID] = ins
		}
		return ch, nil
	})
	if err != nil {
		return adv, fmt.Errorf("app.publish(%d): %w", id, err)
	}
	a.log.Info("advisory published", "project", p.Slug, "advisory", adv.Ref, "actor", string(actor))
	if mailed {
		a.kickOutbox()
	}
	return adv, nil
}

// WithdrawAdvisory marks a published advisory withdrawn (owners): it stays
// public, marked so in every format, with the reason as its last revision.
func (a *App) WithdrawAdvisory(ctx context.Context, u embargo.User, slug, ref, reason string) (embargo.Advisory, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleOwner)
	if err != nil {
		return embargo.Advisory{}, err
	}
	reason = strings.Join(strings.Fields(reason), " ")
	if reason == "" {
		return embargo.Advisory{}, embargo.FieldErrors{{Field: "reason", Message: "say why the advisory is withdrawn (it is published)"}}
	}
	cur, err := a.store.Advisory(ctx, p.ID, ref)
	if err != nil {
		return cur, err
	}
	return a.store.ChangeAdvisory(ctx, cur.ID, embargo.UserActor(u.ID), func(adv *embargo.Advisory, _ []*embargo.Report) (store.AdvisoryChange, error) {
		ch := store.AdvisoryChange{Action: "advisory.withdraw", Details: map[string]string{}}
		if adv.State != embargo.AdvisoryPublished {
			return ch, embargo.Errorf(embargo.KindConflict, "only a published advisory can be withdrawn; %s is %s", adv.Ref, adv.State)
		}
		now := a.now().UTC()
		adv.State, adv.Withdrawn, adv.Modified = embargo.AdvisoryWithdrawn, now, now
		adv.Version++
		adv.Revisions = append(adv.Revisions, embargo.AdvisoryRevision{Number: adv.Version, Date: now, Summary: "Withdrawn: " + reason})
		return ch, nil
	})
}

// PublishDue schedules the drafts whose reports all agreed a date, then
// publishes the scheduled advisories whose agreed disclosure instant has
// come (the SLA sweep's job calls it): nobody has to act.
func (a *App) PublishDue(ctx context.Context) (int, error) {
	// Drafts whose reports all have an agreed date are scheduled (again):
	// an agreement whose scheduling step failed is caught up here.
	drafts, err := a.store.DraftAdvisories(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range drafts {
		if err := a.schedule(ctx, id, embargo.ActorSystem); err != nil {
			a.log.Warn("draft advisory not scheduled", "advisory", id, "err", embargo.MessageOf(err))
		}
	}
	ids, err := a.store.DueAdvisories(ctx, a.now())
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, id := range ids {
		adv, err := a.store.AdvisoryByID(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := a.store.Project(ctx, adv.ProjectID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := a.publish(ctx, p, id, embargo.ActorSystem, ""); err != nil {
			if !errors.Is(err, embargo.ErrConflict) && !errors.Is(err, embargo.ErrInvalid) {
				errs = append(errs, err)
			}
			a.log.Warn("scheduled advisory not published", "project", p.Slug, "advisory", adv.Ref, "err", embargo.MessageOf(err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
