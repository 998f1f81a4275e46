package app

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/cwe"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/sla"
	"github.com/embargo-cvd/embargo/internal/store"
)

// ProjectRole returns the role a maintainer has on a project ("" for
// none) and the project. NotFound-kind for an unknown project.
func (a *App) ProjectRole(ctx context.Context, u embargo.User, slug string) (embargo.Project, embargo.Role, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return p, "", err
	}
	role, err := a.store.MemberRole(ctx, p.ID, u.ID)
	return p, effectiveRole(u, p, role), err
}

// require returns the project when u holds at least min on it, else a
// Forbidden-kind error. Instance admins get no implicit access to
// reports: they manage projects and members, and add themselves to read.
func (a *App) require(ctx context.Context, u embargo.User, slug string, min embargo.Role) (embargo.Project, embargo.Role, error) {
	p, role, err := a.ProjectRole(ctx, u, slug)
	if err != nil {
		return p, role, err
	}
	if !role.AtLeast(min) {
		if role == "" && u.Token != nil && u.Token.ProjectID != 0 && u.Token.ProjectID != p.ID {
			return p, role, embargo.Errorf(embargo.KindForbidden, "this API token is for another project")
		}
		if role == "" {
			return p, role, embargo.Errorf(embargo.KindForbidden, "you are not a member of %s", p.Name)
		}
		return p, role, embargo.Errorf(embargo.KindForbidden, "this needs the %s role on %s; you are %s", min, p.Name, role)
	}
	return p, role, nil
}

// Case is a maintainer's view of one report.
type Case struct {
	Project  embargo.Project
	Policy   *embargo.Policy
	Report   embargo.Report
	Role     embargo.Role
	Timeline []TimelineEntry
	Timers   []sla.Timer
	// Next lists the states the report may move to.
	Next    []embargo.State
	Members []embargo.Member
	// CVSS3Score and CVSS4Score are computed from the vectors (0 when unset).
	CVSS3Score, CVSS4Score float64
	// DerivedSeverity is the severity the CVSS score gives, if any.
	DerivedSeverity string
	// Mail is the mail sent (or queued) to the reporter, newest first.
	Mail []store.Outbound
	// Disclosure is where the disclosure negotiation stands.
	Disclosure Disclosure
	Now        time.Time
}

// CanTriage reports whether the viewer may change the report.
func (c Case) CanTriage() bool { return c.Role.AtLeast(embargo.RoleTriager) }

// Case returns the report numbered n of project slug, for a maintainer
// holding at least viewer on it.
func (a *App) Case(ctx context.Context, u embargo.User, slug string, n int64) (Case, error) {
	p, role, err := a.require(ctx, u, slug, embargo.RoleViewer)
	if err != nil {
		return Case{}, err
	}
	r, err := a.store.ReportByNumber(ctx, p.ID, n)
	if err != nil {
		return Case{}, err
	}
	pol, err := a.policyAt(ctx, p, r.PolicyRevision)
	if err != nil {
		return Case{}, err
	}
	evs, err := a.store.Events(ctx, r.ID, "")
	if err != nil {
		return Case{}, err
	}
	entries, err := a.timeline(ctx, evs, false)
	if err != nil {
		return Case{}, err
	}
	members, err := a.store.Members(ctx, p.ID)
	if err != nil {
		return Case{}, err
	}
	now := a.now().UTC()
	c := Case{Project: p, Policy: pol, Report: r, Role: role, Timeline: entries, Timers: timers(pol, r, evs, now),
		Next: embargo.Next(r.State, r.Resume), Members: members, Now: now}
	c.CVSS3Score, c.CVSS4Score, c.DerivedSeverity = scores(pol, r)
	if c.Mail, err = a.store.OutboundFor(ctx, r.ID); err != nil {
		return c, err
	}
	c.Disclosure = DisclosureOf(evs)
	a.disclosureLimits(pol, r, &c.Disclosure)
	return c, nil
}

