// Package storetest is the store conformance suite: the same tests run
// against SQLite and PostgreSQL, so both dialects behave alike.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/audit"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// Clock is a settable test clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Opener returns a fresh, migrated, empty store using the given clock.
type Opener func(t *testing.T, clock *Clock) *store.Store

// Run runs every conformance test against stores from open.
func Run(t *testing.T, open Opener) {
	tests := map[string]func(*testing.T, Opener){
		"MigrateIsIdempotent":         testMigrateIdempotent,
		"Projects":                    testProjects,
		"SetupAndSessions":            testSetupAndSessions,
		"AuditChainUnderConcurrency":  testAuditConcurrency,
		"OneAdminFromConcurrentSetup": testConcurrentSetup,
		"Reports":                     testReports,
		"ReportIdempotency":           testReportIdempotency,
		"ReportNumbersConcurrently":   testReportNumbersUnderConcurrency,
		"ChangeReport":                testChangeReport,
		"Inbox":                       testInbox,
		"Search":                      testSearch,
		"SLAActionsAndNotifications":  testSLAActions,
		"Members":                     testMembers,
		"TokensAndInvitations":        testTokensAndInvitations,
		"Collaborators":               testCollaborators,
		"ChangeReportPair":            testChangeReportPair,
		"AuditEntries":                testAuditEntries,
		"KeyRotation":                 testKeyRotation,
		"Mail":                        testMail,
		"Advisories":                  testAdvisories,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) { fn(t, open) })
	}
}

var policy = []byte("version: 1\nproject: {name: Demo, slug: demo}\ncontacts: {email: security@demo.org}\nsla: {acknowledge: 48h}\n")

func testMigrateIdempotent(t *testing.T, open Opener) {
	s := open(t, NewClock())
	ctx := context.Background()
	again, err := s.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate applied %v, err %v", again, err)
	}
	applied, known, err := s.SchemaVersion(ctx)
	if err != nil || applied != known || known == 0 {
		t.Fatalf("schema version %d of %d, err %v", applied, known, err)
	}
}

func testProjects(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	p, err := s.CreateProject(ctx, store.NewProject{Slug: "demo", Name: "Demo", Policy: policy, Actor: embargo.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.PolicyRevision != 1 || !p.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("created %+v", p)
	}
	_, err = s.CreateProject(ctx, store.NewProject{Slug: "demo", Name: "Again", Policy: policy, Actor: embargo.ActorCLI})
	if !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("duplicate slug: want conflict, got %v", err)
	}
	got, err := s.ProjectBySlug(ctx, "demo")
	if err != nil || got != p {
		t.Fatalf("ProjectBySlug = %+v, %v; want %+v", got, err, p)
	}
	if _, err := s.ProjectBySlug(ctx, "nope"); !errors.Is(err, embargo.ErrNotFound) {
		t.Fatalf("missing project: want not found, got %v", err)
	}
	rev, err := s.CurrentPolicy(ctx, p.ID)
	if err != nil || string(rev.Source) != string(policy) || rev.Revision != 1 || rev.CreatedBy != "cli" || len(rev.SHA256) != 64 {
		t.Fatalf("CurrentPolicy = %+v, %v", rev, err)
	}
	if _, err := s.CreateProject(ctx, store.NewProject{Slug: "alpha", Name: "Alpha", Policy: policy, Actor: embargo.ActorCLI}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Projects(ctx)
	if err != nil || len(all) != 2 || all[0].Slug != "alpha" || all[1].Slug != "demo" {
		t.Fatalf("Projects = %+v, %v", all, err)
	}
	log, err := s.AuditLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].Action != "project.create" || log[0].ProjectID != p.ID || log[0].Details["policy_sha256"] != rev.SHA256 {
		t.Fatalf("audit log = %+v (the failed duplicate must leave no entry)", log)
	}
	if err := audit.Verify(log); err != nil {
		t.Fatal(err)
	}
}

