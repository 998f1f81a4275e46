package app

import (
	"context"
	"strings"

	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// CVSS versions Embargo scores.
const (
	CVSS31 = "3.1"
	CVSS40 = "4.0"
)

// ScoreCVSS parses a CVSS v3.1 or v4.0 base vector with the go-cvss
// library and returns it normalised with its base score. Scores are never
// typed by hand. An Invalid-kind error says what is wrong.
func ScoreCVSS(version, vector string) (string, float64, error) {
	vector = strings.TrimSpace(vector)
	switch version {
	case CVSS31:
		v, err := gocvss31.ParseVector(vector)
		if err != nil {
			return "", 0, embargo.Errorf(embargo.KindInvalid, "not a CVSS v3.1 vector (CVSS:3.1/AV:N/AC:L/…): %v", err)
		}
		return v.Vector(), v.BaseScore(), nil
	case CVSS40:
		v, err := gocvss40.ParseVector(vector)
		if err != nil {
			return "", 0, embargo.Errorf(embargo.KindInvalid, "not a CVSS v4.0 vector (CVSS:4.0/AV:N/AC:L/…): %v", err)
		}
		return v.Vector(), v.Score(), nil
	}
	return "", 0, embargo.Errorf(embargo.KindInvalid, "unknown CVSS version %q: use 3.1 or 4.0", version)
}

// scores computes a report's CVSS scores and the severity they give under
// the policy: v4.0 when set, else v3.1.
func scores(pol *embargo.Policy, r embargo.Report) (s3, s4 float64, derived string) {
	if r.CVSS3 != "" {
		_, s3, _ = ScoreCVSS(CVSS31, r.CVSS3)
	}
	if r.CVSS4 != "" {
		_, s4, _ = ScoreCVSS(CVSS40, r.CVSS4)
	}
	switch {
	case r.CVSS4 != "":
		derived = severityFor(pol, s4)
	case r.CVSS3 != "":
		derived = severityFor(pol, s3)
	}
	return s3, s4, derived
}

// severityFor maps a score to the policy's severity band ("" when the
// scale has no CVSS bands or the score is 0).
func severityFor(pol *embargo.Policy, score float64) string {
	if score <= 0 {
		return ""
	}
	sevs := pol.Severities
	if len(sevs) == 0 {
		sevs = embargo.DefaultSeverities()
	}
	best := ""
	bestMin := -1.0
	for _, s := range sevs {
		if s.HasCVSS && score >= s.CVSSMin && s.CVSSMin > bestMin {
			best, bestMin = s.Name, s.CVSSMin
		}
	}
	return best
}

func severityNames(pol *embargo.Policy) []string {
	sevs := pol.Severities
	if len(sevs) == 0 {
		sevs = embargo.DefaultSeverities()
	}
	out := make([]string, len(sevs))
	for i, s := range sevs {
		out[i] = s.Name
	}
	return out
}

// SetCVSS sets (or, with an empty vector, clears) the report's CVSS v3.1
// or v4.0 vector. Unless the severity was overridden by hand, the
// severity follows the new score.
func (a *App) SetCVSS(ctx context.Context, u embargo.User, slug string, n int64, version, vector string) error {
	norm, kind := "", embargo.EventCVSS3
	if version == CVSS40 {
		kind = embargo.EventCVSS4
	}
	if strings.TrimSpace(vector) != "" {
		var err error
		if norm, _, err = ScoreCVSS(version, vector); err != nil {
			return embargo.FieldErrors{{Field: "cvss" + strings.ReplaceAll(version, ".", ""), Message: embargo.MessageOf(err)}}
		}
	} else if version != CVSS31 && version != CVSS40 {
		return embargo.Errorf(embargo.KindInvalid, "unknown CVSS version %q: use 3.1 or 4.0", version)
	}
	_, err := a.change(ctx, u, slug, n, "SetCVSS", func(r *embargo.Report, pol *embargo.Policy, _ []embargo.Event) ([]store.EventInput, error) {
		field := &r.CVSS3
		if version == CVSS40 {
			field = &r.CVSS4
		}
		if *field == norm {
			return nil, nil
		}
		from := *field
		*field = norm
		ins := []store.EventInput{{Event: embargo.Event{Kind: kind, Audience: embargo.AudienceThread, From: from, To: norm}}}
		if !r.SeverityOverride {
			_, _, derived := scores(pol, *r)
			if derived != r.Severity {
				ins = append(ins, store.EventInput{Event: embargo.Event{Kind: embargo.EventSeverity, Audience: embargo.AudienceThread,
					From: r.Severity, To: derived, Body: "derived from CVSS"}})
				r.Severity = derived
			}
		}
		return ins, nil
	})
	return err
}

// SetSeverity overrides the severity with one of the policy's names and a
// reason, or (severity "") returns to the severity the CVSS score gives.
// A severity starts the fix deadline of that severity; a change moves it.
func (a *App) SetSeverity(ctx context.Context, u embargo.User, slug string, n int64, severity, reason string) error {
	severity = strings.ToLower(strings.TrimSpace(severity))
	reason, err := optionalText(reason, "reason")
	if err != nil {
		return err
	}
	if severity != "" && reason == "" {
		return embargo.FieldErrors{{Field: "reason", Message: "say why the severity differs from what CVSS gives"}}
	}
	_, err = a.change(ctx, u, slug, n, "SetSeverity", func(r *embargo.Report, pol *embargo.Policy, _ []embargo.Event) ([]store.EventInput, error) {
		to, override := severity, true
		if severity == "" {
			_, _, to = scores(pol, *r)
			override = false
			reason = "derived from CVSS"
		} else if _, ok := pol.SeverityNamed(severity); !ok && !contains(severityNames(pol), severity) {
			return nil, embargo.FieldErrors{{Field: "severity", Message: "unknown severity " + severity + ": the policy's are " + strings.Join(severityNames(pol), ", ")}}
		}
		if to == r.Severity && override == r.SeverityOverride {
			return nil, nil
		}
		from := r.Severity
		r.Severity, r.SeverityOverride = to, override
		return []store.EventInput{{Event: embargo.Event{Kind: embargo.EventSeverity, Audience: embargo.AudienceThread, From: from, To: to, Body: reason}}}, nil
	})
	return err
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