// change runs a triage change on report n of slug for a maintainer holding
// at least triager, recomputing the report's next deadline from its
// timeline, all in the transaction that stores it.
func (a *App) change(ctx context.Context, u embargo.User, slug string, n int64, op string,
	fn func(r *embargo.Report, pol *embargo.Policy, history []embargo.Event) ([]store.EventInput, error)) (embargo.Report, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleTriager)
	if err != nil {
		return embargo.Report{}, err
	}
	cur, err := a.store.ReportByNumber(ctx, p.ID, n)
	if err != nil {
		return cur, err
	}
	pol, err := a.policyAt(ctx, p, cur.PolicyRevision)
	if err != nil {
		return cur, err
	}
	mailed := false
	r, _, err := a.store.ChangeReport(ctx, cur.ID, func(r *embargo.Report, history []embargo.Event) ([]store.EventInput, error) {
		ins, err := fn(r, pol, history)
		if err != nil {
			return nil, err
		}
		all := append([]embargo.Event(nil), history...)
		now := a.now().UTC()
		for i := range ins {
			ins[i].Event.Actor = embargo.UserActor(u.ID)
			if ins[i].Mail == nil {
				ev := ins[i].Event
				for range ins[i].Attachments {
					ev.Attachments = append(ev.Attachments, embargo.Attachment{})
				}
				if ins[i].Mail, err = a.reporterMail(ctx, p, r, ev); err != nil {
					return nil, err
				}
				mailed = mailed || ins[i].Mail != nil
			}
			ev := ins[i].Event
			ev.At = now
			all = append(all, ev)
		}
		schedule(pol, r, timers(pol, *r, all, now))
		return ins, nil
	})
	if err != nil {
		return r, fmt.Errorf("app.%s(%s#%d): %w", op, slug, n, err)
	}
	if mailed {
		a.kickOutbox()
	}
	return r, nil
}

// Transition moves a report to another state of the state machine; the
// reason is shown on the thread. An illegal move is a Conflict-kind error
// that says why and what is allowed. Duplicates go through MarkDuplicate.
func (a *App) Transition(ctx context.Context, u embargo.User, slug string, n int64, to embargo.State, reason string) (embargo.Report, error) {
	if to == embargo.StateDuplicate {
		return embargo.Report{}, embargo.Errorf(embargo.KindInvalid, "to mark a duplicate, name the original report")
	}
	reason, err := optionalText(reason, "reason")
	if err != nil {
		return embargo.Report{}, err
	}
	return a.change(ctx, u, slug, n, "Transition", func(r *embargo.Report, _ *embargo.Policy, _ []embargo.Event) ([]store.EventInput, error) {
		from := r.State
		if err := embargo.Transition(from, to, r.Resume); err != nil {
			return nil, err
		}
		r.State = to
		switch {
		case to == embargo.StateNeedsInfo:
			r.Resume = from
		case from == embargo.StateNeedsInfo:
			r.Resume = ""
		}
		return []store.EventInput{{Event: embargo.Event{Kind: embargo.EventState, Audience: embargo.AudienceThread,
			From: string(from), To: string(to), Body: reason}}}, nil
	})
}

// MarkDuplicate closes a report as a duplicate of another report of the
// same project. The duplicate's reporter is told on their thread; the
// original's timeline records the duplicate (its reporter's credit is
// then considered with the original's, as the policy's credit rules say).
func (a *App) MarkDuplicate(ctx context.Context, u embargo.User, slug string, n, of int64) (embargo.Report, error) {
	if n == of {
		return embargo.Report{}, embargo.Errorf(embargo.KindInvalid, "a report cannot duplicate itself")
	}
	p, _, err := a.require(ctx, u, slug, embargo.RoleTriager)
	if err != nil {
		return embargo.Report{}, err
	}
	orig, err := a.store.ReportByNumber(ctx, p.ID, of)
	if err != nil {
		return embargo.Report{}, fmt.Errorf("app.MarkDuplicate: the original: %w", err)
	}
	cur, err := a.store.ReportByNumber(ctx, p.ID, n)
	if err != nil {
		return embargo.Report{}, err
	}
	pol, err := a.policyAt(ctx, p, cur.PolicyRevision)
	if err != nil {
		return embargo.Report{}, err
	}
	actor := embargo.UserActor(u.ID)
	// Both reports change in one transaction, checked under their locks:
	// no cycles, no chains.
	r, err := a.store.ChangeReportPair(ctx, cur.ID, orig.ID, func(r, o *embargo.Report, history []embargo.Event, hasDups bool) ([]store.EventInput, []store.EventInput, error) {
		switch {
		case o.DuplicateOf != 0:
			return nil, nil, embargo.Errorf(embargo.KindConflict, "#%d is itself a duplicate: name the report it duplicates", of)
		case hasDups:
			return nil, nil, embargo.Errorf(embargo.KindConflict, "other reports are duplicates of #%d: it cannot become a duplicate itself", n)
		}
		if err := embargo.Transition(r.State, embargo.StateDuplicate, r.Resume); err != nil {
			return nil, nil, err
		}
		from := r.State
		r.State, r.Resume, r.DuplicateOf = embargo.StateDuplicate, "", o.ID
		ev := embargo.Event{Actor: actor, Kind: embargo.EventDuplicate, Audience: embargo.AudienceThread,
			From: string(from), To: string(embargo.StateDuplicate),
			Body: "This report describes the same vulnerability as one we received earlier, so we close it as a duplicate. " +
				"We keep your report with the original and credit you as our policy says."}
		now := a.now().UTC()
		all := append(append([]embargo.Event(nil), history...), embargo.Event{At: now, Kind: ev.Kind, To: ev.To})
		schedule(pol, r, timers(pol, *r, all, now))
		return []store.EventInput{{Event: ev}},
			[]store.EventInput{{Event: embargo.Event{Actor: actor, Kind: embargo.EventDuplicate, Audience: embargo.AudienceInternal,
				From: fmt.Sprintf("#%d", n), Body: fmt.Sprintf("#%d was closed as a duplicate of this report.", n)}}}, nil
	})
	if err != nil {
		return r, fmt.Errorf("app.MarkDuplicate(%s#%d): %w", slug, n, err)
	}
	return r, nil
}