func testSetupAndSessions(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	if has, err := s.HasAdmin(ctx); err != nil || has {
		t.Fatalf("HasAdmin on empty store = %v, %v", has, err)
	}
	_, hash1 := embargo.NewToken()
	_, hash2 := embargo.NewToken()
	if err := s.AddSetupToken(ctx, hash1, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Minute)
	if err := s.AddSetupToken(ctx, hash2, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	nu := store.NewUser{Email: "admin@demo.org", Name: "Admin", PasswordHash: "$argon2id$x"}
	if ok, _ := s.SetupTokenValid(ctx, hash1); !ok {
		t.Fatal("an earlier setup link stopped working when another was printed")
	}
	clock.Advance(45 * time.Minute)
	if ok, _ := s.SetupTokenValid(ctx, hash1); ok {
		t.Fatal("expired setup token still valid")
	}
	if _, err := s.CompleteSetup(ctx, hash1, nu); !errors.Is(err, embargo.ErrUnauthorized) {
		t.Fatalf("expired token: want unauthorized, got %v", err)
	}
	_, hash3 := embargo.NewToken()
	if err := s.AddSetupToken(ctx, hash3, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	u, err := s.CompleteSetup(ctx, hash3, nu)
	if err != nil || !u.IsAdmin || u.ID == 0 {
		t.Fatalf("CompleteSetup = %+v, %v", u, err)
	}
	if _, err := s.CompleteSetup(ctx, hash3, nu); !errors.Is(err, embargo.ErrUnauthorized) {
		t.Fatalf("reused token: want unauthorized, got %v", err)
	}
	if has, _ := s.HasAdmin(ctx); !has {
		t.Fatal("no admin after setup")
	}
	if ok, _ := s.SetupTokenValid(ctx, hash2); ok {
		t.Fatal("another setup link still works after the admin was created")
	}
	byEmail, err := s.UserByEmail(ctx, "admin@demo.org")
	if err != nil || byEmail.ID != u.ID || byEmail.PasswordHash != nu.PasswordHash {
		t.Fatalf("UserByEmail = %+v, %v", byEmail, err)
	}
	_, sh := embargo.NewToken()
	if err := s.CreateSession(ctx, sh, u.ID, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionUser(ctx, sh); err != nil || got.ID != u.ID || got.PasswordHash != "" {
		t.Fatalf("SessionUser = %+v, %v (the password hash must not travel with a session)", got, err)
	}
	clock.Advance(61 * time.Minute)
	if _, err := s.SessionUser(ctx, sh); !errors.Is(err, embargo.ErrUnauthorized) {
		t.Fatalf("expired session: want unauthorized, got %v", err)
	}
	other, err := s.CreateUser(ctx, store.NewUser{Email: "triager@demo.org", Name: "T", PasswordHash: "h"}, embargo.Actor("user:1"))
	if err != nil || other.IsAdmin || other.ID == u.ID {
		t.Fatalf("CreateUser = %+v, %v", other, err)
	}
	if _, err := s.CreateUser(ctx, store.NewUser{Email: "triager@demo.org", Name: "T", PasswordHash: "h"}, embargo.ActorCLI); !errors.Is(err, embargo.ErrConflict) {
		t.Fatalf("duplicate email: want conflict, got %v", err)
	}
	_, sh2 := embargo.NewToken()
	s.CreateSession(ctx, sh2, u.ID, clock.Now().Add(time.Hour))
	if err := s.DeleteSession(ctx, sh2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, sh2); !errors.Is(err, embargo.ErrUnauthorized) {
		t.Fatalf("deleted session: want unauthorized, got %v", err)
	}
}

// testAuditConcurrency appends from many goroutines at once: the chain
// must come out linear and intact (on PostgreSQL this is what replicas do).
func testAuditConcurrency(t *testing.T, open Opener) {
	s := open(t, NewClock())
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slug := "p" + string(rune('a'+i))
			_, err := s.CreateProject(ctx, store.NewProject{Slug: slug, Name: slug, Policy: policy, Actor: embargo.ActorCLI})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.AuditLog(ctx)
	if err != nil || len(log) != 16 {
		t.Fatalf("%d entries, %v", len(log), err)
	}
	if err := audit.Verify(log); err != nil {
		t.Fatal(err)
	}
}

// testConcurrentSetup races several setup links (as from several replicas)
// to create the first admin: exactly one may win.
func testConcurrentSetup(t *testing.T, open Opener) {
	clock := NewClock()
	s := open(t, clock)
	ctx := context.Background()
	const n = 8
	hashes := make([]string, n)
	for i := range hashes {
		_, hashes[i] = embargo.NewToken()
		if err := s.AddSetupToken(ctx, hashes[i], clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	wins := make(chan int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nu := store.NewUser{Email: "admin" + string(rune('a'+i)) + "@demo.org", Name: "A", PasswordHash: "h"}
			if _, err := s.CompleteSetup(ctx, hashes[i], nu); err == nil {
				wins <- i
			} else if k := embargo.KindOf(err); k != embargo.KindUnauthorized && k != embargo.KindConflict {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	if len(wins) != 1 {
		t.Fatalf("%d admins created by concurrent setup, want 1", len(wins))
	}
}
