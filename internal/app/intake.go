package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/sla"
	"github.com/embargo-cvd/embargo/internal/store"
)

// Default intake limits (Options.MaxFileBytes, Options.MaxReportBytes).
const (
	DefaultMaxFileBytes   = 10 << 20
	DefaultMaxReportBytes = 25 << 20
	// MaxFiles bounds the number of files in one submission or message.
	MaxFiles = 20
)

// Upload is a file sent with a report or a message.
type Upload struct {
	Name        string
	ContentType string
	Data        []byte
}

// Submission is a report as a reporter sends it, through any channel.
type Submission struct {
	Content embargo.ReportContent
	Files   []Upload
	// Channel is embargo.IntakeWeb, IntakeAPI or IntakeEmail.
	Channel string
	// IdempotencyKey makes a retried submission return the same report.
	IdempotencyKey string
	// mail, for a report that came by mail, threads it and queues its
	// receipt in the transaction that stores it.
	mail func(p embargo.Project, pol *embargo.Policy, token string, promises []sla.Promise) (*store.MailChange, error)
}

// Receipt is what a reporter gets back: the report, the private thread
// link (shown once: only its hash is stored) and the dates the project
// promised.
type Receipt struct {
	Project   embargo.Project
	Report    embargo.Report
	ThreadURL string
	Promises  []sla.Promise
	// Replay is true when an idempotent retry returned an earlier report.
	Replay bool
}

// SubmitReport validates and stores a report for the project, durably,
// and returns its receipt. Errors: NotFound-kind for an unknown project,
// embargo.FieldErrors (Invalid) naming each bad field, TooLarge-kind for
// files over the limits, Conflict-kind for an Idempotency-Key reused with
// a different request.
func (a *App) SubmitReport(ctx context.Context, slug string, sub Submission) (Receipt, error) {
	p, pol, rev, err := a.policyInForce(ctx, slug)
	if err != nil {
		return Receipt{}, err
	}
	if err := sub.Content.Validate(); err != nil {
		return Receipt{}, err
	}
	files, err := a.checkFiles(sub.Files, textSize(sub.Content))
	if err != nil {
		return Receipt{}, err
	}
	nr := store.NewReport{ProjectID: p.ID, PolicyRevision: rev.Revision, Channel: sub.Channel, Content: sub.Content, Attachments: files}
	nr.Labels, nr.Notes = intakeRules(pol, sub.Content)
	var token string
	if sub.IdempotencyKey != "" {
		if err := checkIdempotencyKey(sub.IdempotencyKey); err != nil {
			return Receipt{}, err
		}
		nr.IdempotencyKey, nr.RequestSHA256 = sub.IdempotencyKey, requestDigest(sub.Content, files)
		// A retry must get the same thread link back although only its
		// hash is stored: derive it from the key, the request and a
		// server secret, so the database alone cannot produce it.
		token = a.derivedToken(p.ID, nr.IdempotencyKey, nr.RequestSHA256)
		nr.ThreadHash = embargo.HashToken(token)
	} else {
		token, nr.ThreadHash = embargo.NewToken()
	}
	received := a.now().UTC()
	promises := sla.Promised(pol, received)
	for _, pr := range promises {
		if !pr.Due.IsZero() && (nr.NextDue.IsZero() || pr.Due.Before(nr.NextDue)) {
			nr.NextDue = pr.Due
		}
	}
	nr.NextActionAt = nextAction(sla.Actions(pol, sla.Evaluate(pol, received, nil, received)), nil)
	if sub.mail != nil {
		if nr.Mail, err = sub.mail(p, pol, token, promises); err != nil {
			return Receipt{}, err
		}
	}
	r, replay, err := a.store.CreateReport(ctx, nr)
	if err != nil {
		return Receipt{}, fmt.Errorf("app.SubmitReport(%s): %w", slug, err)
	}
	// The receipt's dates count from the instant stored, under the policy
	// revision the report arrived with (an earlier one for a late retry).
	if r.PolicyRevision != rev.Revision {
		if pol, err = a.policyAt(ctx, p, r.PolicyRevision); err != nil {
			return Receipt{}, err
		}
	}
	promises = sla.Promised(pol, r.ReceivedAt)
	if !replay {
		a.log.Info("report received", "project", p.Slug, "report", r.Number, "channel", r.Channel, "files", len(files))
	}
	return Receipt{Project: p, Report: r, ThreadURL: a.opts.BaseURL + "/t/" + token, Promises: promises, Replay: replay}, nil
}

