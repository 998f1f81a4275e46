package app

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/mail/inbound"
	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/sla"
	"github.com/embargo-cvd/embargo/internal/store"
)

// replyTag starts the sub-address of a report's reply address:
// security+r-<token>@example.org.
const replyTag = "r-"

// mailRoute is where an address leads: a project's security address, and
// the reply token when it is a report's reply address.
type mailRoute struct {
	Project embargo.Project
	Policy  *embargo.Policy
	// Address is the project's address the recipient matched.
	Address string
	Token   string
}

// projectAddresses lists the security addresses of a policy, lower-cased.
func projectAddresses(pol *embargo.Policy) []string {
	var out []string
	if pol.Contacts.Email != "" {
		out = append(out, strings.ToLower(pol.Contacts.Email))
	}
	for _, ch := range pol.Contacts.Channels {
		if ch.Type == embargo.ChannelEmail && ch.Address != "" {
			out = append(out, strings.ToLower(ch.Address))
		}
	}
	return out
}

// MailRecipient checks an address mail was sent to: the slug of the
// project it reaches (its security address, a sub-address of it, or a
// report's reply address). NotFound-kind when it reaches none, Invalid
// when it is not an address.
func (a *App) MailRecipient(ctx context.Context, addr string) (string, error) {
	rt, err := a.mailRoute(ctx, addr)
	return rt.Project.Slug, err
}

// mailRoutes caches which project each security address reaches.
type mailRoutes struct {
	mu     sync.Mutex
	at     time.Time
	byAddr map[string]mailRoute
}

// routeTTL is how long a replica trusts its list of addresses: a policy
// changed on another replica reaches this one's mail within it.
const routeTTL = 5 * time.Second

func (m *mailRoutes) reset() {
	m.mu.Lock()
	m.byAddr = nil
	m.mu.Unlock()
}

// addresses returns the address → route map, rebuilt when stale.
func (a *App) addresses(ctx context.Context) (map[string]mailRoute, error) {
	a.routes.mu.Lock()
	defer a.routes.mu.Unlock()
	if a.routes.byAddr != nil && time.Since(a.routes.at) < routeTTL {
		return a.routes.byAddr, nil
	}
	ps, err := a.store.Projects(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]mailRoute{}
	for _, p := range ps {
		_, pol, _, err := a.policyInForce(ctx, p.Slug)
		if err != nil {
			return nil, err
		}
		for _, pa := range projectAddresses(pol) {
			if _, taken := m[pa]; !taken {
				m[pa] = mailRoute{Project: p, Policy: pol, Address: pa}
			}
		}
	}
	a.routes.byAddr, a.routes.at = m, time.Now()
	return m, nil
}

func (a *App) mailRoute(ctx context.Context, addr string) (mailRoute, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || len(addr) > 254 {
		return mailRoute{}, embargo.Errorf(embargo.KindInvalid, "%q is not an e-mail address", addr)
	}
	local, domain := addr[:at], addr[at+1:]
	base, tag, _ := strings.Cut(local, "+")
	routes, err := a.addresses(ctx)
	if err != nil {
		return mailRoute{}, err
	}
	if rt, ok := routes[addr]; ok {
		return rt, nil
	}
	if rt, ok := routes[base+"@"+domain]; ok {
		if strings.HasPrefix(tag, replyTag) {
			rt.Token = tag[len(replyTag):]
		}
		return rt, nil
	}
	return mailRoute{}, embargo.Errorf(embargo.KindNotFound, "no project receives mail at %s", addr)
}

// MailResult says what became of a received mail.
type MailResult struct {
	Project string
	Report  int64
	// New is true when the mail opened a report, false when it joined a
	// thread; Duplicate when it had been stored before (a retry).
	New, Duplicate bool
}

