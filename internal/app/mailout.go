package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/embargo-cvd/embargo/internal/embargo"
	emailer "github.com/embargo-cvd/embargo/internal/mail"
	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/sla"
	"github.com/embargo-cvd/embargo/internal/store"
)

// Outbox delivery: attempts back off from a minute to an hour, and a mail
// not delivered within OutboxGiveUp of being queued is given up (the
// thread still holds everything it said).
const (
	OutboxGiveUp   = 72 * time.Hour
	outboxMaxDelay = time.Hour
)

// envelope starts a mail to a reporter from the project's address, with a
// fresh reply address and Message-ID recorded as thread keys in mc.
func (a *App) envelope(p embargo.Project, pol *embargo.Policy, from, to string, key *pgp.PublicKey, mc *store.MailChange) emailer.Envelope {
	env := emailer.Envelope{To: to, FromName: pol.Project.Name + " Security", From: from}
	if from != "" {
		at := strings.LastIndexByte(from, '@')
		local, domain := from[:at], from[at+1:]
		if base, _, ok := strings.Cut(local, "+"); ok {
			local = base
		}
		token := replyToken()
		env.ReplyTo = local + "+" + replyTag + token + "@" + domain
		mc.Keys = append(mc.Keys, store.NewMailKey(p.ID, store.MailKeyReply, token))
		id, _ := embargo.NewToken()
		env.MessageID = id + "@" + domain
		mc.Keys = append(mc.Keys, store.NewMailKey(p.ID, store.MailKeyOutbound, env.MessageID))
	}
	if key != nil {
		env.EncryptTo = string(key.Armored())
	}
	return env
}

// replyToken is a reply address's secret: 160 random bits in lower-case
// base32, since mail systems may change the case of a local part and it
// must fit the 64 characters a local part may have.
func replyToken() string {
	b := make([]byte, 20)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// queue adds an envelope to the outbox part of mc.
func (a *App) queue(mc *store.MailChange, kind string, env emailer.Envelope) error {
	env.Kind = kind
	b, err := json.Marshal(env)
	if err != nil {
		return err
	}
	ref, _ := embargo.NewToken()
	mc.Outbound = append(mc.Outbound, store.NewOutbound{Ref: ref, Kind: kind, Encrypted: env.EncryptTo != "", Message: b})
	return nil
}

// receiptText is the mailed receipt of a report: the private thread link
// and the promised dates, and no word of the report itself.
func receiptText(p embargo.Project, pol *embargo.Policy, threadURL string, promises []sla.Promise) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Thank you for reporting a security issue to %s. Your report is stored encrypted and only the project's security team can read it.\n\n", p.Name)
	fmt.Fprintf(&b, "Your private thread (keep this link secret; it is shown only in this mail):\n%s\n\n", threadURL)
	b.WriteString("There you can follow the status, read and send messages, add files and choose how you are credited. " +
		"You can also simply reply to this mail.\n")
	if len(promises) > 0 {
		fmt.Fprintf(&b, "\nWhat %s promises:\n", p.Name)
		for _, pr := range promises {
			when := "with the next release"
			if !pr.Due.IsZero() {
				when = "by " + deadlineText(pr.Due)
			}
			fmt.Fprintf(&b, "- %s: %s\n", embargo.StageTitle(pr.Stage), when)
		}
	}
	return b.String()
}