// cveID matches a CVE identifier.
var cveID = regexp.MustCompile(`\bCVE-\d{4}-\d{4,}\b`)

// intakeRules applies the policy's intake rules to a new report: a project
// that sends reports about already-public CVEs to a public tracker (the
// Aeraki seed) gets such reports labelled public-cve, with a note naming
// the CVEs and the tracker for the triager.
func intakeRules(pol *embargo.Policy, c embargo.ReportContent) (labels, notes []string) {
	if pol.Intake.PublicCVETracker == "" {
		return nil, nil
	}
	text := strings.Join([]string{c.Title, c.Description, c.Steps, c.AffectedVersions, c.Impact}, "\n")
	ids := map[string]bool{}
	var found []string
	for _, m := range cveID.FindAllString(text, 20) {
		if !ids[m] {
			ids[m] = true
			found = append(found, m)
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	return []string{"public-cve"}, []string{fmt.Sprintf("This report names %s. The policy sends reports about CVEs that are already assigned to the public tracker (%s): check whether this is one before treating it privately.",
		strings.Join(found, ", "), pol.Intake.PublicCVETracker)}
}

func textSize(c embargo.ReportContent) int64 {
	return int64(len(c.Title) + len(c.Description) + len(c.Steps) + len(c.AffectedVersions) + len(c.Impact) +
		len(c.SuggestedFix) + len(c.Contact) + len(c.PGPKey) + len(c.Credit.Name) + len(c.Credit.Link))
}

// checkFiles enforces the file limits and cleans names and types.
func (a *App) checkFiles(in []Upload, already int64) ([]store.NewAttachment, error) {
	if len(in) > MaxFiles {
		return nil, embargo.Errorf(embargo.KindTooLarge, "at most %d files at once", MaxFiles)
	}
	total := already
	out := make([]store.NewAttachment, 0, len(in))
	for _, f := range in {
		name := cleanFileName(f.Name)
		if int64(len(f.Data)) > a.opts.MaxFileBytes {
			return nil, embargo.Errorf(embargo.KindTooLarge, "%s is %s; the limit is %s a file", name, byteSize(int64(len(f.Data))), byteSize(a.opts.MaxFileBytes))
		}
		total += int64(len(f.Data))
		if total > a.opts.MaxReportBytes {
			return nil, embargo.Errorf(embargo.KindTooLarge, "the files add up to more than %s, the limit for one report", byteSize(a.opts.MaxReportBytes))
		}
		ct := "application/octet-stream"
		if mt, _, err := mime.ParseMediaType(f.ContentType); err == nil && len(mt) < 100 {
			ct = mt
		}
		out = append(out, store.NewAttachment{Name: name, ContentType: ct, Data: f.Data})
	}
	return out, nil
}

// cleanFileName keeps the base name, without control characters or path
// separators, at most 200 characters.
func cleanFileName(n string) string {
	n = strings.ToValidUTF8(n, "")
	n = path.Base(strings.ReplaceAll(n, "\\", "/"))
	n = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' {
			return -1
		}
		return r
	}, n)
	n = strings.TrimSpace(n)
	for utf8.RuneCountInString(n) > 200 {
		_, size := utf8.DecodeLastRuneInString(n)
		n = n[:len(n)-size]
	}
	if n == "" || n == "." || n == ".." {
		return "attachment"
	}
	return n
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func checkIdempotencyKey(k string) error {
	if len(k) > 255 {
		return embargo.Errorf(embargo.KindInvalid, "the Idempotency-Key header is longer than 255 characters")
	}
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			return embargo.Errorf(embargo.KindInvalid, "the Idempotency-Key header must be printable ASCII without spaces")
		}
	}
	return nil
}