// AddNote adds an internal note, never shown to the reporter or
// collaborators.
func (a *App) AddNote(ctx context.Context, u embargo.User, slug string, n int64, body string, files []Upload) error {
	return a.post(ctx, u, slug, n, embargo.EventNote, embargo.AudienceInternal, body, files)
}

// SendMessage writes to the reporter on their thread.
func (a *App) SendMessage(ctx context.Context, u embargo.User, slug string, n int64, body string, files []Upload) error {
	return a.post(ctx, u, slug, n, embargo.EventMessage, embargo.AudienceThread, body, files)
}

func (a *App) post(ctx context.Context, u embargo.User, slug string, n int64, kind embargo.EventKind, aud embargo.Audience, body string, files []Upload) error {
	body, err := checkBody(body, len(files) > 0)
	if err != nil {
		return err
	}
	stored, err := a.checkFiles(files, int64(len(body)))
	if err != nil {
		return err
	}
	_, err = a.change(ctx, u, slug, n, string(kind), func(*embargo.Report, *embargo.Policy, []embargo.Event) ([]store.EventInput, error) {
		return []store.EventInput{{Event: embargo.Event{Kind: kind, Audience: aud, Body: body}, Attachments: stored}}, nil
	})
	return err
}

// Assign gives the report to a member holding at least triager, or takes
// it back (assignee 0).
func (a *App) Assign(ctx context.Context, u embargo.User, slug string, n, assignee int64) error {
	var name string
	if assignee != 0 {
		p, err := a.store.ProjectBySlug(ctx, slug)
		if err != nil {
			return err
		}
		role, err := a.store.MemberRole(ctx, p.ID, assignee)
		if err != nil {
			return err
		}
		if !role.AtLeast(embargo.RoleTriager) {
			return embargo.Errorf(embargo.KindInvalid, "only a triager or owner of %s can be assigned", p.Name)
		}
		name = a.actorName(ctx, embargo.UserActor(assignee))
	}
	_, err := a.change(ctx, u, slug, n, "Assign", func(r *embargo.Report, _ *embargo.Policy, _ []embargo.Event) ([]store.EventInput, error) {
		if r.AssigneeID == assignee {
			return nil, nil
		}
		from := ""
		if r.AssigneeID != 0 {
			from = a.actorName(ctx, embargo.UserActor(r.AssigneeID))
		}
		r.AssigneeID = assignee
		return []store.EventInput{{Event: embargo.Event{Kind: embargo.EventAssignee, Audience: embargo.AudienceInternal, From: from, To: name}}}, nil
	})
	return err
}

// SetLabels replaces the report's labels (lower-case words, at most 10).
func (a *App) SetLabels(ctx context.Context, u embargo.User, slug string, n int64, labels []string) error {
	clean := map[string]bool{}
	for _, l := range labels {
		for _, part := range strings.FieldsFunc(l, func(r rune) bool { return r == ',' || r == ' ' }) {
			part = strings.ToLower(part)
			if utf8.RuneCountInString(part) > 40 || !utf8.ValidString(part) {
				return embargo.FieldErrors{{Field: "labels", Message: "a label has at most 40 characters"}}
			}
			clean[part] = true
		}
	}
	if len(clean) > 10 {
		return embargo.FieldErrors{{Field: "labels", Message: "at most 10 labels"}}
	}
	out := make([]string, 0, len(clean))
	for l := range clean {
		out = append(out, l)
	}
	sort.Strings(out)
	_, err := a.change(ctx, u, slug, n, "SetLabels", func(r *embargo.Report, _ *embargo.Policy, _ []embargo.Event) ([]store.EventInput, error) {
		from := strings.Join(r.Labels, ", ")
		if from == strings.Join(out, ", ") {
			return nil, nil
		}
		r.Labels = out
		return []store.EventInput{{Event: embargo.Event{Kind: embargo.EventLabels, Audience: embargo.AudienceInternal, From: from, To: strings.Join(out, ", ")}}}, nil
	})
	return err
}