// ReceiveMail stores one raw mail sent to rcpt: a reply (by the reply
// address, or by In-Reply-To/References from the reporter's address)
// joins its report's thread, anything else opens a report with a receipt
// mailed back. It returns only once the mail is durably stored. Errors:
// *inbound.Error for mail that can never be stored (the sender must hear
// why); NotFound-kind for an unknown recipient; TooLarge-kind over the
// intake limits; anything else is temporary.
func (a *App) ReceiveMail(ctx context.Context, rcpt string, raw []byte) (MailResult, error) {
	rt, err := a.mailRoute(ctx, rcpt)
	if err != nil {
		return MailResult{}, err
	}
	res := MailResult{Project: rt.Project.Slug}
	hdr, err := inbound.ReadHeader(raw, a.opts.MailLimits)
	if err != nil {
		return res, err
	}
	if hdr.MessageID != "" {
		rid, kind, err := a.store.MailThread(ctx, store.NewMailKey(rt.Project.ID, store.MailKeyInbound, hdr.MessageID).Hash)
		if err == nil && kind == store.MailKeyInbound {
			r, err := a.store.Report(ctx, rid)
			if err != nil {
				return res, err
			}
			res.Report, res.Duplicate = r.Number, true
			return res, nil
		} else if err != nil && !errors.Is(err, embargo.ErrNotFound) {
			return res, err
		}
	}
	r, threaded, err := a.mailThread(ctx, rt, hdr)
	if err != nil {
		return res, err
	}
	key, err := a.projectKey(ctx, rt.Project.ID)
	if err != nil {
		return res, err
	}
	var known []*pgp.PublicKey
	if threaded && r.Content.PGPKey != "" {
		if pk, err := pgp.ParsePublicKey([]byte(r.Content.PGPKey)); err == nil {
			known = append(known, pk)
		}
	}
	msg, err := inbound.Parse(raw, key, known, a.opts.MailLimits)
	if err != nil {
		return res, err
	}
	if threaded {
		res.Report = r.Number
		return res, a.mailReply(ctx, rt, r, msg)
	}
	rec, err := a.mailReport(ctx, rt, msg)
	if err != nil {
		return res, err
	}
	res.Report, res.New = rec.Report.Number, true
	a.kickOutbox()
	return res, nil
}

// mailThread finds the report a mail answers: by the reply address's
// token, or by a Message-ID it refers to when it comes from the report's
// contact address (Message-IDs travel in quoted mail; the token does not).
func (a *App) mailThread(ctx context.Context, rt mailRoute, hdr *inbound.Header) (embargo.Report, bool, error) {
	if rt.Token != "" {
		rid, kind, err := a.store.MailThread(ctx, store.NewMailKey(rt.Project.ID, store.MailKeyReply, rt.Token).Hash)
		if err == nil && kind == store.MailKeyReply {
			r, err := a.store.Report(ctx, rid)
			return r, err == nil, err
		}
		if err != nil && !errors.Is(err, embargo.ErrNotFound) {
			return embargo.Report{}, false, err
		}
	}
	// In-Reply-To and the most recent 20 references are enough to thread;
	// a mail with thousands must not cost thousands of lookups.
	refs := hdr.References[max(0, len(hdr.References)-20):]
	refs = append(append([]string(nil), refs...), hdr.InReplyTo[:min(len(hdr.InReplyTo), 5)]...)
	stop := 0
	for i := len(refs) - 1; i >= stop; i-- {
		for _, kind := range []string{store.MailKeyOutbound, store.MailKeyInbound} {
			rid, k, err := a.store.MailThread(ctx, store.NewMailKey(rt.Project.ID, kind, refs[i]).Hash)
			if errors.Is(err, embargo.ErrNotFound) || (err == nil && k != kind) {
				continue
			}
			if err != nil {
				return embargo.Report{}, false, err
			}
			r, err := a.store.Report(ctx, rid)
			if err != nil {
				return r, false, err
			}
			if r.Content.Contact != "" && strings.EqualFold(r.Content.Contact, hdr.From) {
				return r, true, nil
			}
		}
	}
	return embargo.Report{}, false, nil
}

