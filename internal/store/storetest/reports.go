package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

func newProject(t *testing.T, s *store.Store, slug string) embargo.Project {
	t.Helper()
	p, err := s.CreateProject(context.Background(), store.NewProject{Slug: slug, Name: slug, Policy: policy, Actor: embargo.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newReport(t *testing.T, s *store.Store, p embargo.Project, title string, files ...store.NewAttachment) embargo.Report {
	t.Helper()
	_, hash := embargo.NewToken()
	r, replay, err := s.CreateReport(context.Background(), store.NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeWeb,
		ThreadHash: hash, Content: embargo.ReportContent{Title: title, Description: "details of " + title}, Attachments: files})
	if err != nil || replay {
		t.Fatalf("CreateReport: %v (replay %v)", err, replay)
	}
	return r
}

func testReports(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p := newProject(t, s, "demo")
	other := newProject(t, s, "other")
	token, hash := embargo.NewToken()
	content := embargo.ReportContent{Title: "SQL injection in search", Description: "The q parameter is concatenated.",
		Contact: "reporter@example.net", Credit: embargo.CreditPreference{Mode: embargo.CreditHandle, Name: "finder"}}
	r, replay, err := s.CreateReport(ctx, store.NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeWeb,
		ThreadHash: hash, Content: content, NextDue: clock.Now().Add(48 * time.Hour),
		Attachments: []store.NewAttachment{{Name: "poc.py", ContentType: "text/x-python", Data: []byte("print('poc')")}}})
	if err != nil || replay {
		t.Fatal(err, replay)
	}
	if r.Number != 1 || r.State != embargo.StateNew || !r.ReceivedAt.Equal(clock.Now()) || !r.NextDue.Equal(clock.Now().Add(48*time.Hour)) {
		t.Fatalf("created %+v", r)
	}
	for name, get := range map[string]func() (embargo.Report, error){
		"Report":         func() (embargo.Report, error) { return s.Report(ctx, r.ID) },
		"ReportByNumber": func() (embargo.Report, error) { return s.ReportByNumber(ctx, p.ID, 1) },
		"ReportByThread": func() (embargo.Report, error) { return s.ReportByThread(ctx, embargo.HashToken(token)) },
	} {
		got, err := get()
		if err != nil || got.ID != r.ID || got.Content != content || got.Number != 1 {
			t.Fatalf("%s = %+v, %v", name, got, err)
		}
	}
	if _, err := s.ReportByThread(ctx, embargo.HashToken("wrong")); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("unknown thread: %v", err)
	}
	if _, err := s.ReportByNumber(ctx, other.ID, 1); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("a report is found under another project: %v", err)
	}
	// Numbers count per project.
	if r2 := newReport(t, s, p, "second"); r2.Number != 2 {
		t.Fatalf("second report number %d", r2.Number)
	}
	if r3 := newReport(t, s, other, "elsewhere"); r3.Number != 1 {
		t.Fatalf("other project's first report number %d", r3.Number)
	}
	// Intake rules' labels and notes come with the report.
	_, h2 := embargo.NewToken()
	flagged, _, err := s.CreateReport(ctx, store.NewReport{ProjectID: other.ID, PolicyRevision: 1, Channel: embargo.IntakeAPI, ThreadHash: h2,
		Content: embargo.ReportContent{Title: "t", Description: "d"}, Labels: []string{"public-cve"}, Notes: []string{"names CVE-2024-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Report(ctx, flagged.ID); len(got.Labels) != 1 || got.Labels[0] != "public-cve" {
		t.Fatalf("labels %v", got.Labels)
	}
	if evs, _ := s.Events(ctx, flagged.ID, ""); len(evs) != 2 || evs[1].Kind != embargo.EventNote || evs[1].Body != "names CVE-2024-1" || evs[1].Audience != embargo.AudienceInternal {
		t.Fatalf("intake note: %+v", evs)
	}
	evs, err := s.Events(ctx, r.ID, "")
	if err != nil || len(evs) != 1 || evs[0].Kind != embargo.EventSubmitted || len(evs[0].Attachments) != 1 {
		t.Fatalf("events %+v, %v", evs, err)
	}
	att := evs[0].Attachments[0]
	if att.Name != "poc.py" || att.Size != 12 || att.SHA256 == "" {
		t.Fatalf("attachment %+v", att)
	}
	a, data, err := s.Attachment(ctx, r.ID, att.ID, embargo.AudienceThread)
	if err != nil || string(data) != "print('poc')" || a.ContentType != "text/x-python" {
		t.Fatalf("Attachment = %+v %q %v", a, data, err)
	}
	if _, _, err := s.Attachment(ctx, r.ID+1, att.ID, ""); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("attachment under another report: %v", err)
	}
	// Nothing the reporter wrote reaches the audit log.
	log, err := s.AuditLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if e.Action == "report.submit" && !strings.HasPrefix(e.Subject, "report:") {
			t.Fatalf("audit subject %q", e.Subject)
		}
		for _, v := range e.Details {
			if strings.Contains(v, "SQL injection") || strings.Contains(v, "reporter@") || strings.Contains(v, "poc") {
				t.Fatalf("report content in the audit log: %+v", e)
			}
		}
	}
}