// reporterMail decides the mail a thread event sends the reporter, if
// any: maintainers' messages and status changes, to the report's contact
// address, encrypted to the reporter's key when known. Without a key the
// text goes in clear only to a reporter who wrote in clear by mail; anyone
// else gets a notice that sends them to their thread.
func (a *App) reporterMail(ctx context.Context, p embargo.Project, r *embargo.Report, ev embargo.Event) (*store.MailChange, error) {
	if a.opts.Mailer == nil || ev.Audience != embargo.AudienceThread || (ev.Kind != embargo.EventMessage && ev.Kind != embargo.EventState) {
		return nil, nil
	}
	if addr, err := mail.ParseAddress(r.Content.Contact); err != nil || addr.Address != r.Content.Contact {
		return nil, nil
	}
	_, pol, _, err := a.policyInForce(ctx, p.Slug)
	if err != nil {
		return nil, err
	}
	var key *pgp.PublicKey
	if r.Content.PGPKey != "" {
		key, _ = pgp.ParsePublicKey([]byte(r.Content.PGPKey))
	}
	encrypted, err := a.store.ReportMailEncrypted(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	clear := key != nil || (!encrypted && r.Channel == embargo.IntakeEmail)
	from := ""
	if addrs := projectAddresses(pol); len(addrs) > 0 {
		from = addrs[0]
	}
	mc := &store.MailChange{}
	env := a.envelope(p, pol, from, r.Content.Contact, key, mc)
	env.Subject = fmt.Sprintf("Your report to %s (#%d)", p.Name, r.Number)
	var b strings.Builder
	switch {
	case ev.Kind == embargo.EventState:
		fmt.Fprintf(&b, "The status of your report #%d to %s is now: %s.\n", r.Number, p.Name, ev.To)
		if ev.Body != "" && clear {
			fmt.Fprintf(&b, "\n%s\n", ev.Body)
		}
	case clear:
		fmt.Fprintf(&b, "%s\n", ev.Body)
		if len(ev.Attachments) > 0 {
			fmt.Fprintf(&b, "\n(%d file(s) came with this message: open your private thread to download them.)\n", len(ev.Attachments))
		}
	default:
		fmt.Fprintf(&b, "The %s security team wrote to you about your report #%d.\n", p.Name, r.Number)
	}
	if !clear && (ev.Kind == embargo.EventMessage || ev.Body != "") {
		b.WriteString("\nFor your safety the message is not in this mail: read it in your private thread " +
			"(the link you received when you reported). To get messages in your mail, send us your OpenPGP key.\n")
	}
	env.Body = b.String()
	kind := "message"
	if ev.Kind == embargo.EventState {
		kind = "status"
	}
	return mc, a.queue(mc, kind, env)
}

// SetOutboxKick installs the job engine's "deliver now" call; set once at
// start, before the app serves.
func (a *App) SetOutboxKick(f func()) { a.opts.KickOutbox = f }

// kickOutbox asks the job engine to deliver queued mail now.
func (a *App) kickOutbox() {
	if a.opts.Mailer != nil && a.opts.KickOutbox != nil {
		a.opts.KickOutbox()
	}
}

// DeliverOutbox sends the queued mail to reporters that is due: each
// message is composed at delivery (encrypted to the reporter's key and
// signed with the project's key when it has one), sent through the relay,
// and recorded; a failure is retried with backoff. It returns how many
// went out and the first error.
func (a *App) DeliverOutbox(ctx context.Context) (int, error) {
	if a.opts.Mailer == nil {
		return 0, nil
	}
	now := a.now().UTC()
	pending, err := a.store.PendingOutbound(ctx, now, 50)
	if err != nil {
		return 0, err
	}
	sent := 0
	var firstErr error
	keys := map[int64]*pgp.Key{}
	for _, o := range pending {
		if ctx.Err() != nil {
			break // the job's time is up: the rest waits for the next run
		}
		err := a.sendOutbound(ctx, o, keys, now)
		next := now.Add(min(time.Minute<<min(o.Attempts, 10), outboxMaxDelay))
		giveUp := err != nil && next.Sub(o.CreatedAt) > OutboxGiveUp
		if errors.Is(err, errHeld) {
			if herr := a.store.HoldOutbound(ctx, o.ID); herr != nil {
				return sent, herr
			}
			continue
		}
		// Recorded even when the job is being cancelled: a mail the relay
		// took must not be sent twice. Only the relay's codes are kept: its
		// text often quotes the reporter's address.
		var rec error
		if err != nil {
			rec = errors.New(relayError(err))
		}
		if rerr := a.store.RecordOutbound(context.WithoutCancel(ctx), o.ID, rec, next, giveUp); rerr != nil {
			return sent, rerr
		}
		if err != nil {
			a.log.Warn("mail to reporter failed", "mail", o.ID, "report", o.ReportID, "attempt", o.Attempts+1, "gave_up", giveUp, "err", relayError(err))
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		sent++
	}
	return sent, firstErr
}

// errHeld keeps a mail that needs the reporter's key in the outbox.
var errHeld = errors.New("held until the reporter's OpenPGP key is known")

func (a *App) sendOutbound(ctx context.Context, o store.Outbound, keys map[int64]*pgp.Key, now time.Time) error {
	var env emailer.Envelope
	if err := json.Unmarshal(o.Message, &env); err != nil {
		return fmt.Errorf("outbox envelope: %w", err)
	}
	if env.RequireKey {
		r, err := a.store.Report(ctx, o.ReportID)
		if err != nil {
			return err
		}
		if r.Content.PGPKey == "" {
			return errHeld
		}
		env.EncryptTo = r.Content.PGPKey
	}
	signer, ok := keys[o.ProjectID]
	if !ok {
		var err error
		if signer, err = a.projectKey(ctx, o.ProjectID); err != nil {
			return err
		}
		keys[o.ProjectID] = signer
	}
	msg, err := a.opts.Mailer.ComposeEnvelope(env, signer, now)
	if err != nil {
		if errors.Is(err, pgp.ErrMalformed) {
			return fmt.Errorf("the reporter's key cannot be used: %w", err)
		}
		return err
	}
	return a.opts.Mailer.Send(ctx, []string{env.To}, msg)
}

// relayError describes a failed delivery without the relay's free text
// (which often quotes the recipient): the SMTP codes, or the kind of
// failure.
func relayError(err error) string {
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("the relay answered %d %d.%d.%d", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
	case errors.Is(err, context.DeadlineExceeded):
		return "the relay did not answer in time"
	case errors.Is(err, pgp.ErrMalformed):
		return "the reporter's OpenPGP key cannot be used"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return "the relay could not be reached"
	}
	return "the mail could not be sent (see the relay's own log)"
}

// OutboxDue reports whether some queued mail is due now.
func (a *App) OutboxDue(ctx context.Context) (bool, error) {
	if a.opts.Mailer == nil {
		return false, nil
	}
	return a.store.OutboxDue(ctx, a.now())
}
