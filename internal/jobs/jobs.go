// Package jobs runs Embargo's durable background work on River
// (riverqueue.com): jobs live in the database itself (SQLite or
// PostgreSQL), survive restarts, and each runs once across replicas.
//
// Today it runs the SLA sweep: a periodic job, enqueued by the elected
// leader only, that takes every reminder and escalation due
// (app.SweepSLA). The sweep is idempotent by construction (each report's
// actions taken are kept in its row and changed under its row lock), so
// even a sweep that ran twice would take each action once.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/mail/imappoll"
	"github.com/embargo-cvd/embargo/internal/store"
)

// driver returns River's driver for the store's database: the SQLite
// driver on the store's one writer connection, or the database/sql driver
// (pgx underneath) on PostgreSQL. Both work on *sql.Tx, so jobs can be
// inserted in the transactions of the store.
func driver(st *store.Store) riverdriver.Driver[*sql.Tx] {
	if st.Dialect() == store.Postgres {
		return riverdatabasesql.New(st.JobDB())
	}
	return riversqlite.New(st.JobDB())
}

// Migrate creates or upgrades River's tables (river_job and friends) in
// the store's database. It is safe to run from several replicas at once
// on PostgreSQL (River takes an advisory lock).
func Migrate(ctx context.Context, st *store.Store) error {
	m, err := rivermigrate.New(driver(st), nil)
	if err != nil {
		return fmt.Errorf("jobs.Migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs.Migrate: %w", err)
	}
	return nil
}

// oneAtATime keeps at most one job of a kind waiting or running, across
// replicas.
var oneAtATime = river.UniqueOpts{ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}

// SweepArgs is the SLA sweep job.
type SweepArgs struct{}

// Kind names the job in River's tables.
func (SweepArgs) Kind() string { return "sla_sweep" }

// InsertOpts keeps at most one sweep waiting or running: a periodic
// insert while one is pending adds nothing.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: oneAtATime}
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	app *app.App
	log *slog.Logger
}

// Work takes the due SLA actions and publishes the advisories whose
// disclosure instant has come, then mails the notifications they made (and
// any earlier ones still unsent). An error makes River retry the job
// with backoff; both steps are idempotent.
func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	n, sweepErr := w.app.SweepSLA(ctx)
	if n > 0 {
		w.log.Info("sla sweep", "actions", n)
	}
	// Advisories whose agreed disclosure instant has come are published.
	published, pubErr := w.app.PublishDue(ctx)
	if published > 0 {
		w.log.Info("advisories published on schedule", "count", published)
	}
	sweepErr = errors.Join(sweepErr, pubErr)
	// Deliver what the sweep made even when some report failed.
	sent, mailErr := w.app.DeliverNotificationEmails(ctx)
	if sent > 0 {
		w.log.Info("notification mail", "sent", sent)
	}
	// One job per webhook delivery, each retried on its own with backoff;
	// uniqueness by delivery keeps a pending one from being queued twice.
	ids, err := w.app.PendingWebhookDeliveries(ctx)
	if err != nil {
		return err
	}
	client := river.ClientFromContext[*sql.Tx](ctx)
	for _, id := range ids {
		if _, err := client.Insert(ctx, WebhookArgs{DeliveryID: id}, nil); err != nil {
			return err
		}
	}
	// Mail to reporters that is due (retries after a failure included).
	if _, err := client.Insert(ctx, OutboxArgs{}, nil); err != nil {
		return err
	}
	return errors.Join(sweepErr, mailErr)
}

// OutboxArgs is the job that delivers queued mail to reporters.
type OutboxArgs struct{}

// Kind names the job in River's tables.
func (OutboxArgs) Kind() string { return "mail_outbox" }

// InsertOpts keeps at most one outbox job waiting or running across
// replicas, so a mail is never sent by two of them at once.
func (OutboxArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: oneAtATime}
}

type outboxWorker struct {
	river.WorkerDefaults[OutboxArgs]
	app *app.App
	log *slog.Logger
}

// Work sends what is due; failed mails are retried by the outbox's own
// backoff (recorded per mail), so the job itself fails only when the
// database does.
func (w *outboxWorker) Work(ctx context.Context, _ *river.Job[OutboxArgs]) error {
	// While this job runs, a "send now" for mail queued meanwhile is
	// dropped by the uniqueness rule: so it goes on while mail is due.
	var sent int
	var err error
	for range 20 {
		var n int
		n, err = w.app.DeliverOutbox(ctx)
		sent += n
		if err != nil || ctx.Err() != nil {
			break
		}
		if due, derr := w.app.OutboxDue(ctx); derr != nil || !due {
			break
		}
	}
	if sent > 0 {
		w.log.Info("mail to reporters", "sent", sent)
	}
	if err != nil && !errors.Is(err, ctx.Err()) {
		// Per-mail failures are recorded and retried; not a job failure.
		return nil
	}
	return err
}

// mailbox hands fetched mail to the app.
type mailbox struct{ app *app.App }