func testReportIdempotency(t *testing.T, open Opener) {
	s := open(t, NewClock())
	ctx := context.Background()
	p := newProject(t, s, "demo")
	submit := func(key, digest string) (embargo.Report, bool, error) {
		_, hash := embargo.NewToken()
		return s.CreateReport(ctx, store.NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeAPI, ThreadHash: hash,
			IdempotencyKey: key, RequestSHA256: digest, Content: embargo.ReportContent{Title: "t", Description: "d"}})
	}
	// Concurrent retries of one request create one report.
	var wg sync.WaitGroup
	ids := make(chan int64, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _, err := submit("key-1", "digest-a")
			if err != nil {
				t.Error(err)
				return
			}
			ids <- r.ID
		}()
	}
	wg.Wait()
	close(ids)
	var first int64
	for id := range ids {
		if first == 0 {
			first = id
		}
		if id != first {
			t.Fatalf("retries created reports %d and %d", first, id)
		}
	}
	r, replay, err := submit("key-1", "digest-a")
	if err != nil || !replay || r.ID != first {
		t.Fatalf("replay = %+v %v %v", r, replay, err)
	}
	if _, _, err := submit("key-1", "digest-b"); !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("same key, different request: %v", err)
	}
	if r, replay, err := submit("key-2", "digest-b"); err != nil || replay || r.Number != 2 {
		t.Fatalf("new key: %+v %v %v", r, replay, err)
	}
}

func testReportNumbersUnderConcurrency(t *testing.T, open Opener) {
	s := open(t, NewClock())
	p := newProject(t, s, "demo")
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int64]bool{}
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, hash := embargo.NewToken()
			r, _, err := s.CreateReport(context.Background(), store.NewReport{ProjectID: p.ID, PolicyRevision: 1, Channel: embargo.IntakeAPI,
				ThreadHash: hash, Content: embargo.ReportContent{Title: fmt.Sprint(i), Description: "d"}})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen[r.Number] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	for n := int64(1); n <= 10; n++ {
		if !seen[n] {
			t.Fatalf("numbers %v: %d missing", seen, n)
		}
	}
}