// requestDigest identifies a submission's content, to tell a retry from
// a different request under the same idempotency key.
func requestDigest(c embargo.ReportContent, files []store.NewAttachment) string {
	h := sha256.New()
	b, _ := json.Marshal(c)
	h.Write(b)
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(h, "\x00%s\x00%s\x00%x", f.Name, f.ContentType, sum)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (a *App) derivedToken(projectID int64, key, digest string) string {
	m := hmac.New(sha256.New, a.tokenKey)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(projectID))
	m.Write([]byte("embargo thread link\x00"))
	m.Write(id[:])
	m.Write([]byte(key + "\x00" + digest))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Thread is what a reporter sees through their thread link.
type Thread struct {
	Project embargo.Project
	Policy  *embargo.Policy
	Report  embargo.Report
	// Events are the thread's events only: never internal notes.
	Events []TimelineEntry
	Timers []sla.Timer
	Now    time.Time
	// Disclosure is where the disclosure negotiation stands.
	Disclosure Disclosure
}

// CreditLine is how the reporter will be credited in the advisory, as
// their choice stands now ("" when not credited).
func (t Thread) CreditLine() string {
	c, ok := creditOf(t.Report.Content.Credit)
	if !ok {
		return ""
	}
	if c.Contact != "" {
		return c.Name + " (" + c.Contact + ")"
	}
	return c.Name
}

// TimelineEntry is an event with a readable name for who did it.
type TimelineEntry struct {
	embargo.Event
	Who string
}

// threadReport resolves a thread link token, or returns a NotFound-kind
// error that says nothing about why.
func (a *App) threadReport(ctx context.Context, token string) (embargo.Report, error) {
	if len(token) != 43 {
		return embargo.Report{}, embargo.Errorf(embargo.KindNotFound, "this thread link is not valid")
	}
	r, err := a.store.ReportByThread(ctx, embargo.HashToken(token))
	if embargo.KindOf(err) == embargo.KindNotFound {
		return r, embargo.Errorf(embargo.KindNotFound, "this thread link is not valid")
	}
	return r, err
}

// Thread returns the reporter's view of their report: status, the public
// timeline and the promised deadlines with time left.
func (a *App) Thread(ctx context.Context, token string) (Thread, error) {
	r, err := a.threadReport(ctx, token)
	if err != nil {
		return Thread{}, err
	}
	return a.threadOf(ctx, r)
}

// threadOf is the thread audience's view of a report.
func (a *App) threadOf(ctx context.Context, r embargo.Report) (Thread, error) {
	p, err := a.store.Project(ctx, r.ProjectID)
	if err != nil {
		return Thread{}, err
	}
	pol, err := a.policyAt(ctx, p, r.PolicyRevision)
	if err != nil {
		return Thread{}, err
	}
	evs, err := a.store.Events(ctx, r.ID, embargo.AudienceThread)
	if err != nil {
		return Thread{}, err
	}
	now := a.now().UTC()
	entries, err := a.timeline(ctx, evs, true)
	if err != nil {
		return Thread{}, err
	}
	d := DisclosureOf(evs)
	a.disclosureLimits(pol, r, &d)
	return Thread{Project: p, Policy: pol, Report: r, Events: entries, Timers: timers(pol, r, evs, now), Now: now, Disclosure: d}, nil
}

// ReporterMessage adds the reporter's message (and files) to the thread.
func (a *App) ReporterMessage(ctx context.Context, token, body string, files []Upload) error {
	r, err := a.threadReport(ctx, token)
	if err != nil {
		return err
	}
	return a.threadMessage(ctx, r.ID, embargo.ActorReporter, body, files)
}

// threadMessage adds a message (and files) to a report's thread on behalf
// of the reporter or a collaborator.
func (a *App) threadMessage(ctx context.Context, reportID int64, actor embargo.Actor, body string, files []Upload) error {
	body, err := checkBody(body, len(files) > 0)
	if err != nil {
		return err
	}
	stored, err := a.checkFiles(files, int64(len(body)))
	if err != nil {
		return err
	}
	_, _, err = a.store.ChangeReport(ctx, reportID, func(*embargo.Report, []embargo.Event) ([]store.EventInput, error) {
		return []store.EventInput{{Event: embargo.Event{Actor: actor, Kind: embargo.EventMessage,
			Audience: embargo.AudienceThread, Body: body}, Attachments: stored}}, nil
	})
	return err
}

// SetCredit records how the reporter wants to be credited.
func (a *App) SetCredit(ctx context.Context, token string, c embargo.CreditPreference) error {
	r, err := a.threadReport(ctx, token)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return embargo.FieldErrors{{Field: "credit", Message: embargo.MessageOf(err)}}
	}
	_, _, err = a.store.ChangeReport(ctx, r.ID, func(r *embargo.Report, _ []embargo.Event) ([]store.EventInput, error) {
		if r.Content.Credit == c {
			return nil, nil
		}
		r.Content.Credit = c
		return []store.EventInput{{Event: embargo.Event{Actor: embargo.ActorReporter, Kind: embargo.EventCredit,
			Audience: embargo.AudienceThread, To: string(c.Mode)}}}, nil
	})
	return err
}

