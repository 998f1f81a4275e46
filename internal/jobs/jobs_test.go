package jobs_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/jobs"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

var masterKey = []byte("0123456789abcdef0123456789abcdef")

const policy = "version: 1\nproject: {name: Demo, slug: demo}\ncontacts: {email: security@demo.org}\nsla: {acknowledge: 48h, disclose: 90d}\n"

// clock is the app's clock, shared by the replicas, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func quietLog() *slog.Logger     { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func open(t *testing.T, dsn string, c *clock) (*store.Store, *app.App) {
	t.Helper()
	st, err := store.Open(context.Background(), dsn, store.Options{MasterKey: masterKey, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st, app.New(st, quietLog(), app.Options{Now: c.Now, AllowPrivateWebhooks: true, BaseURL: "https://embargo.example.org"})
}

// TestSweepRunsAsADurableJob starts River on each database (two replicas
// on PostgreSQL, sharing the database), lets the clock pass a report's
// acknowledgement deadline, and waits for the periodic sweep job: the
// breach is recorded exactly once, however many sweeps and replicas run.
func TestSweepRunsAsADurableJob(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "e.db")
			replicas := 1
			if dialect == "postgres" {
				dsn = storetest.PostgresURL(t)
				replicas = 2
			}
			testSweepJob(t, dsn, replicas)
		})
	}
}

func testSweepJob(t *testing.T, dsn string, replicas int) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := &clock{t: t0}
	st, a := open(t, dsn, c)
	var secret string
	p, err := a.AddProject(ctx, embargo.ActorCLI, "demo.yaml", []byte(policy))
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "o@demo.org", Name: "O", PasswordHash: "x"}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMember(ctx, embargo.ActorCLI, p.ID, u.ID, embargo.RoleOwner); err != nil {
		t.Fatal(err)
	}
	// A webhook receiver that fails the first delivery and takes the next.
	var mu sync.Mutex
	var bodies [][]byte
	calls := 0
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get(app.WebhookSignatureHeader) != "sha256="+sign(secret, b) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		bodies = append(bodies, b)
	}))
	defer receiver.Close()
	_, secret, err = a.CreateWebhook(ctx, embargo.User{ID: u.ID}, "demo", receiver.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := a.SubmitReport(ctx, "demo", app.Submission{Channel: embargo.IntakeAPI, Content: embargo.ReportContent{Title: "SECRET-TITLE", Description: "d"}})
	if err != nil {
		t.Fatal(err)
	}
	var engines []*jobs.Engine
	for i := range replicas {
		rst, ra := st, a
		if i > 0 {
			rst, ra = open(t, dsn, c)
		}
		e, err := jobs.Start(ctx, rst, ra, quietLog(), jobs.Options{SweepEvery: 150 * time.Millisecond, FetchPoll: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, e)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, e := range engines {
			if err := e.Stop(stopCtx); err != nil {
				t.Error(err)
			}
		}
	}()
	breaches := func() int {
		evs, err := st.Events(ctx, rc.Report.ID, embargo.AudienceInternal)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Kind == embargo.EventSLA && e.To == "breach" {
				n++
			}
		}
		return n
	}
	// Nothing is due yet: sweeps run and take nothing.
	time.Sleep(400 * time.Millisecond)
	if n := breaches(); n != 0 {
		t.Fatalf("%d breaches before the deadline", n)
	}
	c.Set(t0.Add(49 * time.Hour))
	deadline := time.Now().Add(20 * time.Second)
	for breaches() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := breaches(); n != 1 {
		t.Fatalf("%d breaches after the deadline, want 1", n)
	}
	// More sweeps, on every replica: still one.
	time.Sleep(600 * time.Millisecond)
	if n := breaches(); n != 1 {
		t.Fatalf("%d breaches after more sweeps, want 1", n)
	}
	// The webhook got the breach once, signed, after one failed attempt.
	for wait := time.Now().Add(20 * time.Second); time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(bodies)
		mu.Unlock()
		if n > 0 {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	got, tries := bodies, calls
	mu.Unlock()
	if len(got) != 1 || tries != 2 || !strings.Contains(string(got[0]), `"event":"sla.breach"`) || !strings.Contains(string(got[0]), `"report":"demo#1"`) ||
		strings.Contains(string(got[0]), "SECRET-TITLE") {
		t.Fatalf("webhook: %d calls, bodies %q", tries, got)
	}
	// The queue's jobs are counted for /metrics.
	if counts, err := st.JobCounts(ctx); err != nil || counts["completed"] == 0 {
		t.Fatalf("job counts: %v %v", counts, err)
	}
	ns, _, err := st.Notifications(ctx, u.ID, 10)
	if err != nil || len(ns) != 1 || ns[0].Kind != "breach" {
		t.Fatalf("owner notifications: %+v %v", ns, err)
	}
}