func testChangeReport(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p := newProject(t, s, "demo")
	r := newReport(t, s, p, "XSS in the wiki")
	clock.Advance(time.Hour)
	actor := embargo.UserActor(7)
	got, evs, err := s.ChangeReport(ctx, r.ID, func(r *embargo.Report, history []embargo.Event) ([]store.EventInput, error) {
		if len(history) != 1 || history[0].Kind != embargo.EventSubmitted {
			return nil, fmt.Errorf("history %+v", history)
		}
		from := r.State
		r.State = embargo.StateAcknowledged
		r.Labels = []string{"web"}
		r.CWEs = []string{"CWE-79"}
		return []store.EventInput{
			{Event: embargo.Event{Actor: actor, Kind: embargo.EventState, Audience: embargo.AudienceThread, From: string(from), To: string(r.State)}},
			{Event: embargo.Event{Actor: actor, Kind: embargo.EventNote, Audience: embargo.AudienceInternal, Body: "looks real; internal-only-words"},
				Attachments: []store.NewAttachment{{Name: "trace.txt", ContentType: "text/plain", Data: []byte("trace")}}},
			{Event: embargo.Event{Actor: actor, Kind: embargo.EventMessage, Audience: embargo.AudienceThread, Body: "Thanks, we are on it."}},
		}, nil
	})
	if err != nil || got.State != embargo.StateAcknowledged || len(evs) != 3 || evs[0].ID == 0 || !got.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("ChangeReport = %+v %+v %v", got, evs, err)
	}
	stored, _ := s.Report(ctx, r.ID)
	if stored.State != embargo.StateAcknowledged || len(stored.Labels) != 1 || stored.CWEs[0] != "CWE-79" || stored.Content.Title != "XSS in the wiki" {
		t.Fatalf("stored %+v", stored)
	}
	all, _ := s.Events(ctx, r.ID, "")
	thread, _ := s.Events(ctx, r.ID, embargo.AudienceThread)
	if len(all) != 4 || len(thread) != 3 {
		t.Fatalf("all %d events, thread %d", len(all), len(thread))
	}
	for _, ev := range thread {
		if ev.Kind == embargo.EventNote || strings.Contains(ev.Body, "internal-only") {
			t.Fatalf("an internal note reached the thread: %+v", ev)
		}
	}
	note := all[2]
	if note.Body != "looks real; internal-only-words" || len(note.Attachments) != 1 {
		t.Fatalf("note %+v", note)
	}
	if _, _, err := s.Attachment(ctx, r.ID, note.Attachments[0].ID, embargo.AudienceThread); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("an internal attachment is reachable from the thread: %v", err)
	}
	// A refused change stores nothing.
	before, _ := s.AuditLog(ctx)
	_, _, err = s.ChangeReport(ctx, r.ID, func(r *embargo.Report, _ []embargo.Event) ([]store.EventInput, error) {
		r.State = embargo.StateDisclosed
		return nil, embargo.Errorf(embargo.KindConflict, "no")
	})
	if !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("refused change: %v", err)
	}
	after, _ := s.AuditLog(ctx)
	if stored, _ := s.Report(ctx, r.ID); stored.State != embargo.StateAcknowledged || len(after) != len(before) {
		t.Fatalf("a refused change left traces: %s, %d→%d audit entries", stored.State, len(before), len(after))
	}
	var kinds []string
	for _, e := range after {
		if e.Subject == fmt.Sprintf("report:%d", r.ID) {
			kinds = append(kinds, e.Action+" "+e.Details["from"]+">"+e.Details["to"])
			for _, v := range e.Details {
				if strings.Contains(v, "internal-only") || strings.Contains(v, "on it") {
					t.Fatalf("note or message text in the audit log: %+v", e)
				}
			}
		}
	}
	want := "report.submit >|report.state new>acknowledged|report.note >|report.message >"
	if strings.Join(kinds, "|") != want {
		t.Fatalf("audit %q, want %q", strings.Join(kinds, "|"), want)
	}
	if _, _, err := s.ChangeReport(ctx, r.ID+100, func(*embargo.Report, []embargo.Event) ([]store.EventInput, error) { return nil, nil }); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("unknown report: %v", err)
	}
}

