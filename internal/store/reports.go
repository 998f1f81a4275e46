package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// NewReport is what CreateReport stores: a validated report from a
// reporter, the hash of its thread link, and the attachments it came with.
type NewReport struct {
	ProjectID      int64
	PolicyRevision int
	Channel        string
	ThreadHash     string
	// IdempotencyKey, when set, makes a retry of the same request return
	// the report it created; RequestSHA256 tells a retry from a different
	// request under the same key.
	IdempotencyKey string
	RequestSHA256  string
	Content        embargo.ReportContent
	Attachments    []NewAttachment
	NextDue        time.Time
	// NextActionAt is the first SLA action (a reminder) due for it.
	NextActionAt time.Time
	// Labels and Notes are set by intake rules: labels on the report and
	// internal notes on its timeline (after the "submitted" event).
	Labels []string
	Notes  []string
	// Mail threads a report that arrived by mail and queues its receipt.
	Mail *MailChange
}

// NewAttachment is a file to store with a report or an event.
type NewAttachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// CreateReport stores a new report, its "submitted" event, its
// attachments and the audit entry in one durable transaction. With an
// idempotency key it returns the earlier report and replay=true when the
// same request was already accepted, and a Conflict-kind error when the
// key was used for a different request.
func (s *Store) CreateReport(ctx context.Context, nr NewReport) (r embargo.Report, replay bool, err error) {
	now := s.now()
	content, err := s.sealContent(ctx, nr.ProjectID, nr.ThreadHash, nr.Content)
	if err != nil {
		return r, false, fmt.Errorf("store.CreateReport: %w", err)
	}
	var replayID int64
	err = s.inTx(ctx, "store.CreateReport", func(ctx context.Context, tx *sql.Tx) error {
		if s.dialect == Postgres && nr.IdempotencyKey == "" {
			if err := s.createReportPostgres(ctx, tx, &r, nr, content, now); err != nil {
				return err
			}
			return s.applyMail(ctx, tx, r.ProjectID, r.ID, nr.Mail, now)
		}
		// Numbering first: the update takes the project's row lock, which
		// serialises concurrent submissions (and their idempotency checks)
		// on PostgreSQL; SQLite runs one write transaction at a time.
		var number int64
		if err := s.txQueryRow(ctx, tx, `UPDATE projects SET report_seq = report_seq + 1 WHERE id = $1 RETURNING report_seq`,
			nr.ProjectID).Scan(&number); err != nil {
			return notFound(err, "project")
		}
		if nr.IdempotencyKey != "" {
			var id int64
			var digest string
			err := tx.QueryRowContext(ctx, `SELECT id, request_sha256 FROM reports WHERE project_id = $1 AND idempotency_key = $2`,
				nr.ProjectID, nr.IdempotencyKey).Scan(&id, &digest)
			switch {
			case err == nil && digest == nr.RequestSHA256:
				replayID = id
				return errReplay // roll back the number taken above
			case err == nil:
				return embargo.Errorf(embargo.KindConflict, "this Idempotency-Key was already used for a different request")
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		r = embargo.Report{ProjectID: nr.ProjectID, Number: number, State: embargo.StateNew, Channel: nr.Channel,
			PolicyRevision: nr.PolicyRevision, ReceivedAt: now, UpdatedAt: now, NextDue: nr.NextDue.UTC(), Content: nr.Content,
			NextActionAt: nr.NextActionAt.UTC(), SLADone: []string{}}
		var key, digest any
		if nr.IdempotencyKey != "" {
			key, digest = nr.IdempotencyKey, nr.RequestSHA256
		}
		r.Labels = nonNilStrings(nr.Labels)
		labels, _ := json.Marshal(r.Labels)
		if err := s.txQueryRow(ctx, tx, `INSERT INTO reports (project_id, number, state, channel, policy_revision,
			received_at, updated_at, next_due, thread_hash, idempotency_key, request_sha256, content, labels, next_action_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			r.ProjectID, r.Number, r.State, r.Channel, r.PolicyRevision, now, now, nullTime(r.NextDue),
			nr.ThreadHash, key, digest, content, string(labels), nullTime(r.NextActionAt)).Scan(&r.ID); err != nil {
			return err
		}
		ev := embargo.Event{ReportID: r.ID, At: now, Actor: embargo.ActorReporter, Kind: embargo.EventSubmitted,
			Audience: embargo.AudienceThread, To: string(embargo.StateNew)}
		if err := s.insertEvent(ctx, tx, r.ProjectID, &ev, nr.Attachments); err != nil {
			return err
		}
		if err := s.intakeNotes(ctx, tx, r.ProjectID, r.ID, now, nr.Notes); err != nil {
			return err
		}
		if err := s.applyMail(ctx, tx, r.ProjectID, r.ID, nr.Mail, now); err != nil {
			return err
		}
		return s.auditSubmit(ctx, tx, r, len(nr.Attachments))
	})
	if errors.Is(err, errReplay) {
		r, err = s.Report(ctx, replayID)
		return r, true, err
	}
	if err != nil {
		return embargo.Report{}, false, err
	}
	return r, false, nil
}

func (s *Store) auditSubmit(ctx context.Context, tx *sql.Tx, r embargo.Report, files int) error {
	return s.appendAudit(ctx, tx, submitRecord(r, files))
}

func submitRecord(r embargo.Report, files int) auditRecord {
	return auditRecord{Actor: embargo.ActorReporter, Action: "report.submit", ProjectID: r.ProjectID,
		Subject: reportSubject(r.ID), Details: map[string]string{"number": strconv.FormatInt(r.Number, 10),
			"channel": r.Channel, "attachments": strconv.Itoa(files)}}
}

// createReportPostgres numbers and inserts a report and its "submitted"
// event, and advances the audit head, in one statement (a data-modifying
// CTE): one round trip instead of four while the project's row lock is
// held. The project's row is locked before the audit head, as everywhere.
func (s *Store) createReportPostgres(ctx context.Context, tx *sql.Tx, r *embargo.Report, nr NewReport, content []byte, now time.Time) error {
	*r = embargo.Report{ProjectID: nr.ProjectID, State: embargo.StateNew, Channel: nr.Channel,
		PolicyRevision: nr.PolicyRevision, ReceivedAt: now, UpdatedAt: now, NextDue: nr.NextDue.UTC(), Content: nr.Content,
		Labels: nonNilStrings(nr.Labels), NextActionAt: nr.NextActionAt.UTC(), SLADone: []string{}}
	labels, _ := json.Marshal(r.Labels)
	ev := embargo.Event{At: now, Actor: embargo.ActorReporter, Kind: embargo.EventSubmitted,
		Audience: embargo.AudienceThread, To: string(embargo.StateNew)}
	var seq int64
	var prev string
	err := tx.QueryRowContext(ctx, `WITH n AS (
			UPDATE projects SET report_seq = report_seq + 1 WHERE id = $1 RETURNING report_seq
		), r AS (
			INSERT INTO reports (project_id, number, state, channel, policy_revision, received_at, updated_at, next_due, thread_hash, content, labels, next_action_at)
			SELECT $1, n.report_seq, $2::text, $3::text, $4::integer, $5::timestamptz, $5::timestamptz, $6::timestamptz, $7::text, $8::bytea, $12::text, $13::timestamptz FROM n
			RETURNING id, number
		), e AS (
			INSERT INTO report_events (report_id, at, actor, kind, audience, to_value)
			SELECT r.id, $5::timestamptz, $9::text, $10::text, $11::text, $2::text FROM r
			RETURNING id
		), `+auditHeadCTE+`
		SELECT r.id, r.number, e.id, h.seq, h.hash FROM r, e, h`,
		nr.ProjectID, string(r.State), r.Channel, r.PolicyRevision, now, nullTime(r.NextDue), nr.ThreadHash, content,
		string(ev.Actor), string(ev.Kind), string(ev.Audience), string(labels), nullTime(r.NextActionAt)).Scan(&r.ID, &r.Number, &ev.ID, &seq, &prev)
	if err != nil {
		return notFound(err, "project")
	}
	ev.ReportID = r.ID
	if err := s.insertAttachments(ctx, tx, r.ProjectID, &ev, nr.Attachments); err != nil {
		return err
	}
	if err := s.intakeNotes(ctx, tx, r.ProjectID, r.ID, now, nr.Notes); err != nil {
		return err
	}
	return s.appendAuditAt(ctx, tx, submitRecord(*r, len(nr.Attachments)), seq, prev)
}

// intakeNotes records the notes of intake rules on a new report's
// internal timeline.
func (s *Store) intakeNotes(ctx context.Context, tx *sql.Tx, projectID, reportID int64, at time.Time, notes []string) error {
	for _, n := range notes {
		ev := embargo.Event{ReportID: reportID, At: at, Actor: embargo.ActorSystem, Kind: embargo.EventNote,
			Audience: embargo.AudienceInternal, Body: n}
		if err := s.insertEvent(ctx, tx, projectID, &ev, nil); err != nil {
			return err
		}
	}
	return nil
}

// errReplay aborts the transaction of an idempotent retry.
var errReplay = errors.New("idempotent replay")

func reportSubject(id int64) string { return "report:" + strconv.FormatInt(id, 10) }

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const reportColumns = `id, project_id, number, state, resume_state, severity, severity_override, cvss3, cvss4, cwes,
	assignee_id, labels, affected, duplicate_of, channel, policy_revision, received_at, updated_at, next_due, thread_hash, content,
	next_action_at, sla_done`

func (s *Store) scanReport(ctx context.Context, row interface{ Scan(...any) error }) (embargo.Report, error) {
	var r embargo.Report
	var assignee, dup sql.NullInt64
	var next, action sql.NullTime
	var cwes, labels, affected, done string
	var content []byte
	err := row.Scan(&r.ID, &r.ProjectID, &r.Number, &r.State, &r.Resume, &r.Severity, &r.SeverityOverride, &r.CVSS3, &r.CVSS4,
		&cwes, &assignee, &labels, &affected, &dup, &r.Channel, &r.PolicyRevision, &r.ReceivedAt, &r.UpdatedAt, &next, &r.ThreadHash, &content,
		&action, &done)
	if err != nil {
		return r, err
	}
	if action.Valid {
		r.NextActionAt = action.Time.UTC()
	}
	if err := json.Unmarshal([]byte(done), &r.SLADone); err != nil {
		return r, fmt.Errorf("report %d: sla_done: %w", r.ID, err)
	}
	r.AssigneeID, r.DuplicateOf = assignee.Int64, dup.Int64
	r.ReceivedAt, r.UpdatedAt = r.ReceivedAt.UTC(), r.UpdatedAt.UTC()
	if next.Valid {
		r.NextDue = next.Time.UTC()
	}
	if err := json.Unmarshal([]byte(cwes), &r.CWEs); err != nil {
		return r, fmt.Errorf("report %d: cwes: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(labels), &r.Labels); err != nil {
		return r, fmt.Errorf("report %d: labels: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(affected), &r.Affected); err != nil {
		return r, fmt.Errorf("report %d: affected: %w", r.ID, err)
	}
	if r.Content, err = s.openContent(ctx, r.ProjectID, r.ThreadHash, content); err != nil {
		return r, fmt.Errorf("report %d: content: %w", r.ID, err)
	}
	return r, nil
}

// Report returns a report by id, or a NotFound-kind error.
func (s *Store) Report(ctx context.Context, id int64) (embargo.Report, error) {
	r, err := s.scanReport(ctx, s.r.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = $1`, id))
	if err != nil {
		return r, fmt.Errorf("store.Report(%d): %w", id, notFound(err, "report"))
	}
	return r, nil
}

// ReportByNumber returns a project's report by its number, or a
// NotFound-kind error.
func (s *Store) ReportByNumber(ctx context.Context, projectID, number int64) (embargo.Report, error) {
	r, err := s.scanReport(ctx, s.r.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE project_id = $1 AND number = $2`, projectID, number))
	if err != nil {
		return r, fmt.Errorf("store.ReportByNumber(%d, %d): %w", projectID, number, notFound(err, "report"))
	}
	return r, nil
}

// ReportByThread returns the report whose thread link hashes to hash, or
// a NotFound-kind error.
func (s *Store) ReportByThread(ctx context.Context, hash string) (embargo.Report, error) {
	r, err := s.scanReport(ctx, s.r.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE thread_hash = $1`, hash))
	if err != nil {
		return r, fmt.Errorf("store.ReportByThread: %w", notFound(err, "thread"))
	}
	return r, nil
}

// ReportFilter selects reports for an inbox.
type ReportFilter struct {
	// ProjectIDs limits the reports to these projects; it must not be
	// empty (an inbox is always of the projects a maintainer belongs to).
	ProjectIDs []int64
	States     []embargo.State
	Severity   string
	// AssigneeID selects one assignee; Unassigned selects reports without.
	AssigneeID int64
	Unassigned bool
	Limit      int
	Offset     int
}

// where builds f's condition and its arguments; ok is false when f
// selects nothing (no project).
func (f ReportFilter) where() (cond string, args []any, ok bool) {
	if len(f.ProjectIDs) == 0 {
		return "", nil, false
	}
	var where []string
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	in := func(col string, vs []any) {
		ph := make([]string, len(vs))
		for i, v := range vs {
			ph[i] = arg(v)
		}
		where = append(where, col+" IN ("+strings.Join(ph, ", ")+")")
	}
	ids := make([]any, len(f.ProjectIDs))
	for i, id := range f.ProjectIDs {
		ids[i] = id
	}
	in("project_id", ids)
	if len(f.States) > 0 {
		st := make([]any, len(f.States))
		for i, v := range f.States {
			st[i] = string(v)
		}
		in("state", st)
	}
	if f.Severity != "" {
		where = append(where, "severity = "+arg(f.Severity))
	}
	switch {
	case f.Unassigned:
		where = append(where, "assignee_id IS NULL")
	case f.AssigneeID != 0:
		where = append(where, "assignee_id = "+arg(f.AssigneeID))
	}
	return strings.Join(where, " AND "), args, true
}

// inboxOrder is the inbox's order: nearest deadline first, reports without
// a running deadline last, oldest first.
const inboxOrder = ` ORDER BY CASE WHEN next_due IS NULL THEN 1 ELSE 0 END, next_due, received_at, id`

func (f ReportFilter) limit() int {
	if f.Limit <= 0 || f.Limit > 500 {
		return 50
	}
	return f.Limit
}

// Reports returns one page of the reports matching f, nearest deadline
// first (reports without a running deadline last, oldest first), and how
// many match in all.
func (s *Store) Reports(ctx context.Context, f ReportFilter) ([]embargo.Report, int, error) {
	cond, args, ok := f.where()
	if !ok {
		return nil, 0, nil
	}
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store.Reports: %w", err)
	}
	// The page's ids first, then their rows: sorting narrow rows instead
	// of whole reports (sealed content included) keeps a page of a large
	// inbox fast (docs/BENCHMARKS.md, "Search").
	n := len(args)
	q := `SELECT ` + reportColumns + ` FROM reports WHERE id IN (SELECT id FROM reports WHERE ` + cond + inboxOrder +
		` LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2) + `)` + inboxOrder
	rows, err := s.r.QueryContext(ctx, q, append(args, f.limit(), f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store.Reports: %w", err)
	}
	defer rows.Close()
	var out []embargo.Report
	for rows.Next() {
		r, err := s.scanReport(ctx, rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store.Reports: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// ChangeFunc applies a change to a report inside the transaction that
// stores it: it sees the report as it is now and its timeline (bodies
// left out), mutates the report and returns the events that record the
// change. An error aborts the change.
type ChangeFunc func(r *embargo.Report, history []embargo.Event) ([]EventInput, error)

// EventInput is an event to record, with the files that came with it.
type EventInput struct {
	Event       embargo.Event
	Attachments []NewAttachment
	// Notify lists the users who get an in-app notification of the
	// event, of kind NotifyKind ("reminder", "breach").
	Notify     []int64
	NotifyKind string
	// Webhooks queues a delivery of the event to each of the project's
	// active webhooks.
	Webhooks bool
	// Mail records thread keys and queues mail to the reporter.
	Mail *MailChange
}

// ChangeReport runs fn on the current report under its row lock, then
// stores the report, the events fn returned and an audit entry per event
// in the same transaction. It returns the report as stored and the events
// with their ids.
func (s *Store) ChangeReport(ctx context.Context, id int64, fn ChangeFunc) (embargo.Report, []embargo.Event, error) {
	var r embargo.Report
	var out []embargo.Event
	err := s.inTx(ctx, "store.ChangeReport("+strconv.FormatInt(id, 10)+")", func(ctx context.Context, tx *sql.Tx) error {
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var err error
		r, err = s.scanReport(ctx, tx.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = $1`+lock, id))
		if err != nil {
			return notFound(err, "report")
		}
		history, err := s.events(ctx, tx, 0, id, "", false)
		if err != nil {
			return err
		}
		inputs, err := fn(&r, history)
		if err != nil {
			return err
		}
		out, err = s.storeChange(ctx, tx, &r, inputs)
		return err
	})
	if err != nil {
		return embargo.Report{}, nil, err
	}
	return r, out, nil
}