// mailText splits a mail's text into what fits a report field and, when
// it is longer, the whole text as a file.
func mailText(text string) (string, []Upload) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if utf8.RuneCountInString(text) <= embargo.MaxText {
		return text, nil
	}
	cut := []rune(text)[:embargo.MaxText-200]
	return string(cut) + "\n\n[The message was longer: the whole text is attached as message.txt.]",
		[]Upload{{Name: "message.txt", ContentType: "text/plain; charset=utf-8", Data: []byte(text)}}
}

func mailUploads(msg *inbound.Message) []Upload {
	var out []Upload
	for _, at := range msg.Attachments {
		out = append(out, Upload{Name: at.Name, ContentType: at.ContentType, Data: at.Data})
	}
	return out
}

// mailReply adds a mail to its report's thread as the reporter's message;
// a key the reporter signed with (or announced by Autocrypt) becomes the
// report's reporter key when it has none.
func (a *App) mailReply(ctx context.Context, rt mailRoute, r embargo.Report, msg *inbound.Message) error {
	body, extra := mailText(msg.Text)
	files := append(extra, mailUploads(msg)...)
	if body == "" && len(files) == 0 {
		body = "(an empty mail)"
	}
	body, err := checkBody(body, len(files) > 0)
	if err != nil {
		return err
	}
	stored, err := a.checkFiles(files, int64(len(body)))
	if err != nil {
		return err
	}
	mc := &store.MailChange{Encrypted: msg.Encrypted}
	if msg.MessageID != "" {
		mc.Keys = append(mc.Keys, store.NewMailKey(rt.Project.ID, store.MailKeyInbound, msg.MessageID))
	}
	_, _, err = a.store.ChangeReport(ctx, r.ID, func(r *embargo.Report, _ []embargo.Event) ([]store.EventInput, error) {
		ins := []store.EventInput{{Event: embargo.Event{Actor: embargo.ActorReporter, Kind: embargo.EventMessage,
			Audience: embargo.AudienceThread, Body: body}, Attachments: stored, Mail: mc}}
		// A reply brings the reporter's key only when the report has none
		// yet (a key is never replaced by mail) and the reply is signed by
		// it: trust on first use, shown on the thread. Held mail (the
		// thread link) then goes out, encrypted to it.
		if r.Content.PGPKey == "" && msg.SenderKey != nil && msg.Verified {
			r.Content.PGPKey = string(msg.SenderKey.Armored())
			mc.Release = true
			ins = append(ins, store.EventInput{Event: embargo.Event{Actor: embargo.ActorSystem, Kind: embargo.EventMessage,
				Audience: embargo.AudienceThread, Body: "The reporter's OpenPGP key was set from a signed mail: " + msg.SenderKey.Fingerprint() +
					". Mail to the reporter is encrypted to it from now on."}})
		}
		return ins, nil
	})
	if err == nil && mc.Release {
		a.kickOutbox()
	}
	if err == nil {
		a.log.Info("mail stored", "project", rt.Project.Slug, "report", r.Number, "encrypted", msg.Encrypted, "files", len(stored))
	}
	return err
}