func testInbox(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p := newProject(t, s, "demo")
	q := newProject(t, s, "other")
	set := func(r embargo.Report, due time.Duration, state embargo.State, sev string, assignee int64) {
		t.Helper()
		_, _, err := s.ChangeReport(ctx, r.ID, func(r *embargo.Report, _ []embargo.Event) ([]store.EventInput, error) {
			if due != 0 {
				r.NextDue = clock.Now().Add(due)
			} else {
				r.NextDue = time.Time{}
			}
			r.State, r.Severity, r.AssigneeID = state, sev, assignee
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	a := newReport(t, s, p, "a")
	b := newReport(t, s, p, "b")
	c := newReport(t, s, p, "c")
	d := newReport(t, s, q, "d")
	set(a, 10*time.Hour, embargo.StateNew, "", 0)
	set(b, 2*time.Hour, embargo.StateAcknowledged, "high", 0)
	set(c, 0, embargo.StateInvalid, "", 0)
	set(d, time.Hour, embargo.StateNew, "critical", 0)
	titles := func(f store.ReportFilter) string {
		t.Helper()
		rs, total, err := s.Reports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.Content.Title)
		}
		return fmt.Sprintf("%s/%d", strings.Join(out, ","), total)
	}
	for _, tt := range []struct {
		f    store.ReportFilter
		want string
	}{
		{store.ReportFilter{ProjectIDs: []int64{p.ID}}, "b,a,c/3"},
		{store.ReportFilter{ProjectIDs: []int64{p.ID, q.ID}}, "d,b,a,c/4"},
		{store.ReportFilter{ProjectIDs: []int64{p.ID, q.ID}, States: []embargo.State{embargo.StateNew}}, "d,a/2"},
		{store.ReportFilter{ProjectIDs: []int64{p.ID, q.ID}, Severity: "high"}, "b/1"},
		{store.ReportFilter{ProjectIDs: []int64{p.ID, q.ID}, Limit: 2, Offset: 2}, "a,c/4"},
		{store.ReportFilter{ProjectIDs: []int64{p.ID, q.ID}, AssigneeID: 99}, "/0"},
		{store.ReportFilter{ProjectIDs: []int64{p.ID}, Unassigned: true}, "b,a,c/3"},
		{store.ReportFilter{}, "/0"},
	} {
		if got := titles(tt.f); got != tt.want {
			t.Errorf("Reports(%+v) = %s, want %s", tt.f, got, tt.want)
		}
	}
	// Due next: running deadlines only, nearest first, within the projects.
	for _, tt := range []struct {
		projects []int64
		limit    int
		want     string
	}{{[]int64{p.ID, q.ID}, 10, "d,b,a"}, {[]int64{p.ID}, 10, "b,a"}, {[]int64{p.ID, q.ID}, 2, "d,b"}, {nil, 10, ""}} {
		rs, err := s.DueNext(ctx, tt.projects, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.Content.Title)
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("DueNext(%v, %d) = %v, want %s", tt.projects, tt.limit, got, tt.want)
		}
	}
}

// testSearch searches sealed report text across more than one chunk of
// candidates: matches come in inbox order, paginated, limited to the
// filter's projects and states, and "#N" finds a report by number.
func testSearch(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p := newProject(t, s, "demo")
	q := newProject(t, s, "other")
	var want []string
	for i := 1; i <= 600; i++ {
		title := fmt.Sprintf("report %03d", i)
		if i%100 == 0 {
			title = fmt.Sprintf("Heap OVERFLOW %03d in the parser", i)
			want = append(want, title)
		}
		newReport(t, s, p, title)
	}
	newReport(t, s, q, "heap overflow in the other project")
	search := func(f store.ReportFilter, query string) store.SearchResult {
		t.Helper()
		sq, err := embargo.ParseSearch(query)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.SearchReports(ctx, f, sq)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	titles := func(rs []embargo.Report) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Content.Title)
		}
		return strings.Join(out, ",")
	}
	only := store.ReportFilter{ProjectIDs: []int64{p.ID}}
	res := search(only, `"heap overflow"`)
	if res.Total != 6 || res.Scanned != 600 || res.Capped || titles(res.Reports) != strings.Join(want, ",") {
		t.Fatalf("search: total %d scanned %d capped %v: %s", res.Total, res.Scanned, res.Capped, titles(res.Reports))
	}
	page := only
	page.Limit, page.Offset = 2, 4
	if res := search(page, "overflow parser"); res.Total != 6 || titles(res.Reports) != strings.Join(want[4:], ",") {
		t.Fatalf("second page: %d %s", res.Total, titles(res.Reports))
	}
	both := store.ReportFilter{ProjectIDs: []int64{p.ID, q.ID}}
	if res := search(both, "overflow"); res.Total != 7 {
		t.Fatalf("across projects: %d", res.Total)
	}
	if res := search(both, "#250"); res.Total != 1 || titles(res.Reports) != "report 250" {
		t.Fatalf("#250: %d %s", res.Total, titles(res.Reports))
	}
	if res := search(only, "details of report 007"); res.Total != 1 {
		t.Fatalf("description: %d", res.Total)
	}
	closed := store.ReportFilter{ProjectIDs: []int64{p.ID}, States: []embargo.State{embargo.StateFixed}}
	if res := search(closed, "overflow"); res.Total != 0 || res.Scanned != 0 {
		t.Fatalf("state filter: %+v", res)
	}
	if res := search(store.ReportFilter{}, "overflow"); res.Total != 0 {
		t.Fatalf("no project: %+v", res)
	}
}

