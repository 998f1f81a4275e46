// Package imappoll fetches a project's security mail from an IMAP mailbox
// at a provider and hands each message to Embargo, marking it only after it
// is stored.
//
// A message is offered until the Deliverer stores it or refuses it for
// good; then it is marked with the keyword $EmbargoStored (and \Seen) or
// $EmbargoRejected, and later polls skip it. Nothing is ever deleted except
// by the optional move of stored messages to another mailbox.
//
// Servers that do not allow custom keywords (no \* in the mailbox's
// PERMANENTFLAGS, nor both keywords listed there) are handled with system
// flags instead: polls look for UNSEEN messages, a stored message gets
// \Seen, a rejected one \Flagged and \Seen. In that mode a message someone
// opens in a mail client before the next poll is never offered, so such a
// mailbox must be left to Embargo alone.
package imappoll

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// The keywords that mark a message as handled.
const (
	keywordStored   imap.Flag = "$EmbargoStored"
	keywordRejected imap.Flag = "$EmbargoRejected"
)

// Deliverer stores one raw message. rcpts are the addresses it was sent
// to, taken from the message's Delivered-To, X-Original-To, To and Cc
// headers (addr-specs, lower-cased, de-duplicated, in that order). A
// returned error that has a method `Permanent() bool` returning true means
// the message can never be stored (it is flagged rejected and not
// retried); any other error is temporary (left for the next poll).
//
// A message whose flag cannot be set after Deliver returned nil is offered
// again by the next poll, so Deliver should recognise a message it already
// stored (by Message-ID, say) and return nil for it.
type Deliverer interface {
	Deliver(ctx context.Context, rcpts []string, raw []byte) error
}

// Stats counts what one poll did. Seen is the number of messages it looked
// at (at most Config.Batch); each of them ends up Stored, Rejected (refused
// by the Deliverer or larger than Config.MaxBytes) or Failed (left for the
// next poll), unless the poll ended early with an error.
type Stats struct{ Seen, Stored, Rejected, Failed int }

