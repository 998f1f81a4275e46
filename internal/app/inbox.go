package app

import (
	"context"
	"strconv"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// InboxPageSize is the number of reports on one inbox page.
const InboxPageSize = 50

// InboxFilter selects the reports of an inbox. Empty fields select
// everything; State "open" (the default) selects reports still being
// worked on and "all" every state.
type InboxFilter struct {
	Project  string
	State    string
	Severity string
	// Assignee is "me", "none", or a user id.
	Assignee string
	// Query searches the reports' text (embargo.ParseSearch).
	Query string
	Page  int
}

// Inbox is one page of the reports of the projects a maintainer belongs
// to, nearest deadline first.
type Inbox struct {
	Filter   InboxFilter
	Items    []InboxItem
	Total    int
	Page     int
	Pages    int
	Projects []embargo.Project
	Now      time.Time
	// Searched is how many reports a search opened; SearchCapped is true
	// when the filter selected more than a search opens
	// (store.SearchScanLimit).
	Searched     int
	SearchCapped bool
}

// InboxItem is one report in an inbox.
type InboxItem struct {
	Project  embargo.Project
	Report   embargo.Report
	Assignee string
}

// Inbox lists the reports of the projects u is a member of. An Invalid-kind
// error names a bad filter; filtering by a project u is not a member of is
// Forbidden-kind.
func (a *App) Inbox(ctx context.Context, u embargo.User, f InboxFilter) (Inbox, error) {
	ms, err := a.store.Memberships(ctx, u.ID)
	if err != nil {
		return Inbox{}, err
	}
	if f.State == "" {
		f.State = "open"
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.Page > 100_000 {
		return Inbox{}, embargo.Errorf(embargo.KindInvalid, "page %d is past the end", f.Page)
	}
	search, err := embargo.ParseSearch(f.Query)
	if err != nil {
		return Inbox{}, err
	}
	in := Inbox{Filter: f, Page: f.Page, Now: a.now().UTC()}
	byID := map[int64]embargo.Project{}
	rf := store.ReportFilter{Limit: InboxPageSize, Offset: (f.Page - 1) * InboxPageSize, Severity: f.Severity}
	for _, m := range ms {
		if u.Token != nil && u.Token.ProjectID != 0 && u.Token.ProjectID != m.ProjectID {
			continue // the API token is for another project
		}
		p, err := a.store.Project(ctx, m.ProjectID)
		if err != nil {
			return Inbox{}, err
		}
		byID[p.ID] = p
		in.Projects = append(in.Projects, p)
		if f.Project == "" || f.Project == p.Slug {
			rf.ProjectIDs = append(rf.ProjectIDs, p.ID)
		}
	}
	if f.Project != "" && len(rf.ProjectIDs) == 0 {
		return Inbox{}, embargo.Errorf(embargo.KindForbidden, "you are not a member of a project %q", f.Project)
	}
	switch f.State {
	case "all":
	case "open":
		for _, s := range embargo.States {
			if s.Open() {
				rf.States = append(rf.States, s)
			}
		}
	default:
		if !embargo.State(f.State).Valid() {
			return Inbox{}, embargo.Errorf(embargo.KindInvalid, "unknown state %q", f.State)
		}
		rf.States = []embargo.State{embargo.State(f.State)}
	}
	switch f.Assignee {
	case "":
	case "me":
		rf.AssigneeID = u.ID
	case "none":
		rf.Unassigned = true
	default:
		id, err := strconv.ParseInt(f.Assignee, 10, 64)
		if err != nil || id <= 0 {
			return Inbox{}, embargo.Errorf(embargo.KindInvalid, "assignee must be me, none or a user id")
		}
		rf.AssigneeID = id
	}
	var rs []embargo.Report
	var total int
	if search.Empty() {
		rs, total, err = a.store.Reports(ctx, rf)
	} else {
		var res store.SearchResult
		res, err = a.store.SearchReports(ctx, rf, search)
		rs, total, in.Searched, in.SearchCapped = res.Reports, res.Total, res.Scanned, res.Capped
	}
	if err != nil {
		return Inbox{}, err
	}
	in.Total = total
	in.Pages = max(1, (total+InboxPageSize-1)/InboxPageSize)
	names := map[int64]string{}
	for _, r := range rs {
		it := InboxItem{Project: byID[r.ProjectID], Report: r}
		if r.AssigneeID != 0 {
			if _, ok := names[r.AssigneeID]; !ok {
				names[r.AssigneeID] = a.actorName(ctx, embargo.UserActor(r.AssigneeID))
			}
			it.Assignee = names[r.AssigneeID]
		}
		in.Items = append(in.Items, it)
	}
	return in, nil
}

// SetMember gives a user (by email) a role on a project. Owners of the
// project and instance admins may do it.
func (a *App) SetMember(ctx context.Context, u embargo.User, slug, email string, role embargo.Role) error {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return err
	}
	if !u.IsAdmin {
		if _, _, err := a.require(ctx, u, slug, embargo.RoleOwner); err != nil {
			return err
		}
	}
	target, err := a.store.UserByEmail(ctx, email)
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "no account with email %q", email)
	}
	return a.store.SetMember(ctx, embargo.UserActor(u.ID), p.ID, target.ID, role)
}

// AddMemberCLI gives a user a role on a project from the command line.
func (a *App) AddMemberCLI(ctx context.Context, slug, email string, role embargo.Role) error {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return err
	}
	target, err := a.store.UserByEmail(ctx, email)
	if err != nil {
		return embargo.Errorf(embargo.KindNotFound, "no account with email %q", email)
	}
	return a.store.SetMember(ctx, embargo.ActorCLI, p.ID, target.ID, role)
}

// Memberships lists the projects a maintainer belongs to.
func (a *App) Memberships(ctx context.Context, u embargo.User) ([]embargo.Member, error) {
	return a.store.Memberships(ctx, u.ID)
}

// ProjectByID returns a project, or a NotFound-kind error.
func (a *App) ProjectByID(ctx context.Context, id int64) (embargo.Project, error) {
	return a.store.Project(ctx, id)
}