func testMembers(t *testing.T, open Opener) {
	s := open(t, NewClock())
	ctx := context.Background()
	p := newProject(t, s, "demo")
	q := newProject(t, s, "other")
	u, err := s.CreateUser(ctx, store.NewUser{Email: "tri@demo.org", Name: "Tri", PasswordHash: "x"}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	if role, err := s.MemberRole(ctx, p.ID, u.ID); err != nil || role != "" {
		t.Fatalf("role before = %q %v", role, err)
	}
	if err := s.SetMember(ctx, embargo.ActorCLI, p.ID, u.ID, embargo.RoleTriager); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMember(ctx, embargo.ActorCLI, q.ID, u.ID, embargo.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMember(ctx, embargo.ActorCLI, p.ID, u.ID, embargo.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if role, _ := s.MemberRole(ctx, p.ID, u.ID); role != embargo.RoleOwner {
		t.Fatalf("role after change = %q", role)
	}
	ms, err := s.Memberships(ctx, u.ID)
	if err != nil || len(ms) != 2 || ms[0].Role != embargo.RoleOwner || ms[1].ProjectID != q.ID {
		t.Fatalf("Memberships = %+v %v", ms, err)
	}
	if err := s.SetMember(ctx, embargo.ActorCLI, p.ID, 9999, embargo.RoleViewer); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if err := s.SetMember(ctx, embargo.ActorCLI, p.ID, u.ID, "boss"); !errors.Is(err, embargo.ErrInvalid) {
		t.Fatalf("unknown role: %v", err)
	}
	if err := s.RemoveMember(ctx, embargo.ActorCLI, p.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, embargo.ActorCLI, p.ID, u.ID); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	if role, _ := s.MemberRole(ctx, p.ID, u.ID); role != "" {
		t.Fatalf("role after removal = %q", role)
	}
}

func testTokensAndInvitations(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p := newProject(t, s, "demo")
	u, err := s.CreateUser(ctx, store.NewUser{Email: "tri@demo.org", Name: "Tri", PasswordHash: "x", IsAdmin: true}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	tok, hash := embargo.NewToken()
	id, err := s.CreateAPIToken(ctx, hash, store.APIToken{UserID: u.ID, Name: "ci", ProjectID: p.ID, Role: embargo.RoleViewer, ExpiresAt: clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.APITokenUser(ctx, embargo.HashToken(tok))
	if err != nil || got.ID != u.ID || got.Token == nil || got.Token.ProjectID != p.ID || got.Token.Role != embargo.RoleViewer || got.IsAdmin {
		t.Fatalf("APITokenUser = %+v %+v, %v", got, got.Token, err)
	}
	list, err := s.APITokens(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].ProjectSlug != "demo" || list[0].LastUsedAt.IsZero() {
		t.Fatalf("APITokens = %+v, %v", list, err)
	}
	clock.Advance(2 * time.Hour)
	if _, err := s.APITokenUser(ctx, embargo.HashToken(tok)); !errors.Is(err, embargo.ErrUnauthorized) {
		t.Fatalf("expired token: %v", err)
	}
	if err := s.RevokeAPIToken(ctx, u.ID+1, id); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("revoking another's token: %v", err)
	}
	if err := s.RevokeAPIToken(ctx, u.ID, id); err != nil {
		t.Fatal(err)
	}
	// Invitations: one use, with the role they name.
	_, ih := embargo.NewToken()
	if err := s.CreateInvitation(ctx, ih, store.Invitation{Email: "new@demo.org", ProjectID: p.ID, Role: embargo.RoleTriager,
		CreatedBy: embargo.ActorCLI, ExpiresAt: clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	nu, err := s.AcceptInvitation(ctx, ih, store.NewUser{Name: "New", PasswordHash: "x", Email: "ignored@demo.org"})
	if err != nil || nu.Email != "new@demo.org" {
		t.Fatalf("AcceptInvitation = %+v, %v", nu, err)
	}
	if role, _ := s.MemberRole(ctx, p.ID, nu.ID); role != embargo.RoleTriager {
		t.Fatalf("invited role %q", role)
	}
	if _, err := s.AcceptInvitation(ctx, ih, store.NewUser{Name: "Again", PasswordHash: "x"}); !errors.Is(err, embargo.ErrUnauthorized) {
		t.Fatalf("second use: %v", err)
	}
	_, old := embargo.NewToken()
	s.CreateInvitation(ctx, old, store.Invitation{Email: "late@demo.org", IsAdmin: true, CreatedBy: embargo.ActorCLI, ExpiresAt: clock.Now().Add(time.Minute)})
	clock.Advance(time.Hour)
	if _, err := s.InvitationByHash(ctx, old); !errors.Is(err, embargo.ErrUnauthorized) {
		t.Fatalf("expired invitation: %v", err)
	}
}

func testCollaborators(t *testing.T, open Opener) {
	s := open(t, NewClock())
	ctx := context.Background()
	p := newProject(t, s, "demo")
	r := newReport(t, s, p, "shared")
	tok, hash := embargo.NewToken()
	c, err := s.AddCollaborator(ctx, r.ID, "vendor@example.org", hash, embargo.UserActor(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCollaborator(ctx, r.ID, "vendor@example.org", "other", embargo.UserActor(1)); !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("twice: %v", err)
	}
	got, err := s.CollaboratorByToken(ctx, embargo.HashToken(tok))
	if err != nil || got.ReportID != r.ID || got.Email != "vendor@example.org" {
		t.Fatalf("CollaboratorByToken = %+v, %v", got, err)
	}
	evs, _ := s.Events(ctx, r.ID, "")
	if last := evs[len(evs)-1]; last.Kind != embargo.EventCollaborator || last.Audience != embargo.AudienceInternal {
		t.Fatalf("timeline %+v", last)
	}
	if err := s.RevokeCollaborator(ctx, r.ID+1, c.ID, embargo.UserActor(1)); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("revoke under another report: %v", err)
	}
	if err := s.RevokeCollaborator(ctx, r.ID, c.ID, embargo.UserActor(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CollaboratorByToken(ctx, embargo.HashToken(tok)); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("revoked link: %v", err)
	}
	if cs, _ := s.Collaborators(ctx, r.ID); len(cs) != 1 || !cs[0].Revoked {
		t.Fatalf("Collaborators = %+v", cs)
	}
	// A revoked collaborator can be invited again, with a new link.
	if _, err := s.AddCollaborator(ctx, r.ID, "vendor@example.org", "new-hash", embargo.UserActor(1)); err != nil {
		t.Fatalf("re-invite after revoke: %v", err)
	}
}

func testChangeReportPair(t *testing.T, open Opener) {
	s := open(t, NewClock())
	ctx := context.Background()
	p := newProject(t, s, "demo")
	a := newReport(t, s, p, "a")
	b := newReport(t, s, p, "b")
	got, err := s.ChangeReportPair(ctx, b.ID, a.ID, func(r, o *embargo.Report, history []embargo.Event, hasDups bool) ([]store.EventInput, []store.EventInput, error) {
		if r.ID != b.ID || o.ID != a.ID || len(history) != 1 || hasDups {
			return nil, nil, fmt.Errorf("pair %d %d history %d dups %v", r.ID, o.ID, len(history), hasDups)
		}
		r.State, r.DuplicateOf = embargo.StateDuplicate, o.ID
		return []store.EventInput{{Event: embargo.Event{Actor: embargo.UserActor(1), Kind: embargo.EventDuplicate, Audience: embargo.AudienceThread, To: "duplicate"}}},
			[]store.EventInput{{Event: embargo.Event{Actor: embargo.UserActor(1), Kind: embargo.EventDuplicate, Audience: embargo.AudienceInternal, From: "#2"}}}, nil
	})
	if err != nil || got.DuplicateOf != a.ID {
		t.Fatalf("ChangeReportPair = %+v, %v", got, err)
	}
	if evs, _ := s.Events(ctx, a.ID, ""); len(evs) != 2 || evs[1].From != "#2" {
		t.Fatalf("original's timeline %+v", evs)
	}
	// The original now has a duplicate; a refused pair change stores nothing.
	_, err = s.ChangeReportPair(ctx, a.ID, b.ID, func(r, o *embargo.Report, _ []embargo.Event, hasDups bool) ([]store.EventInput, []store.EventInput, error) {
		if !hasDups {
			return nil, nil, fmt.Errorf("hasDups false")
		}
		r.State = embargo.StateDuplicate
		return nil, nil, embargo.Errorf(embargo.KindConflict, "refused")
	})
	if !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("refused pair: %v", err)
	}
	if r, _ := s.Report(ctx, a.ID); r.State != embargo.StateNew {
		t.Fatalf("a refused pair change was stored: %s", r.State)
	}
}

func testAuditEntries(t *testing.T, open Opener) {
	s := open(t, NewClock())
	ctx := context.Background()
	p := newProject(t, s, "demo")
	q := newProject(t, s, "other")
	r := newReport(t, s, p, "x")
	newReport(t, s, q, "y")
	all, err := s.AuditEntries(ctx, store.AuditFilter{})
	if err != nil || len(all) != 4 || all[0].Seq != 4 {
		t.Fatalf("all = %d entries, %v", len(all), err)
	}
	mine, _ := s.AuditEntries(ctx, store.AuditFilter{ProjectID: p.ID})
	if len(mine) != 2 {
		t.Fatalf("project entries %d", len(mine))
	}
	one, _ := s.AuditEntries(ctx, store.AuditFilter{ProjectID: p.ID, Subject: fmt.Sprintf("report:%d", r.ID), Actor: "reporter"})
	if len(one) != 1 || one[0].Action != "report.submit" {
		t.Fatalf("report entries %+v", one)
	}
	page, _ := s.AuditEntries(ctx, store.AuditFilter{Limit: 2, Before: 3})
	if len(page) != 2 || page[0].Seq != 2 || page[1].Seq != 1 {
		t.Fatalf("page %+v", page)
	}
}

func testKeyRotation(t *testing.T, open Opener) {
	s := open(t, NewClock())
	ctx := context.Background()
	p := newProject(t, s, "demo")
	var ids []int64
	for i := range 5 {
		r := newReport(t, s, p, fmt.Sprintf("report %d", i), store.NewAttachment{Name: fmt.Sprintf("f%d.txt", i), Data: []byte("data")})
		if _, _, err := s.ChangeReport(ctx, r.ID, func(*embargo.Report, []embargo.Event) ([]store.EventInput, error) {
			return []store.EventInput{{Event: embargo.Event{Actor: embargo.ActorReporter, Kind: embargo.EventMessage, Audience: embargo.AudienceThread, Body: "hello"}}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	before, err := s.KeyStatus(ctx, p.ID)
	if err != nil || before.Keys != 1 || before.Pending != 0 || before.Total != 20 {
		t.Fatalf("status before: %+v %v", before, err)
	}
	if err := s.RotateProjectKey(ctx, embargo.ActorCLI, p.ID); err != nil {
		t.Fatal(err)
	}
	st, _ := s.KeyStatus(ctx, p.ID)
	if st.Keys != 2 || st.Pending != 20 || st.Primary == before.Primary {
		t.Fatalf("status after rotate: %+v", st)
	}
	if _, err := s.RetireOldKeys(ctx, embargo.ActorCLI, p.ID); !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("retire while cells use the old key: %v", err)
	}
	// Readers keep reading while batches re-seal.
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		defer close(readErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, id := range ids {
				r, err := s.Report(ctx, id)
				if err == nil && !strings.HasPrefix(r.Content.Title, "report ") {
					err = fmt.Errorf("title %q", r.Content.Title)
				}
				if err == nil {
					var evs []embargo.Event
					evs, err = s.Events(ctx, id, "")
					if err == nil {
						_, _, err = s.Attachment(ctx, id, evs[0].Attachments[0].ID, "")
					}
				}
				if err != nil {
					readErr <- err
					return
				}
			}
		}
	}()
	for {
		n, err := s.ResealBatch(ctx, p.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	close(stop)
	if err := <-readErr; err != nil {
		t.Fatalf("a read failed during re-sealing: %v", err)
	}
	if st, _ := s.KeyStatus(ctx, p.ID); st.Pending != 0 || st.Total != 20 {
		t.Fatalf("status after re-sealing: %+v", st)
	}
	if n, err := s.RetireOldKeys(ctx, embargo.ActorCLI, p.ID); err != nil || n != 1 {
		t.Fatalf("retire: %d %v", n, err)
	}
	if st, _ := s.KeyStatus(ctx, p.ID); st.Keys != 1 {
		t.Fatalf("keys after retire: %+v", st)
	}
	for _, id := range ids {
		if r, err := s.Report(ctx, id); err != nil || !strings.HasPrefix(r.Content.Title, "report ") {
			t.Fatalf("after retire: %+v %v", r.Content, err)
		}
	}
}

// testSLAActions: reports come due for SLA actions in the order of their
// next action, a change stores the actions taken and the next instant,
// and an event's notifications reach the users named, newest first, until
// they are marked read.
func testSLAActions(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p := newProject(t, s, "demo")
	u, err := s.CreateUser(ctx, store.NewUser{Email: "o@example.org", Name: "O", PasswordHash: "x"}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	var ids []int64
	for i, at := range []time.Duration{3 * time.Hour, time.Hour, 0, 2 * time.Hour} {
		r := newReport(t, s, p, fmt.Sprint("r", i))
		ids = append(ids, r.ID)
		if _, _, err := s.ChangeReport(ctx, r.ID, func(r *embargo.Report, _ []embargo.Event) ([]store.EventInput, error) {
			if at != 0 {
				r.NextActionAt = now.Add(at)
			} else {
				r.NextActionAt = time.Time{}
			}
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	due, err := s.ReportsDueForAction(ctx, now.Add(2*time.Hour), 10)
	if err != nil || fmt.Sprint(due) != fmt.Sprint([]int64{ids[1], ids[3]}) {
		t.Fatalf("due: %v %v", due, err)
	}
	if next, err := s.NextActionAt(ctx); err != nil || !next.Equal(now.Add(time.Hour)) {
		t.Fatalf("next action: %v %v", next, err)
	}
	_, _, err = s.ChangeReport(ctx, ids[1], func(r *embargo.Report, _ []embargo.Event) ([]store.EventInput, error) {
		r.SLADone = append(r.SLADone, "acknowledge:breach@1")
		r.NextActionAt = now.Add(5 * time.Hour)
		return []store.EventInput{{Event: embargo.Event{Actor: embargo.ActorSystem, Kind: embargo.EventSLA, Audience: embargo.AudienceInternal,
			From: "acknowledge", To: "breach", Body: "Deadline missed"}, Notify: []int64{u.ID}, NotifyKind: "breach"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Report(ctx, ids[1])
	if err != nil || fmt.Sprint(r.SLADone) != "[acknowledge:breach@1]" || !r.NextActionAt.Equal(now.Add(5*time.Hour)) {
		t.Fatalf("stored SLA state: %v %v %v", r.SLADone, r.NextActionAt, err)
	}
	ns, unread, err := s.Notifications(ctx, u.ID, 10)
	if err != nil || len(ns) != 1 || unread != 1 || ns[0].Kind != "breach" || ns[0].Event.From != "acknowledge" || ns[0].Report.Content.Title != "r1" {
		t.Fatalf("notifications: %+v %d %v", ns, unread, err)
	}
	if err := s.MarkNotificationsRead(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if ns, unread, _ := s.Notifications(ctx, u.ID, 10); unread != 0 || !ns[0].Read {
		t.Fatalf("after marking read: %d unread", unread)
	}
}