func (m mailbox) Deliver(ctx context.Context, rcpts []string, raw []byte) error {
	return m.app.DeliverMail(ctx, rcpts, raw)
}

// IMAPArgs is the job that polls the configured IMAP mailbox.
type IMAPArgs struct{}

// Kind names the job in River's tables.
func (IMAPArgs) Kind() string { return "imap_poll" }

// InsertOpts: one poll at a time across replicas.
func (IMAPArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: oneAtATime}
}

type imapWorker struct {
	river.WorkerDefaults[IMAPArgs]
	app *app.App
	cfg imappoll.Config
	log *slog.Logger
}

func (w *imapWorker) Work(ctx context.Context, _ *river.Job[IMAPArgs]) error {
	st, err := imappoll.Poll(ctx, w.cfg, mailbox{w.app}, w.log)
	if st.Stored > 0 || st.Rejected > 0 || st.Failed > 0 {
		w.log.Info("imap poll", "stored", st.Stored, "rejected", st.Rejected, "failed", st.Failed)
	}
	if err != nil {
		w.log.Warn("imap poll failed", "err", err.Error())
	}
	if st.Stored > 0 {
		if _, err := river.ClientFromContext[*sql.Tx](ctx).Insert(ctx, OutboxArgs{}, nil); err != nil {
			return err
		}
	}
	return nil
}

// WebhookArgs is one webhook delivery job.
type WebhookArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job in River's tables.
func (WebhookArgs) Kind() string { return "webhook_delivery" }

// WebhookAttempts is how many times a delivery is tried (River's backoff
// between them grows from seconds to about an hour and a half).
const WebhookAttempts = 8

// InsertOpts: 8 attempts; one job per delivery.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: WebhookAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	app *app.App
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	return w.app.DeliverWebhook(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
}

// Options tune the engine.
type Options struct {
	// SweepEvery is the SLA sweep's period (default 30s): reminders and
	// breaches are taken at most this long after their instant.
	SweepEvery time.Duration
	// Workers bounds concurrent jobs (default 4).
	Workers int
	// FetchPoll is how often idle workers look for new jobs (default 1s).
	FetchPoll time.Duration
	// IMAP, when set, is polled every IMAPEvery (default 1 minute).
	IMAP      *imappoll.Config
	IMAPEvery time.Duration
}

// Engine is a running River client.
type Engine struct {
	client *river.Client[*sql.Tx]
	log    *slog.Logger
}

// Start migrates River's tables and starts working jobs until Stop.
func Start(ctx context.Context, st *store.Store, a *app.App, log *slog.Logger, o Options) (*Engine, error) {
	if o.SweepEvery <= 0 {
		o.SweepEvery = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.FetchPoll <= 0 {
		o.FetchPoll = time.Second
	}
	if err := Migrate(ctx, st); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &sweepWorker{app: a, log: log}); err != nil {
		return nil, fmt.Errorf("jobs.Start: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &webhookWorker{app: a}); err != nil {
		return nil, fmt.Errorf("jobs.Start: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &outboxWorker{app: a, log: log}); err != nil {
		return nil, fmt.Errorf("jobs.Start: %w", err)
	}
	periodic := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(o.SweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})}
	if o.IMAP != nil {
		if o.IMAPEvery <= 0 {
			o.IMAPEvery = time.Minute
		}
		if err := river.AddWorkerSafely(workers, &imapWorker{app: a, cfg: *o.IMAP, log: log}); err != nil {
			return nil, fmt.Errorf("jobs.Start: %w", err)
		}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(o.IMAPEvery),
			func() (river.JobArgs, *river.InsertOpts) { return IMAPArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	client, err := river.NewClient(driver(st), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:           workers,
		Logger:            quiet(log),
		FetchPollInterval: o.FetchPoll,
		FetchCooldown:     min(o.FetchPoll, 100*time.Millisecond),
		JobTimeout:        5 * time.Minute,
		PeriodicJobs:      periodic,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs.Start: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs.Start: %w", err)
	}
	e := &Engine{client: client, log: log}
	a.SetOutboxKick(e.kickOutbox)
	return e, nil
}

// kickOutbox queues an outbox job now (after a commit that queued mail).
func (e *Engine) kickOutbox() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.client.Insert(ctx, OutboxArgs{}, nil); err != nil {
		e.log.Warn("outbox job not queued; the next sweep sends the mail", "err", err.Error())
	}
}

// Stop lets running jobs finish (up to ctx's deadline) and stops.
func (e *Engine) Stop(ctx context.Context) error {
	if err := e.client.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// quiet passes River's log through at warning level and above: its info
// lines (leader elections, periodic inserts) would drown the request log.
func quiet(log *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{log.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(as), f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(name), f.min}
}

// IsRiverTable reports whether a table belongs to River (not backed up:
// jobs are derived again from the reports after a restore).
func IsRiverTable(name string) bool { return strings.HasPrefix(name, "river_") }