// Poll connects, logs in, selects the mailbox, finds messages without the
// keyword "$EmbargoStored" and without "$EmbargoRejected" (UID SEARCH
// UNKEYWORD …), fetches each (BODY.PEEK[] so \Seen is not set by fetching,
// bounded by MaxBytes), calls d.Deliver, and only after it returns nil sets
// "$EmbargoStored" and \Seen (and moves it if MoveTo is set). A permanent
// error sets "$EmbargoRejected" (never deleted). A temporary error leaves it
// untouched. One failing message does not stop the others. See the package
// comment for servers without custom keywords.
//
// Poll returns the stats and an error only for connection, login and
// select failures (an invalid cfg, a MoveTo mailbox that does not exist,
// a connection lost or the context ended mid-poll); the error names the
// operation and never contains the password. Messages handled before such
// an error are counted in the stats. log may be nil; it receives key-value
// records (UIDs, sizes, counts, errors), never message content or the
// password.
func Poll(ctx context.Context, cfg Config, d Deliverer, log *slog.Logger) (Stats, error) {
	if err := cfg.Validate(); err != nil {
		return Stats{}, fmt.Errorf("imappoll.Poll: %w", err)
	}
	if d == nil {
		return Stats{}, errors.New("imappoll.Poll: nil Deliverer")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	log = log.With("imap_addr", cfg.Addr, "mailbox", cfg.Mailbox)
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	c, err := dial(ctx, cfg)
	if err != nil {
		return Stats{}, fmt.Errorf("imappoll.Poll: connect to %s: %w", cfg.Addr, orCtx(ctx, err))
	}
	defer c.close(ctx)
	p := &poller{cfg: cfg, c: c, d: d, log: log}
	if err := p.run(ctx); err != nil {
		return p.st, fmt.Errorf("imappoll.Poll: %w", err)
	}
	return p.st, nil
}

// orCtx returns the context's error, noting err, once the context ended.
func orCtx(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	return err
}

type poller struct {
	cfg      Config
	c        *conn
	d        Deliverer
	log      *slog.Logger
	keywords bool // the mailbox takes custom keywords
	st       Stats
}

func (p *poller) run(ctx context.Context) error {
	if err := p.c.Login(p.cfg.Username, p.cfg.Password).Wait(); err != nil {
		return fmt.Errorf("login as %q: %w", p.cfg.Username, orCtx(ctx, err))
	}
	if p.cfg.MoveTo != "" {
		if _, err := p.c.Status(p.cfg.MoveTo, &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
			return fmt.Errorf("status of MoveTo mailbox %q: %w", p.cfg.MoveTo, orCtx(ctx, err))
		}
	}
	sel, err := p.c.Select(p.cfg.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %q: %w", p.cfg.Mailbox, orCtx(ctx, err))
	}
	p.keywords = keywordsAllowed(sel.PermanentFlags)
	if !p.keywords {
		p.log.Debug("imap mailbox does not take custom keywords; marking with \\Seen and \\Flagged")
	}
	uids, err := p.search()
	if err != nil {
		return fmt.Errorf("search: %w", orCtx(ctx, err))
	}
	if len(uids) > p.cfg.Batch {
		p.log.Info("imap poll batch full; the rest waits for the next poll", "waiting", len(uids)-p.cfg.Batch)
		uids = uids[:p.cfg.Batch]
	}
	if len(uids) == 0 {
		p.log.Debug("imap poll: nothing new")
		return nil
	}
	sizes, err := p.sizes(uids)
	if err != nil {
		return fmt.Errorf("fetch sizes: %w", orCtx(ctx, err))
	}
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return err
		}
		size, ok := sizes[uid]
		if !ok {
			p.log.Debug("imap message vanished before fetch", "uid", uid)
			continue
		}
		p.st.Seen++
		if err := p.handle(ctx, uid, size); err != nil {
			return err
		}
	}
	p.log.Info("imap poll done", "seen", p.st.Seen, "stored", p.st.Stored, "rejected", p.st.Rejected, "failed", p.st.Failed)
	return nil
}

// keywordsAllowed reports whether PERMANENTFLAGS lets us keep our keywords.
func keywordsAllowed(perm []imap.Flag) bool {
	var stored, rejected bool
	for _, f := range perm {
		switch {
		case f == imap.FlagWildcard:
			return true
		case strings.EqualFold(string(f), string(keywordStored)):
			stored = true
		case strings.EqualFold(string(f), string(keywordRejected)):
			rejected = true
		}
	}
	return stored && rejected
}

// search returns the UIDs of messages not yet handled, lowest first.
func (p *poller) search() ([]imap.UID, error) {
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{keywordStored, keywordRejected}}
	if !p.keywords {
		criteria = &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
	}
	data, err := p.c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, err
	}
	set, _ := data.All.(imap.UIDSet)
	uids, ok := set.Nums()
	if !ok {
		return nil, errors.New("server answered with a dynamic UID set")
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}

// sizes returns RFC822.SIZE of each message still in the mailbox.
func (p *poller) sizes(uids []imap.UID) (map[imap.UID]int64, error) {
	msgs, err := p.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, err
	}
	sizes := make(map[imap.UID]int64, len(msgs))
	for _, m := range msgs {
		if m.UID != 0 {
			sizes[m.UID] = m.RFC822Size
		}
	}
	return sizes, nil
}

