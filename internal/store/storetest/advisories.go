package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// testAdvisories covers numbering (per project and year, under
// concurrency), sealed drafts, publication with report changes in the same
// transaction, the public copy, and the scheduled list.
func testAdvisories(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p := newProject(t, s, "demo")
	r := newReport(t, s, p, "report for an advisory")
	var wg sync.WaitGroup
	refs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := s.CreateAdvisory(ctx, p.ID, "DEMO", []int64{r.ID}, embargo.ActorCLI, func(a *embargo.Advisory) { a.Summary = "secret draft summary" })
			if err != nil {
				t.Error(err)
				return
			}
			refs <- a.Ref
		}()
	}
	wg.Wait()
	close(refs)
	seen := map[string]bool{}
	for ref := range refs {
		if seen[ref] || !strings.HasPrefix(ref, "DEMO-2026-000") {
			t.Fatalf("advisory reference %s (duplicate or malformed)", ref)
		}
		seen[ref] = true
	}
	if len(seen) != 8 {
		t.Fatalf("%d advisories", len(seen))
	}
	a, err := s.Advisory(ctx, p.ID, "DEMO-2026-0001")
	if err != nil || a.Summary != "secret draft summary" || len(a.ReportIDs) != 1 || a.State != embargo.AdvisoryDraft {
		t.Fatalf("draft: %+v %v", a, err)
	}
	if _, err := s.Advisory(ctx, p.ID, "DEMO-2026-0999"); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	// Scheduled, then due.
	at := clock.Now().Add(time.Hour)
	if _, err := s.ChangeAdvisory(ctx, a.ID, embargo.ActorCLI, func(a *embargo.Advisory, _ []*embargo.Report) (store.AdvisoryChange, error) {
		a.State, a.DisclosesAt = embargo.AdvisoryScheduled, at
		return store.AdvisoryChange{Action: "advisory.schedule"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueAdvisories(ctx, clock.Now()); len(due) != 0 {
		t.Fatal("due before its instant")
	}
	if due, _ := s.DueAdvisories(ctx, at); len(due) != 1 || due[0] != a.ID {
		t.Fatalf("due: %v", due)
	}
	// Published with the report disclosed in the same transaction; a
	// failing change leaves both as they were.
	boom := errors.New("boom")
	if _, err := s.ChangeAdvisory(ctx, a.ID, embargo.ActorCLI, func(a *embargo.Advisory, rs []*embargo.Report) (store.AdvisoryChange, error) {
		a.State = embargo.AdvisoryPublished
		return store.AdvisoryChange{}, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failing change: %v", err)
	}
	pub, err := s.ChangeAdvisory(ctx, a.ID, embargo.ActorCLI, func(a *embargo.Advisory, rs []*embargo.Report) (store.AdvisoryChange, error) {
		a.State, a.Published, a.Modified, a.Version = embargo.AdvisoryPublished, at, at, 1
		rs[0].State = embargo.StateDisclosed
		return store.AdvisoryChange{Action: "advisory.publish", Reports: map[int64][]store.EventInput{rs[0].ID: {{Event: embargo.Event{
			Actor: embargo.ActorSystem, Kind: embargo.EventState, Audience: embargo.AudienceThread, From: "new", To: "disclosed"}}}}}, nil
	})
	if err != nil || pub.State != embargo.AdvisoryPublished {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	if got, _ := s.Report(ctx, r.ID); got.State != embargo.StateDisclosed {
		t.Fatalf("report %s", got.State)
	}
	list, err := s.PublicAdvisories(ctx, p.ID)
	if err != nil || len(list) != 1 || list[0].Ref != a.Ref || list[0].ReportIDs != nil || !list[0].Published.Equal(at) {
		t.Fatalf("public: %+v %v", list, err)
	}
	// The public serial counts public changes; the advisories changed
	// since a serial are the ones a published tree must encode again.
	serial, err := s.PublicSerial(ctx, p.ID)
	if err != nil || serial != 1 {
		t.Fatalf("public serial after the publication: %d %v", serial, err)
	}
	if since, err := s.PublicAdvisoriesSince(ctx, p.ID, 0); err != nil || len(since) != 1 || since[0].ID != a.ID {
		t.Fatalf("changed since 0: %+v %v", since, err)
	}
	if since, err := s.PublicAdvisoriesSince(ctx, p.ID, 1); err != nil || len(since) != 0 {
		t.Fatalf("changed since 1: %+v %v", since, err)
	}
	// Two changes in the same instant still move it; a draft's change
	// does not.
	for range 2 {
		if _, err := s.ChangeAdvisory(ctx, a.ID, embargo.ActorCLI, func(a *embargo.Advisory, _ []*embargo.Report) (store.AdvisoryChange, error) {
			a.Summary += "!"
			return store.AdvisoryChange{Action: "advisory.edit"}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	draftID := all0(t, s, p.ID, a.ID)
	if _, err := s.ChangeAdvisory(ctx, draftID, embargo.ActorCLI, func(a *embargo.Advisory, _ []*embargo.Report) (store.AdvisoryChange, error) {
		a.Summary = "still a draft"
		return store.AdvisoryChange{Action: "advisory.edit"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if serial, _ = s.PublicSerial(ctx, p.ID); serial != 3 {
		t.Fatalf("public serial after two edits and a draft's: %d, want 3", serial)
	}
	if since, err := s.PublicAdvisoriesSince(ctx, p.ID, 1); err != nil || len(since) != 1 || !strings.HasSuffix(since[0].Summary, "!!") {
		t.Fatalf("changed since 1: %+v %v", since, err)
	}
	if other := newProject(t, s, "other"); true {
		if n, err := s.PublicSerial(ctx, other.ID); err != nil || n != 0 {
			t.Fatalf("another project's serial: %d %v", n, err)
		}
	}
	all, err := s.Advisories(ctx, p.ID)
	if err != nil || len(all) != 8 || all[len(all)-1].State != embargo.AdvisoryPublished {
		t.Fatalf("list: %+v %v", all, err)
	}
	if ids, _ := s.AdvisoriesOfReport(ctx, r.ID); len(ids) != 8 {
		t.Fatalf("advisories of the report: %v", ids)
	}
	// The CVE pool: distinct ids under concurrency, then empty.
	if err := s.ReserveCVEs(ctx, p.ID, []string{"CVE-2026-70001", "CVE-2026-70002"}, embargo.ActorCLI); err != nil {
		t.Fatal(err)
	}
	if err := s.ReserveCVEs(ctx, p.ID, []string{"CVE-2026-70003", "CVE-2026-70001"}, embargo.ActorCLI); !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("a reserved id again: %v", err)
	}
	got := make([]string, 3)
	errs := make([]error, 3)
	var wg2 sync.WaitGroup
	for i := range 3 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			got[i], errs[i] = s.TakeCVE(ctx, p.ID, all[i].ID)
		}()
	}
	wg2.Wait()
	taken, empty := map[string]bool{}, 0
	for i := range 3 {
		switch {
		case errs[i] == nil:
			taken[got[i]] = true
		case errors.Is(errs[i], embargo.ErrNotFound):
			empty++
		default:
			t.Fatal(errs[i])
		}
	}
	if len(taken) != 2 || empty != 1 {
		t.Fatalf("taken %v, %d found the pool empty", taken, empty)
	}
	pool, err := s.CVEPool(ctx, p.ID)
	if err != nil || len(pool) != 2 || pool[0].Advisory == "" || pool[1].Advisory == "" {
		t.Fatalf("pool: %+v %v", pool, err)
	}
}

// all0 returns the id of an advisory of the project other than id.
func all0(t *testing.T, s *store.Store, projectID, id int64) int64 {
	t.Helper()
	all, err := s.Advisories(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.ID != id {
			return a.ID
		}
	}
	t.Fatal("no other advisory")
	return 0
}