// storeChange writes a changed report, its new events and an audit entry
// per event inside tx, and returns the events with their ids.
func (s *Store) storeChange(ctx context.Context, tx *sql.Tx, r *embargo.Report, inputs []EventInput) ([]embargo.Event, error) {
	now := s.now()
	r.UpdatedAt = now
	content, err := s.sealContent(ctx, r.ProjectID, r.ThreadHash, r.Content)
	if err != nil {
		return nil, err
	}
	cwes, _ := json.Marshal(nonNilStrings(r.CWEs))
	labels, _ := json.Marshal(nonNilStrings(r.Labels))
	if r.Affected == nil {
		r.Affected = []embargo.Affected{}
	}
	affected, err := json.Marshal(r.Affected)
	if err != nil {
		return nil, err
	}
	done, _ := json.Marshal(nonNilStrings(r.SLADone))
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET state = $1, resume_state = $2, severity = $3, severity_override = $4,
		cvss3 = $5, cvss4 = $6, cwes = $7, assignee_id = $8, labels = $9, affected = $10, duplicate_of = $11, updated_at = $12,
		next_due = $13, content = $14, next_action_at = $15, sla_done = $16, policy_revision = $17 WHERE id = $18`,
		r.State, r.Resume, r.Severity, r.SeverityOverride, r.CVSS3, r.CVSS4, string(cwes), nullID(r.AssigneeID),
		string(labels), string(affected), nullID(r.DuplicateOf), now, nullTime(r.NextDue), content,
		nullTime(r.NextActionAt), string(done), r.PolicyRevision, r.ID); err != nil {
		return nil, err
	}
	var out []embargo.Event
	for _, in := range inputs {
		ev := in.Event
		ev.ReportID, ev.At = r.ID, now
		if err := s.insertEvent(ctx, tx, r.ProjectID, &ev, in.Attachments); err != nil {
			return nil, err
		}
		if in.Webhooks {
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, report_id, event_id, created_at)
				SELECT id, $1, $2, $3 FROM webhooks WHERE project_id = $4 AND active`, r.ID, ev.ID, now, r.ProjectID); err != nil {
				return nil, fmt.Errorf("webhook deliveries: %w", err)
			}
		}
		if err := s.applyMail(ctx, tx, r.ProjectID, r.ID, in.Mail, now); err != nil {
			return nil, err
		}
		for _, uid := range in.Notify {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, report_id, event_id, kind, created_at) VALUES ($1, $2, $3, $4, $5)`,
				uid, r.ID, ev.ID, in.NotifyKind, now); err != nil {
				return nil, fmt.Errorf("notification: %w", err)
			}
		}
		details := map[string]string{"number": strconv.FormatInt(r.Number, 10), "audience": string(ev.Audience)}
		if auditsValues(ev.Kind) {
			details["from"], details["to"] = ev.From, ev.To
		}
		if len(in.Attachments) > 0 {
			details["attachments"] = strconv.Itoa(len(in.Attachments))
		}
		if err := s.appendAudit(ctx, tx, auditRecord{Actor: ev.Actor, Action: "report." + string(ev.Kind),
			ProjectID: r.ProjectID, Subject: reportSubject(r.ID), Details: details}); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// auditsValues says whether an event's old and new values may go into the
// audit log: triage metadata may, anything the reporter wrote may not.
func auditsValues(k embargo.EventKind) bool {
	switch k {
	case embargo.EventState, embargo.EventSeverity, embargo.EventCVSS3, embargo.EventCVSS4, embargo.EventCWE,
		embargo.EventAssignee, embargo.EventLabels, embargo.EventDuplicate, embargo.EventAffected, embargo.EventPolicy, embargo.EventSLA:
		return true
	}
	return false
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, projectID int64, ev *embargo.Event, files []NewAttachment) error {
	if err := s.txQueryRow(ctx, tx, `INSERT INTO report_events (report_id, at, actor, kind, audience, from_value, to_value)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		ev.ReportID, ev.At, string(ev.Actor), string(ev.Kind), string(ev.Audience), ev.From, ev.To).Scan(&ev.ID); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	if ev.Body != "" {
		// The body is sealed to the event's own row, so it is written once
		// the row has its id.
		body, err := s.sealCell(ctx, projectID, "report_events", "body", rowKey(ev.ID), []byte(ev.Body))
		if err != nil {
			return err
		}
		if _, err := s.txExec(ctx, tx, `UPDATE report_events SET body = $1 WHERE id = $2`, body, ev.ID); err != nil {
			return fmt.Errorf("event: %w", err)
		}
	}
	return s.insertAttachments(ctx, tx, projectID, ev, files)
}

