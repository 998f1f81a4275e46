package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/policy"
	"github.com/embargo-cvd/embargo/internal/sla"
	"github.com/embargo-cvd/embargo/internal/store"
)

// fakeClock is a settable clock for the app and the store.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

// slaWorld is an instance on a fake clock that can be stopped and started
// again on the same database file, as a restart does.
type slaWorld struct {
	t     *testing.T
	path  string
	clock *fakeClock
	st    *store.Store
	a     *app.App
}

func (w *slaWorld) start() {
	w.t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, w.path, store.Options{Now: w.clock.Now, MasterKey: masterKey})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		w.t.Fatal(err)
	}
	w.st, w.a = st, app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Now: w.clock.Now})
}

func (w *slaWorld) stop() { w.st.Close() }

// record is one SLA action as it happened: when, for which stage, what.
type record struct {
	At    time.Time
	Stage string
	To    string
}

func (r record) String() string {
	return r.At.Format("2006-01-02 15:04 MST") + " " + r.Stage + " " + r.To
}

// TestSeedPoliciesOnAFakeClock walks a report through the promises of
// each of the five seed policies on a fake clock that jumps from one
// pending action to the next, as the scheduler does: nobody acts on it
// until an hour after the later of the acknowledgement and assessment
// deadlines (so both stages' reminders and breaches fire); then it is
// acknowledged and given a severity (which ends the assessment and starts
// the fix window); then nothing more happens until every promise has
// passed. The instance restarts
// after its second action. Every reminder and breach must happen exactly
// once, at the instant computed from the policy's windows and calendar
// (business days, holidays, time zone) with sla.Deadline, and nothing else.
func TestSeedPoliciesOnAFakeClock(t *testing.T) {
	files, err := filepath.Glob("../../examples/policies/*.yaml")
	if err != nil || len(files) != 5 {
		t.Fatalf("seed policies: %v %v", files, err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(file), func(t *testing.T) { walkPolicy(t, filepath.Base(file), src) })
	}
	// bpfcompat's business days in Berlin, over Christmas: 3bd from Friday
	// 18 December 16:30 (15:30 UTC) ends Wednesday 23rd; 7bd skips the
	// 24th to 27th and ends Thursday 31st, at 16:30 Berlin time.
	src, err := os.ReadFile("../../examples/policies/bpfcompat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src = append(src, "calendar:\n  time_zone: Europe/Berlin\n  holidays: [2026-12-24, 2026-12-25, 2027-01-01]\n"...)
	t.Run("bpfcompat in Berlin over the holidays", func(t *testing.T) {
		got := walkPolicy(t, "bpfcompat.yaml", src)
		for _, want := range []string{"2026-12-23 15:30 UTC acknowledge breach", "2026-12-31 15:30 UTC assess breach", "2026-12-30 15:30 UTC assess reminder:24h"} {
			if !strings.Contains(strings.Join(strs(got), "\n"), want) {
				t.Errorf("no %q", want)
			}
		}
	})
}

func walkPolicy(t *testing.T, file string, src []byte) []record {
	ctx := context.Background()
	pol, diags := policy.Parse(src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	// A Friday afternoon before the winter holidays.
	t0 := time.Date(2026, 12, 18, 15, 30, 0, 0, time.UTC)
	w := &slaWorld{t: t, path: filepath.Join(t.TempDir(), "e.db"), clock: &fakeClock{t0}}
	w.start()
	defer func() { w.stop() }()
	p, err := w.a.AddProject(ctx, embargo.ActorCLI, file, src)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := w.st.CreateUser(ctx, store.NewUser{Email: "owner@example.org", Name: "Owner", PasswordHash: "x"}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	triager, err := w.st.CreateUser(ctx, store.NewUser{Email: "triager@example.org", Name: "Triager", PasswordHash: "x"}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	for u, role := range map[int64]embargo.Role{owner.ID: embargo.RoleOwner, triager.ID: embargo.RoleTriager} {
		if err := w.st.SetMember(ctx, embargo.ActorCLI, p.ID, u, role); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := w.a.SubmitReport(ctx, p.Slug, app.Submission{Channel: embargo.IntakeWeb,
		Content: embargo.ReportContent{Title: "Heap overflow", Description: "details"}})
	if err != nil {
		t.Fatal(err)
	}
	id := rc.Report.ID
	ack, hasAck := pol.SLA.Stages[embargo.StageAcknowledge].For("")
	if !hasAck {
		t.Fatal("every seed promises an acknowledgement")
	}
	// Acknowledged and assessed an hour after the later of the two
	// deadlines, so that both stages' reminders and breaches fire (the
	// assessment is where the seeds promise business days).
	ackDue, _ := sla.Deadline(t0, ack, pol.Calendar)
	tAck := ackDue.Add(time.Hour)
	if d, ok := pol.SLA.Stages[embargo.StageAssess].For(""); ok {
		if due, ok := sla.Deadline(t0, d, pol.Calendar); ok && due.Add(time.Hour).After(tAck) {
			tAck = due.Add(time.Hour)
		}
	}
	severity := ""
	for _, s := range pol.Severities {
		if d, ok := pol.SLA.Stages[embargo.StageFix].For(s.Name); ok && d.Unit != embargo.NextRelease {
			severity = s.Name
			break
		}
	}
	horizon := t0.Add(400 * 24 * time.Hour)

	var got []record
	seen := 0
	collect := func() {
		evs, err := w.st.Events(ctx, id, embargo.AudienceInternal)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Kind != embargo.EventSLA {
				continue
			}
			if n++; n > seen {
				got = append(got, record{w.clock.t, e.From, e.To})
			}
		}
		seen = n
	}
	acked, restarted := false, false
	for {
		next, err := w.st.NextActionAt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !acked && (next.IsZero() || next.After(tAck)) {
			w.clock.t = tAck
			tri := embargo.User{ID: triager.ID}
			if _, err := w.a.Transition(ctx, tri, p.Slug, rc.Report.Number, embargo.StateAcknowledged, "Thanks, we are on it."); err != nil {
				t.Fatal(err)
			}
			if severity != "" {
				if err := w.a.SetSeverity(ctx, tri, p.Slug, rc.Report.Number, severity, "set by the test"); err != nil {
					t.Fatal(err)
				}
			}
			acked = true
			continue
		}
		if next.IsZero() || next.After(horizon) {
			break
		}
		if next.After(w.clock.t) {
			w.clock.t = next
		}
		n, err := w.a.SweepSLA(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("the sweep at %v took nothing although an action was due", w.clock.t)
		}
		// Sweeping again at the same instant takes nothing more.
		if again, err := w.a.SweepSLA(ctx); err != nil || again != 0 {
			t.Fatalf("a second sweep took %d actions (%v)", again, err)
		}
		collect()
		if len(got) >= 2 && !restarted {
			w.stop()
			w.start()
			restarted = true
		}
	}
	if !restarted {
		t.Fatal("the walk never restarted the instance")
	}

	// What the policy says should have happened.
	var want []record
	expect := func(stage string, start time.Time, d embargo.Duration, until time.Time) {
		due, ok := sla.Deadline(start, d, pol.Calendar)
		if !ok {
			return
		}
		for _, o := range pol.SLA.Reminders {
			at := due.Add(-hoursOf(o))
			if at.After(start) && !at.After(until) {
				want = append(want, record{at, stage, "reminder:" + o.String()})
			}
		}
		if !due.After(until) {
			want = append(want, record{due, stage, "breach"})
		}
	}
	expect(embargo.StageAcknowledge, t0, ack, tAck)
	if d, ok := pol.SLA.Stages[embargo.StageAssess].For(""); ok {
		expect(embargo.StageAssess, t0, d, tAck)
	}
	if d, ok := pol.SLA.Stages[embargo.StageFix].For(severity); ok && severity != "" {
		expect(embargo.StageFix, tAck, d, horizon)
	}
	if d, ok := pol.SLA.Stages[embargo.StageDisclose].For(""); ok {
		expect(embargo.StageDisclose, t0, d, horizon)
	}
	order := func(rs []record) {
		sort.Slice(rs, func(i, j int) bool {
			if !rs[i].At.Equal(rs[j].At) {
				return rs[i].At.Before(rs[j].At)
			}
			return rs[i].Stage < rs[j].Stage
		})
	}
	order(got)
	order(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("SLA actions\n got: %s\nwant: %s", strings.Join(strs(got), "\n      "), strings.Join(strs(want), "\n      "))
	}
	// The owners were alerted of each breach, the triager reminded.
	for u, kind := range map[int64]string{owner.ID: "breach", triager.ID: "reminder"} {
		ns, _, err := w.st.Notifications(ctx, u, 1000)
		if err != nil {
			t.Fatal(err)
		}
		wantN := 0
		for _, r := range want {
			if strings.HasPrefix(r.To, kind) && !(kind == "reminder" && r.At.After(tAck)) {
				wantN++
			}
		}
		gotN := 0
		for _, n := range ns {
			if n.Kind == kind && !(kind == "reminder" && n.CreatedAt.After(tAck)) {
				gotN++
			}
		}
		if gotN != wantN || wantN == 0 {
			t.Errorf("%s notifications: %d, want %d", kind, gotN, wantN)
		}
	}
	return got
}

func hoursOf(d embargo.Duration) time.Duration {
	switch d.Unit {
	case embargo.Days:
		return time.Duration(d.N) * 24 * time.Hour
	case embargo.Weeks:
		return time.Duration(d.N) * 7 * 24 * time.Hour
	}
	return time.Duration(d.N) * time.Hour
}

func strs(rs []record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// TestNeedsInfoPausesTheReminders: virtrigaud pauses its clocks while a
// report waits for the reporter. Acknowledged after an hour, put in
// needs-info after two and resumed 24 hours later, the report's 5-business-
// day assessment deadline moves by the 24 hours paused, and its reminders
// and breach come at the moved instants, once each.
func TestNeedsInfoPausesTheReminders(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile("../../examples/policies/virtrigaud.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pol, _ := policy.Parse(src)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday
	w := &slaWorld{t: t, path: filepath.Join(t.TempDir(), "e.db"), clock: &fakeClock{t0}}
	w.start()
	defer w.stop()
	p, err := w.a.AddProject(ctx, embargo.ActorCLI, "virtrigaud.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	tri, err := w.st.CreateUser(ctx, store.NewUser{Email: "t@example.org", Name: "T", PasswordHash: "x"}, embargo.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.st.SetMember(ctx, embargo.ActorCLI, p.ID, tri.ID, embargo.RoleTriager); err != nil {
		t.Fatal(err)
	}
	rc, err := w.a.SubmitReport(ctx, p.Slug, app.Submission{Channel: embargo.IntakeWeb, Content: embargo.ReportContent{Title: "t", Description: "d"}})
	if err != nil {
		t.Fatal(err)
	}
	u := embargo.User{ID: tri.ID}
	move := func(at time.Duration, to embargo.State) {
		t.Helper()
		w.clock.t = t0.Add(at)
		if _, err := w.a.Transition(ctx, u, p.Slug, rc.Report.Number, to, "test"); err != nil {
			t.Fatal(err)
		}
	}
	move(time.Hour, embargo.StateAcknowledged)
	move(2*time.Hour, embargo.StateNeedsInfo)
	move(26*time.Hour, embargo.StateAcknowledged)
	assess, _ := pol.SLA.Stages[embargo.StageAssess].For("")
	due, _ := sla.Deadline(t0, assess, pol.Calendar)
	due = due.Add(24 * time.Hour)
	var got []string
	seen := map[int64]bool{}
	for {
		next, err := w.st.NextActionAt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if next.IsZero() || next.After(due) {
			break
		}
		if next.After(w.clock.t) {
			w.clock.t = next
		}
		if _, err := w.a.SweepSLA(ctx); err != nil {
			t.Fatal(err)
		}
		evs, _ := w.st.Events(ctx, rc.Report.ID, embargo.AudienceInternal)
		for _, e := range evs {
			if e.Kind == embargo.EventSLA && !seen[e.ID] {
				seen[e.ID] = true
				got = append(got, w.clock.t.Format("2006-01-02 15:04")+" "+e.From+" "+e.To)
			}
		}
	}
	want := []string{
		due.Add(-24*time.Hour).Format("2006-01-02 15:04") + " assess reminder:24h",
		due.Add(-time.Hour).Format("2006-01-02 15:04") + " assess reminder:1h",
		due.Format("2006-01-02 15:04") + " assess breach",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("SLA actions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSweepGoesOnPastABrokenReport: a report the sweep cannot handle (its
// policy revision is missing) is logged and looked at again five minutes
// later; the other reports' breaches are still taken.
func TestSweepGoesOnPastABrokenReport(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	w := &slaWorld{t: t, path: filepath.Join(t.TempDir(), "e.db"), clock: &fakeClock{t0}}
	w.start()
	defer w.stop()
	if _, err := w.a.AddProject(ctx, embargo.ActorCLI, "d.yaml", []byte("version: 1\nproject: {name: Demo, slug: demo}\ncontacts: {email: security@demo.org}\nsla: {acknowledge: 48h}\n")); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for range 2 {
		rc, err := w.a.SubmitReport(ctx, "demo", app.Submission{Channel: embargo.IntakeAPI, Content: embargo.ReportContent{Title: "t", Description: "d"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.Report.ID)
	}
	if _, err := w.st.JobDB().ExecContext(ctx, `UPDATE reports SET policy_revision = 99 WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	w.clock.t = t0.Add(49 * time.Hour)
	n, err := w.a.SweepSLA(ctx)
	if err == nil || n != 1 {
		t.Fatalf("sweep: %d actions, err %v", n, err)
	}
	broken, _ := w.st.Report(ctx, ids[0])
	if !broken.NextActionAt.Equal(w.clock.t.Add(app.SweepRetry)) {
		t.Fatalf("the broken report's next action: %v", broken.NextActionAt)
	}
	evs, _ := w.st.Events(ctx, ids[1], embargo.AudienceInternal)
	if len(evs) == 0 || evs[len(evs)-1].To != "breach" {
		t.Fatalf("the other report's breach was not taken: %+v", evs)
	}
}