// handle offers one message to the Deliverer and marks it. It returns an
// error only when the poll must end (connection gone, context ended).
func (p *poller) handle(ctx context.Context, uid imap.UID, size int64) error {
	log := p.log.With("uid", uid, "size", size)
	if size > p.cfg.MaxBytes {
		log.Warn("imap message too large; not fetched, flagged rejected", "max_bytes", p.cfg.MaxBytes)
		return p.reject(ctx, log, uid)
	}
	raw, err := p.fetch(uid)
	if errors.Is(err, errTooLarge) {
		log.Warn("imap message body larger than its size said; flagged rejected", "max_bytes", p.cfg.MaxBytes)
		return p.reject(ctx, log, uid)
	}
	if err != nil {
		p.st.Failed++
		if fatal := transportError(ctx, err); fatal != nil {
			return fmt.Errorf("fetch UID %d: %w", uid, fatal)
		}
		log.Warn("imap fetch failed; left for the next poll", "err", err)
		return nil
	}
	err = p.d.Deliver(ctx, recipients(raw), raw)
	switch {
	case err == nil:
		p.st.Stored++
		return p.markStored(ctx, log, uid)
	case permanent(err):
		log.Warn("imap message refused for good; flagged rejected", "err", err)
		return p.reject(ctx, log, uid)
	default:
		p.st.Failed++
		log.Warn("imap message not stored; left for the next poll", "err", err)
		return ctx.Err()
	}
}

// permanent reports whether err says the message can never be stored.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

var errTooLarge = errors.New("message larger than MaxBytes")

// fetch returns the whole message without setting \Seen, reading at most
// MaxBytes of it.
func (p *poller) fetch(uid imap.UID) ([]byte, error) {
	cmd := p.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var raw []byte
	var found bool
	var readErr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			body, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || found || body.Literal == nil {
				continue // the rest is discarded by the next Next
			}
			found = true
			raw, readErr = io.ReadAll(io.LimitReader(body.Literal, p.cfg.MaxBytes+1))
			if readErr == nil && int64(len(raw)) > p.cfg.MaxBytes {
				readErr = errTooLarge
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	if !found {
		return nil, errors.New("server sent no body")
	}
	return raw, nil
}

// markStored flags a stored message so that no poll offers it again, then
// moves it if MoveTo is set. A failure is logged: the message stays where
// it is and, if unflagged, is offered again.
func (p *poller) markStored(ctx context.Context, log *slog.Logger, uid imap.UID) error {
	flags := []imap.Flag{keywordStored, imap.FlagSeen}
	if !p.keywords {
		flags = []imap.Flag{imap.FlagSeen}
	}
	if err := p.addFlags(uid, flags); err != nil {
		if fatal := transportError(ctx, err); fatal != nil {
			return fmt.Errorf("flag stored UID %d: %w", uid, fatal)
		}
		log.Error("imap message stored but not flagged; it will be offered again", "err", err)
		return nil
	}
	log.Debug("imap message stored")
	if p.cfg.MoveTo == "" {
		return nil
	}
	if _, err := p.c.Move(imap.UIDSetNum(uid), p.cfg.MoveTo).Wait(); err != nil {
		if fatal := transportError(ctx, err); fatal != nil {
			return fmt.Errorf("move stored UID %d: %w", uid, fatal)
		}
		log.Error("imap message stored and flagged but not moved", "move_to", p.cfg.MoveTo, "err", err)
	}
	return nil
}

// reject flags a message that can never be stored.
func (p *poller) reject(ctx context.Context, log *slog.Logger, uid imap.UID) error {
	p.st.Rejected++
	flags := []imap.Flag{keywordRejected}
	if !p.keywords {
		flags = []imap.Flag{imap.FlagFlagged, imap.FlagSeen}
	}
	if err := p.addFlags(uid, flags); err != nil {
		if fatal := transportError(ctx, err); fatal != nil {
			return fmt.Errorf("flag rejected UID %d: %w", uid, fatal)
		}
		log.Error("imap message rejected but not flagged; it will be offered again", "err", err)
	}
	return nil
}

func (p *poller) addFlags(uid imap.UID, flags []imap.Flag) error {
	return p.c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{
		Op:     imap.StoreFlagsAdd,
		Silent: true,
		Flags:  flags,
	}, nil).Close()
}