func (s *Store) insertAttachments(ctx context.Context, tx *sql.Tx, projectID int64, ev *embargo.Event, files []NewAttachment) error {
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		a := embargo.Attachment{ReportID: ev.ReportID, EventID: ev.ID, Name: f.Name, ContentType: f.ContentType,
			Size: int64(len(f.Data)), SHA256: hex.EncodeToString(sum[:])}
		if err := tx.QueryRowContext(ctx, `INSERT INTO attachments (report_id, event_id, name, content_type, size, sha256, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			a.ReportID, a.EventID, []byte{}, a.ContentType, a.Size, a.SHA256, []byte{}).Scan(&a.ID); err != nil {
			return fmt.Errorf("attachment: %w", err)
		}
		name, err := s.sealCell(ctx, projectID, "attachments", "name", rowKey(a.ID), []byte(f.Name))
		if err != nil {
			return err
		}
		data, err := s.sealCell(ctx, projectID, "attachments", "data", rowKey(a.ID), f.Data)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE attachments SET name = $1, data = $2 WHERE id = $3`, name, data, a.ID); err != nil {
			return fmt.Errorf("attachment: %w", err)
		}
		ev.Attachments = append(ev.Attachments, a)
	}
	return nil
}

// Events returns a report's timeline in order: every event when audience
// is empty, else only the events of that audience (AudienceThread: what
// the reporter sees; AudienceInternal: the team's notes and records).
func (s *Store) Events(ctx context.Context, reportID int64, audience embargo.Audience) ([]embargo.Event, error) {
	var projectID int64
	if err := s.r.QueryRowContext(ctx, `SELECT project_id FROM reports WHERE id = $1`, reportID).Scan(&projectID); err != nil {
		return nil, fmt.Errorf("store.Events(%d): %w", reportID, notFound(err, "report"))
	}
	evs, err := s.events(ctx, s.r, projectID, reportID, audience, true)
	if err != nil {
		return nil, fmt.Errorf("store.Events(%d): %w", reportID, err)
	}
	return evs, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) events(ctx context.Context, q querier, projectID, reportID int64, audience embargo.Audience, withBodies bool) ([]embargo.Event, error) {
	cond := ""
	args := []any{reportID}
	if audience != "" {
		cond = " AND audience = $2"
		args = append(args, string(audience))
	}
	bodyCol := "NULL"
	if withBodies {
		bodyCol = "body"
	}
	rows, err := q.QueryContext(ctx, `SELECT id, report_id, at, actor, kind, audience, from_value, to_value, `+bodyCol+`
		FROM report_events WHERE report_id = $1`+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []embargo.Event
	index := map[int64]int{}
	for rows.Next() {
		var ev embargo.Event
		var body []byte
		if err := rows.Scan(&ev.ID, &ev.ReportID, &ev.At, &ev.Actor, &ev.Kind, &ev.Audience, &ev.From, &ev.To, &body); err != nil {
			return nil, err
		}
		ev.At = ev.At.UTC()
		if len(body) > 0 {
			plain, err := s.openCell(ctx, projectID, "report_events", "body", rowKey(ev.ID), body)
			if err != nil {
				return nil, err
			}
			ev.Body = string(plain)
		}
		index[ev.ID] = len(out)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if !withBodies {
		return out, nil
	}
	arows, err := q.QueryContext(ctx, `SELECT id, event_id, name, content_type, size, sha256 FROM attachments WHERE report_id = $1 ORDER BY id`, reportID)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		a := embargo.Attachment{ReportID: reportID}
		var name []byte
		if err := arows.Scan(&a.ID, &a.EventID, &name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, err
		}
		plain, err := s.openCell(ctx, projectID, "attachments", "name", rowKey(a.ID), name)
		if err != nil {
			return nil, err
		}
		a.Name = string(plain)
		if i, ok := index[a.EventID]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	return out, arows.Err()
}

// Attachment returns one of a report's files and its bytes, or a
// NotFound-kind error. With audience AudienceThread, files of internal
// events are not found.
func (s *Store) Attachment(ctx context.Context, reportID, id int64, audience embargo.Audience) (embargo.Attachment, []byte, error) {
	a := embargo.Attachment{ReportID: reportID}
	var name, data []byte
	cond := ""
	args := []any{reportID, id}
	if audience != "" {
		cond = " AND e.audience = $3"
		args = append(args, string(audience))
	}
	var projectID int64
	err := s.r.QueryRowContext(ctx, `SELECT a.id, a.event_id, a.name, a.content_type, a.size, a.sha256, a.data, r.project_id
		FROM attachments a JOIN report_events e ON e.id = a.event_id JOIN reports r ON r.id = a.report_id
		WHERE a.report_id = $1 AND a.id = $2`+cond,
		args...).Scan(&a.ID, &a.EventID, &name, &a.ContentType, &a.Size, &a.SHA256, &data, &projectID)
	if err != nil {
		return a, nil, fmt.Errorf("store.Attachment(%d, %d): %w", reportID, id, notFound(err, "attachment"))
	}
	plainName, err := s.openCell(ctx, projectID, "attachments", "name", rowKey(a.ID), name)
	if err != nil {
		return a, nil, fmt.Errorf("store.Attachment(%d, %d): %w", reportID, id, err)
	}
	plain, err := s.openCell(ctx, projectID, "attachments", "data", rowKey(a.ID), data)
	if err != nil {
		return a, nil, fmt.Errorf("store.Attachment(%d, %d): %w", reportID, id, err)
	}
	a.Name = string(plainName)
	return a, plain, nil
}

// PairFunc changes two reports in one transaction: a report and another
// it refers to (a duplicate and its original). It sees both as they are
// now, the first one's timeline, and whether any report already refers to
// the first as its original.
type PairFunc func(r, other *embargo.Report, history []embargo.Event, hasDuplicates bool) (forR, forOther []EventInput, err error)

// ChangeReportPair runs fn on reports id and otherID under both row locks
// (taken in id order) and stores both with their events and audit entries
// in one transaction.
func (s *Store) ChangeReportPair(ctx context.Context, id, otherID int64, fn PairFunc) (embargo.Report, error) {
	var out embargo.Report
	err := s.inTx(ctx, "store.ChangeReportPair", func(ctx context.Context, tx *sql.Tx) error {
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		reports := map[int64]*embargo.Report{}
		first, second := min(id, otherID), max(id, otherID)
		for _, rid := range []int64{first, second} {
			r, err := s.scanReport(ctx, tx.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = $1`+lock, rid))
			if err != nil {
				return notFound(err, "report")
			}
			reports[rid] = &r
		}
		history, err := s.events(ctx, tx, 0, id, "", false)
		if err != nil {
			return err
		}
		var dups int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE duplicate_of = $1`, id).Scan(&dups); err != nil {
			return err
		}
		forR, forOther, err := fn(reports[id], reports[otherID], history, dups > 0)
		if err != nil {
			return err
		}
		if _, err := s.storeChange(ctx, tx, reports[id], forR); err != nil {
			return err
		}
		if _, err := s.storeChange(ctx, tx, reports[otherID], forOther); err != nil {
			return err
		}
		out = *reports[id]
		return nil
	})
	return out, err
}
