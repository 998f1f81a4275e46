package sla

import (
	"strings"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// nov is a time in the week of 23 Nov 2026 (a Monday), UTC.
func nov(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, time.UTC) }

func timers(ts []Timer) map[string]Timer {
	m := map[string]Timer{}
	for _, t := range ts {
		m[t.Stage] = t
	}
	return m
}

func TestTimers(t *testing.T) {
	vr := seedPolicy(t, "virtrigaud") // ack 48h, assess 5bd, fix 24h/7d/30d/next-release, disclose 90d
	received := nov(23, 14)
	type want struct {
		status Status
		due    string // RFC 3339, "" for none
		sev    string
	}
	tests := []struct {
		name   string
		events []Event
		now    time.Time
		want   map[string]want
	}{
		{"fresh report", nil, nov(24, 9), map[string]want{
			"acknowledge": {Running, "2026-11-25T14:00:00Z", ""},
			"assess":      {Running, "2026-11-30T14:00:00Z", ""},
			"fix":         {NotStarted, "", ""},
			"disclose":    {Running, "2027-02-21T14:00:00Z", ""},
		}},
		{"acknowledged in time, then severity high", []Event{{At: nov(24, 10), To: embargo.StateAcknowledged}, {At: nov(26, 9), Severity: "high"}}, nov(27, 9), map[string]want{
			"acknowledge": {Met, "2026-11-25T14:00:00Z", ""},
			"assess":      {Met, "2026-11-30T14:00:00Z", ""},
			"fix":         {Running, "2026-12-03T09:00:00Z", "high"},
		}},
		{"raising the severity recomputes the fix deadline", []Event{{At: nov(24, 10), To: embargo.StateAcknowledged}, {At: nov(26, 9), Severity: "high"}, {At: nov(26, 12), Severity: "critical"}}, nov(28, 9), map[string]want{
			"fix": {Breached, "2026-11-27T09:00:00Z", "critical"},
		}},
		{"nobody acknowledged", nil, nov(26, 9), map[string]want{
			"acknowledge": {Breached, "2026-11-25T14:00:00Z", ""},
		}},
		{"acknowledged late", []Event{{At: nov(26, 9), To: embargo.StateAcknowledged}}, nov(26, 10), map[string]want{
			"acknowledge": {MetLate, "2026-11-25T14:00:00Z", ""},
		}},
		{"needs-info pauses and adds the paused time", []Event{{At: nov(24, 10), To: embargo.StateAcknowledged}, {At: nov(25, 10), To: embargo.StateNeedsInfo}, {At: nov(27, 10), To: embargo.StateAcknowledged}}, nov(27, 11), map[string]want{
			"assess":   {Running, "2026-12-02T14:00:00Z", ""},
			"disclose": {Running, "2027-02-23T14:00:00Z", ""},
		}},
		{"still waiting for the reporter", []Event{{At: nov(24, 10), To: embargo.StateAcknowledged}, {At: nov(25, 10), To: embargo.StateNeedsInfo}}, nov(26, 10), map[string]want{
			"assess": {Paused, "2026-12-01T14:00:00Z", ""},
		}},
		{"closed as invalid stops the clocks", []Event{{At: nov(24, 10), To: embargo.StateInvalid}}, nov(30, 10), map[string]want{
			"acknowledge": {Stopped, "2026-11-25T14:00:00Z", ""},
			"disclose":    {Stopped, "2027-02-21T14:00:00Z", ""},
		}},
		{"low severity: next release, no instant", []Event{{At: nov(24, 10), To: embargo.StateAcknowledged}, {At: nov(24, 11), Severity: "low"}}, nov(30, 10), map[string]want{
			"fix": {Running, "", "low"},
		}},
		{"fixed then disclosed", []Event{{At: nov(24, 10), To: embargo.StateAcknowledged}, {At: nov(24, 11), Severity: "medium"}, {At: nov(24, 12), To: embargo.StateTriaged},
			{At: nov(25, 9), To: embargo.StateFixing}, {At: nov(27, 9), To: embargo.StateFixed}, {At: nov(30, 9), To: embargo.StateDisclosed}}, nov(30, 10), map[string]want{
			"fix":      {Met, "2026-12-24T11:00:00Z", "medium"},
			"disclose": {Met, "2027-02-21T14:00:00Z", ""},
		}},
		{"events after now are not seen yet", []Event{{At: nov(26, 9), To: embargo.StateAcknowledged}}, nov(24, 9), map[string]want{
			"acknowledge": {Running, "2026-11-25T14:00:00Z", ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := timers(Evaluate(vr, received, tt.events, tt.now))
			for stage, w := range tt.want {
				g, ok := got[stage]
				if !ok {
					t.Fatalf("no %s timer", stage)
				}
				due := ""
				if !g.Due.IsZero() {
					due = g.Due.Format(time.RFC3339)
				}
				if g.Status != w.status || due != w.due || g.Severity != w.sev {
					t.Errorf("%s: %s due %q severity %q, want %s due %q severity %q", stage, g.Status, due, g.Severity, w.status, w.due, w.sev)
				}
			}
		})
	}
}

func TestTimersWithoutPauseOrWindow(t *testing.T) {
	nb := seedPolicy(t, "netbird-api-exporter") // fix: critical 30d only
	got := timers(Evaluate(nb, nov(23, 14), []Event{{At: nov(24, 9), Severity: "high"}}, nov(25, 9)))
	if _, ok := got["fix"]; ok {
		t.Error("a fix timer for a severity the policy promises nothing for")
	}
	nb.SLA.PauseOnNeedsInfo = false
	got = timers(Evaluate(nb, nov(23, 14), []Event{{At: nov(24, 9), To: embargo.StateNeedsInfo}}, nov(25, 9)))
	if a := got["assess"]; a.Status != Running || a.Paused != 0 {
		t.Errorf("needs-info paused a policy that does not pause: %+v", a)
	}
}

func TestTimeLeft(t *testing.T) {
	ts := timers(Evaluate(seedPolicy(t, "virtrigaud"), nov(23, 14), nil, nov(24, 14)))
	left, ok := ts["acknowledge"].Left(nov(24, 14))
	if !ok || left != 24*time.Hour {
		t.Errorf("left %v %v, want 24h", left, ok)
	}
	if _, ok := ts["fix"].Left(nov(24, 14)); ok {
		t.Error("a fix timer that has not started has time left")
	}
	if s := string(Breached); !strings.Contains(s, "breach") {
		t.Error(s)
	}
}
