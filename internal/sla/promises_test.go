package sla

import (
	"os"
	"testing"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/policy"
)

func seedPolicy(t *testing.T, name string) *embargo.Policy {
	t.Helper()
	data, err := os.ReadFile("../../examples/policies/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	pol, diags := policy.Parse(data)
	if pol == nil {
		t.Fatal(diags.Err(name))
	}
	return pol
}

func TestPromisedForTheSeeds(t *testing.T) {
	received := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC) // a Monday
	tests := []struct {
		policy string
		want   map[string]string
	}{
		{"virtrigaud", map[string]string{"acknowledge": "2026-11-25T14:00:00Z", "assess": "2026-11-30T14:00:00Z", "disclose": "2027-02-21T14:00:00Z"}},
		{"bpfcompat", map[string]string{"acknowledge": "2026-11-26T14:00:00Z", "assess": "2026-12-02T14:00:00Z"}},
		{"metricsd", map[string]string{"acknowledge": "2026-11-25T14:00:00Z", "assess": "2026-11-30T14:00:00Z"}},
		{"aeraki", map[string]string{"acknowledge": "2026-11-30T14:00:00Z"}},
	}
	for _, tt := range tests {
		got := map[string]string{}
		for _, p := range Promised(seedPolicy(t, tt.policy), received) {
			got[p.Stage] = p.Due.Format(time.RFC3339)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: promised %v, want %v", tt.policy, got, tt.want)
		}
		for stage, due := range tt.want {
			if got[stage] != due {
				t.Errorf("%s %s: due %s, want %s", tt.policy, stage, got[stage], due)
			}
		}
	}
}

func TestFixDueBySeverity(t *testing.T) {
	pol := seedPolicy(t, "virtrigaud")
	assessed := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for sev, want := range map[string]string{"critical": "2026-11-28T09:00:00Z", "high": "2026-12-04T09:00:00Z", "medium": "2026-12-27T09:00:00Z"} {
		p, ok := FixDue(pol, sev, assessed)
		if !ok || p.Due.Format(time.RFC3339) != want {
			t.Errorf("fix %s: %v %v, want %s", sev, p.Due, ok, want)
		}
	}
	if p, ok := FixDue(pol, "low", assessed); !ok || !p.Due.IsZero() || p.Duration.Unit != embargo.NextRelease {
		t.Errorf("fix low: %+v %v, want next-release without an instant", p, ok)
	}
	if _, ok := FixDue(seedPolicy(t, "netbird-api-exporter"), "high", assessed); ok {
		t.Error("netbird promises a fix window for critical only")
	}
}

func TestStageDueForAnyPerSeverityStage(t *testing.T) {
	pol, diags := policy.Parse([]byte("version: 1\nproject: {name: D, slug: d}\ncontacts: {email: s@d.org}\nsla:\n  assess: {critical: 24h, default: 5bd}\n"))
	if pol == nil {
		t.Fatal(diags)
	}
	received := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	// Until the severity is known, the default is the promise.
	if ps := Promised(pol, received); len(ps) != 1 || ps[0].Stage != "assess" || ps[0].Duration.String() != "5bd" {
		t.Errorf("promised on arrival: %+v", ps)
	}
	p, ok := StageDue(pol, embargo.StageAssess, "critical", received)
	if !ok || p.Due.Format(time.RFC3339) != "2026-11-24T14:00:00Z" {
		t.Errorf("critical assess: %+v %v", p, ok)
	}
	p, ok = StageDue(pol, embargo.StageAssess, "low", received)
	if !ok || p.Due.Format(time.RFC3339) != "2026-11-30T14:00:00Z" {
		t.Errorf("default assess: %+v %v", p, ok)
	}
}