// SetAffected replaces the affected packages and version ranges.
func (a *App) SetAffected(ctx context.Context, u embargo.User, slug string, n int64, affected []embargo.Affected) error {
	if err := embargo.ValidateAffected(affected); err != nil {
		return err
	}
	_, err := a.change(ctx, u, slug, n, "SetAffected", func(r *embargo.Report, _ *embargo.Policy, _ []embargo.Event) ([]store.EventInput, error) {
		from, to := describeAffected(r.Affected), describeAffected(affected)
		if from == to {
			return nil, nil
		}
		r.Affected = affected
		return []store.EventInput{{Event: embargo.Event{Kind: embargo.EventAffected, Audience: embargo.AudienceInternal, From: from, To: to}}}, nil
	})
	return err
}

func describeAffected(as []embargo.Affected) string {
	var parts []string
	for _, a := range as {
		var rs []string
		for _, r := range a.Ranges {
			s := ">=" + r.Introduced
			if r.Fixed != "" {
				s += " <" + r.Fixed
			}
			rs = append(rs, s)
		}
		parts = append(parts, a.Ecosystem+"/"+a.Package+" "+strings.Join(rs, ", "))
	}
	return strings.Join(parts, "; ")
}

func optionalText(s, field string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 10_000 {
		return "", embargo.FieldErrors{{Field: field, Message: "the " + field + " must be valid text of at most 10000 characters"}}
	}
	return s, nil
}

// CaseAttachment returns a file of report n (thread or internal) for a
// maintainer holding at least viewer.
func (a *App) CaseAttachment(ctx context.Context, u embargo.User, slug string, n, id int64) (embargo.Attachment, []byte, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleViewer)
	if err != nil {
		return embargo.Attachment{}, nil, err
	}
	r, err := a.store.ReportByNumber(ctx, p.ID, n)
	if err != nil {
		return embargo.Attachment{}, nil, err
	}
	return a.store.Attachment(ctx, r.ID, id, "")
}

// ProjectMembers lists a project's members for a member of it, with the
// caller's role.
func (a *App) ProjectMembers(ctx context.Context, u embargo.User, slug string) (embargo.Project, embargo.Role, []embargo.Member, error) {
	p, role, err := a.require(ctx, u, slug, embargo.RoleViewer)
	if err != nil {
		return p, role, nil, err
	}
	ms, err := a.store.Members(ctx, p.ID)
	return p, role, ms, err
}

// SetCWEs replaces the report's weaknesses, each validated against the
// MITRE CWE catalogue shipped in the binary (cwe.Version).
func (a *App) SetCWEs(ctx context.Context, u embargo.User, slug string, n int64, refs []string) error {
	var ids []string
	seen := map[string]bool{}
	for _, r := range refs {
		for _, part := range strings.FieldsFunc(r, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }) {
			w, err := cwe.Check(part)
			if err != nil {
				return embargo.FieldErrors{{Field: "cwe", Message: err.Error()}}
			}
			if !seen[w.Ref()] {
				seen[w.Ref()] = true
				ids = append(ids, w.Ref())
			}
		}
	}
	if len(ids) > 10 {
		return embargo.FieldErrors{{Field: "cwe", Message: "at most 10 weaknesses"}}
	}
	_, err := a.change(ctx, u, slug, n, "SetCWEs", func(r *embargo.Report, _ *embargo.Policy, _ []embargo.Event) ([]store.EventInput, error) {
		from, to := strings.Join(r.CWEs, ", "), strings.Join(ids, ", ")
		if from == to {
			return nil, nil
		}
		r.CWEs = ids
		return []store.EventInput{{Event: embargo.Event{Kind: embargo.EventCWE, Audience: embargo.AudienceInternal, From: from, To: to}}}, nil
	})
	return err
}

// Weaknesses returns the catalogue entries of a report's CWE ids.
func (c Case) Weaknesses() []cwe.Weakness {
	var out []cwe.Weakness
	for _, id := range c.Report.CWEs {
		if w, ok := cwe.Lookup(id); ok {
			out = append(out, w)
		}
	}
	return out
}

// CWEVersion names the catalogue CWE ids are checked against.
func (c Case) CWEVersion() string { return cwe.Version }