// mailReport opens a report from a mail and queues its receipt.
func (a *App) mailReport(ctx context.Context, rt mailRoute, msg *inbound.Message) (Receipt, error) {
	title := strings.Join(strings.Fields(msg.Subject), " ")
	if utf8.RuneCountInString(title) > embargo.MaxTitle {
		title = string([]rune(title)[:embargo.MaxTitle-1]) + "…"
	}
	if title == "" {
		title = "(no subject)"
	}
	desc, files := mailText(msg.Text)
	if desc == "" {
		desc = "(The mail had no text; see its attachments.)"
	}
	content := embargo.ReportContent{Title: title, Description: desc}
	if addr, err := mail.ParseAddress(msg.From); err == nil && addr.Address == msg.From {
		content.Contact = msg.From
	}
	if msg.SenderKey != nil {
		content.PGPKey = string(msg.SenderKey.Armored())
	}
	sub := Submission{Content: content, Files: append(files, mailUploads(msg)...), Channel: embargo.IntakeEmail}
	sub.mail = func(p embargo.Project, pol *embargo.Policy, token string, promises []sla.Promise) (*store.MailChange, error) {
		mc := &store.MailChange{Encrypted: msg.Encrypted}
		if msg.MessageID != "" {
			mc.Keys = append(mc.Keys, store.NewMailKey(p.ID, store.MailKeyInbound, msg.MessageID))
		}
		if msg.Automatic || content.Contact == "" || a.opts.Mailer == nil {
			return mc, nil
		}
		env := a.envelope(p, pol, rt.Address, content.Contact, msg.SenderKey, mc)
		env.Subject = "Your report to " + p.Name + " was received"
		env.InReplyTo = msg.MessageID
		env.Body = receiptText(p, pol, a.opts.BaseURL+"/t/"+token, promises)
		if !msg.Encrypted || msg.SenderKey != nil {
			return mc, a.queue(mc, "receipt", env)
		}
		// Encrypted, but no key of the reporter's: the thread link (which
		// opens the report) never travels in clear. The receipt with it
		// waits, sealed, for the reporter's key; a clear note says so.
		env.RequireKey = true
		if err := a.queue(mc, "receipt", env); err != nil {
			return mc, err
		}
		mc.Outbound[len(mc.Outbound)-1].Held = true
		note := a.envelope(p, pol, rt.Address, content.Contact, nil, mc)
		note.Subject, note.InReplyTo = env.Subject, msg.MessageID
		note.Body = fmt.Sprintf("Thank you for reporting a security issue to %s. Your encrypted report was received and is stored encrypted.\n\n"+
			"You wrote encrypted mail but gave us no OpenPGP key of yours, so this mail cannot hold the link to your private thread "+
			"(it would open your report to anyone who reads this mail). Reply to this mail, signed with your OpenPGP key and with "+
			"your public key attached (or in an Autocrypt header), and the link follows, encrypted to that key.\n", p.Name)
		return mc, a.queue(mc, "receipt-note", note)
	}
	rec, err := a.SubmitReport(ctx, rt.Project.Slug, sub)
	if err != nil {
		return rec, fmt.Errorf("app.ReceiveMail: %w", err)
	}
	return rec, nil
}

// MailReply turns an error of ReceiveMail into what the sending server is
// told: the parser's own reply, 550 for an unknown recipient, 552 over the
// intake limits, 554 for a mail that can never become a report, and 451
// (try again later) for anything else, so that nothing is lost.
func MailReply(err error) *inbound.Error {
	var ie *inbound.Error
	switch {
	case errors.As(err, &ie):
		return ie
	case errors.Is(err, embargo.ErrNotFound):
		return &inbound.Error{Code: 550, Enhanced: [3]int{5, 1, 1}, Message: embargo.MessageOf(err)}
	case errors.Is(err, embargo.ErrTooLarge):
		return &inbound.Error{Code: 552, Enhanced: [3]int{5, 3, 4}, Message: embargo.MessageOf(err)}
	case errors.Is(err, embargo.ErrInvalid):
		return &inbound.Error{Code: 554, Enhanced: [3]int{5, 6, 0}, Message: embargo.MessageOf(err)}
	}
	return &inbound.Error{Code: 451, Enhanced: [3]int{4, 3, 0}, Message: "the message could not be stored now; try again later"}
}

// DeliverMail stores a mail fetched from a mailbox (IMAP): it goes to the
// first of rcpts that reaches a project. The error, when not nil, is a
// *inbound.Error whose Permanent method says whether to try again.
func (a *App) DeliverMail(ctx context.Context, rcpts []string, raw []byte) error {
	for _, rcpt := range rcpts {
		if _, err := a.mailRoute(ctx, rcpt); err != nil {
			continue
		}
		if _, err := a.ReceiveMail(ctx, rcpt, raw); err != nil {
			reply := MailReply(err)
			if !reply.Permanent() {
				a.log.Warn("mail not stored", "err", err.Error())
			}
			return reply
		}
		return nil
	}
	return &inbound.Error{Code: 550, Enhanced: [3]int{5, 1, 1}, Message: "none of the recipients is a project's security address"}
}
