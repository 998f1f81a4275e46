package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// OpenCount is how many open reports a project has in a state and severity.
type OpenCount struct {
	Project, State, Severity string
	N                        int
}

// OpenReportCounts counts the open reports by project, state and severity.
func (s *Store) OpenReportCounts(ctx context.Context) ([]OpenCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.slug, r.state, r.severity, COUNT(*) FROM reports r JOIN projects p ON p.id = r.project_id
		WHERE r.state IN `+openStatesSQL()+` GROUP BY p.slug, r.state, r.severity ORDER BY 1, 2, 3`)
	if err != nil {
		return nil, fmt.Errorf("store.OpenReportCounts: %w", err)
	}
	defer rows.Close()
	var out []OpenCount
	for rows.Next() {
		var c OpenCount
		if err := rows.Scan(&c.Project, &c.State, &c.Severity, &c.N); err != nil {
			return nil, fmt.Errorf("store.OpenReportCounts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// BreachCount is how many deadlines of a stage a project has missed.
type BreachCount struct {
	Project, Stage string
	N              int
}

// BreachCounts counts the recorded deadline breaches by project and stage.
func (s *Store) BreachCounts(ctx context.Context) ([]BreachCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.slug, e.from_value, COUNT(*) FROM report_events e
		JOIN reports r ON r.id = e.report_id JOIN projects p ON p.id = r.project_id
		WHERE e.kind = 'sla' AND e.to_value = 'breach' GROUP BY p.slug, e.from_value ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("store.BreachCounts: %w", err)
	}
	defer rows.Close()
	var out []BreachCount
	for rows.Next() {
		var c BreachCount
		if err := rows.Scan(&c.Project, &c.Stage, &c.N); err != nil {
			return nil, fmt.Errorf("store.BreachCounts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Milestones are the instants a report reached each stage's end: the
// first acknowledgement, the first assessment (a severity, or triage),
// the first severity (the fix window's start), and the fix. Zero when
// not reached.
type Milestones struct {
	ProjectID, ReportID           int64
	Received                      time.Time
	Acknowledged, Assessed, Sever time.Time
	Fixed                         time.Time
}

// ReportMilestones returns the milestones of the reports received since
// (optionally of one project, when projectID is not 0).
func (s *Store) ReportMilestones(ctx context.Context, projectID int64, since time.Time) ([]Milestones, error) {
	cond, args := `r.received_at >= $1`, []any{since.UTC()}
	if projectID != 0 {
		cond += ` AND r.project_id = $2`
		args = append(args, projectID)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT r.project_id, r.id, r.received_at,
		MIN(CASE WHEN e.kind IN ('state', 'duplicate') AND e.to_value IN ('acknowledged', 'triaged', 'fixing', 'fixed', 'disclosed') THEN e.at END),
		MIN(CASE WHEN (e.kind = 'severity' AND e.to_value <> '') OR (e.kind = 'state' AND e.to_value IN ('triaged', 'fixing', 'fixed', 'disclosed')) THEN e.at END),
		MIN(CASE WHEN e.kind = 'severity' AND e.to_value <> '' THEN e.at END),
		MIN(CASE WHEN e.kind = 'state' AND e.to_value IN ('fixed', 'disclosed') THEN e.at END)
		FROM reports r LEFT JOIN report_events e ON e.report_id = r.id
		WHERE `+cond+` GROUP BY r.project_id, r.id, r.received_at ORDER BY r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store.ReportMilestones: %w", err)
	}
	defer rows.Close()
	var out []Milestones
	for rows.Next() {
		var m Milestones
		var ack, assess, sev, fixed any
		if err := rows.Scan(&m.ProjectID, &m.ReportID, &m.Received, &ack, &assess, &sev, &fixed); err != nil {
			return nil, fmt.Errorf("store.ReportMilestones: %w", err)
		}
		m.Received = m.Received.UTC()
		for _, x := range []struct {
			v   any
			dst *time.Time
		}{{ack, &m.Acknowledged}, {assess, &m.Assessed}, {sev, &m.Sever}, {fixed, &m.Fixed}} {
			t, err := anyTime(x.v)
			if err != nil {
				return nil, fmt.Errorf("store.ReportMilestones: %w", err)
			}
			*x.dst = t
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// anyTime reads an aggregate of timestamps: PostgreSQL returns a time,
// SQLite (whose MIN forgets the column's type) the stored text.
func anyTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return x.UTC(), nil
	case []byte:
		return anyTime(string(x))
	case string:
		if t, ok := parseStoredTime(x); ok {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("unreadable time %q", x)
	}
	return time.Time{}, fmt.Errorf("unreadable time of type %T", v)
}

// storedTimeLayouts are the text forms a timestamp takes in SQLite (the
// driver writes Go's time.String form) and in a backup (RFC 3339).
var storedTimeLayouts = []string{"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999-07:00",
	time.RFC3339Nano, "2006-01-02 15:04:05.999999999"}

// parseStoredTime reads a timestamp stored as text, in UTC.
func parseStoredTime(s string) (time.Time, bool) {
	for _, layout := range storedTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// openStatesSQL is the open states as an SQL list: ('new', 'acknowledged', …).
func openStatesSQL() string {
	var open []string
	for _, st := range embargo.States {
		if st.Open() {
			open = append(open, "'"+string(st)+"'")
		}
	}
	return "(" + strings.Join(open, ", ") + ")"
}

// JobCounts counts River's jobs by state; nil when the job tables do not
// exist (the engine has not started on this database).
func (s *Store) JobCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		if isMissingTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("store.JobCounts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("store.JobCounts: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}