// ThreadAttachment returns a file of the thread (never of an internal
// note), or a NotFound-kind error.
func (a *App) ThreadAttachment(ctx context.Context, token string, id int64) (embargo.Attachment, []byte, error) {
	r, err := a.threadReport(ctx, token)
	if err != nil {
		return embargo.Attachment{}, nil, err
	}
	return a.store.Attachment(ctx, r.ID, id, embargo.AudienceThread)
}

// checkBody validates a message or note text; an empty text is allowed
// only when files come with it.
func checkBody(body string, files bool) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch {
	case body == "" && !files:
		return "", embargo.FieldErrors{{Field: "body", Message: "write a message"}}
	case !utf8.ValidString(body) || strings.ContainsRune(body, 0):
		return "", embargo.FieldErrors{{Field: "body", Message: "the message is not valid UTF-8"}}
	case utf8.RuneCountInString(body) > embargo.MaxText:
		return "", embargo.FieldErrors{{Field: "body", Message: fmt.Sprintf("the message is longer than %d characters", embargo.MaxText)}}
	}
	return body, nil
}

// policyInForce returns a project and its policy in force with one query
// when the policy's content is already parsed.
func (a *App) policyInForce(ctx context.Context, slug string) (embargo.Project, *embargo.Policy, embargo.PolicyRevision, error) {
	p, ref, err := a.store.ProjectPolicyRef(ctx, slug)
	if err != nil {
		return p, nil, ref, err
	}
	if cached, ok := a.policies.Load(ref.SHA256); ok {
		return p, cached.(*embargo.Policy), ref, nil
	}
	pol, err := a.policyAt(ctx, p, ref.Revision)
	return p, pol, ref, err
}

// policyAt returns the policy revision a report was received under.
func (a *App) policyAt(ctx context.Context, p embargo.Project, revision int) (*embargo.Policy, error) {
	rev, err := a.store.PolicyAt(ctx, p.ID, revision)
	if err != nil {
		return nil, err
	}
	return a.parsedPolicy(p.Slug, rev)
}

// timers evaluates a report's promised stages from its timeline.
func timers(pol *embargo.Policy, r embargo.Report, evs []embargo.Event, now time.Time) []sla.Timer {
	return sla.Evaluate(pol, r.ReceivedAt, slaEvents(evs), now)
}

func slaEvents(evs []embargo.Event) []sla.Event {
	var out []sla.Event
	for _, e := range evs {
		switch e.Kind {
		case embargo.EventState, embargo.EventDuplicate:
			out = append(out, sla.Event{At: e.At, To: embargo.State(e.To)})
		case embargo.EventSeverity:
			if e.To != "" {
				out = append(out, sla.Event{At: e.At, Severity: e.To})
			}
		}
	}
	return out
}

// nextDue is the nearest deadline of a running or breached stage.
func nextDue(ts []sla.Timer) time.Time {
	var next time.Time
	for _, t := range ts {
		if (t.Status == sla.Running || t.Status == sla.Breached) && !t.Due.IsZero() && (next.IsZero() || t.Due.Before(next)) {
			next = t.Due
		}
	}
	return next
}

// timeline names the actors of events: the reporter, a maintainer by
// name, or the system. forReporter hides the bodies of events other than
// messages and state changes (a severity override's reason is internal).
func (a *App) timeline(ctx context.Context, evs []embargo.Event, forReporter bool) ([]TimelineEntry, error) {
	names := map[embargo.Actor]string{}
	out := make([]TimelineEntry, len(evs))
	for i, e := range evs {
		who, ok := names[e.Actor]
		if !ok {
			who = a.actorName(ctx, e.Actor)
			names[e.Actor] = who
		}
		if forReporter && e.Kind != embargo.EventMessage && e.Kind != embargo.EventState && e.Kind != embargo.EventDuplicate && e.Kind != embargo.EventDisclosure {
			e.Body = ""
		}
		out[i] = TimelineEntry{Event: e, Who: who}
	}
	return out, nil
}

func (a *App) actorName(ctx context.Context, act embargo.Actor) string {
	switch act {
	case embargo.ActorReporter:
		return "Reporter"
	case embargo.ActorSystem, embargo.ActorCLI:
		return "Embargo"
	}
	var id int64
	if _, err := fmt.Sscanf(string(act), "user:%d", &id); err == nil {
		if u, err := a.store.User(ctx, id); err == nil {
			return u.Name
		}
	}
	if strings.HasPrefix(string(act), "collaborator:") {
		return "Collaborator"
	}
	return "Maintainer"
}
