// Package smtpd is Embargo's inbound SMTP listener (emersion/go-smtp): it
// accepts mail for the projects' security addresses and their reports'
// reply addresses, refuses anything else at RCPT, and answers 250 only
// once the mail is durably stored, 4xx whenever it could not be (so the
// sending server tries again) and 5xx, with the reason, for mail that can
// never become a report.
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/netutil"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/mail/inbound"
)

// Options configure the listener.
type Options struct {
	// Addr is host:port to listen on (":2525", "127.0.0.1:25").
	Addr string
	// Domain is the name the server greets with.
	Domain string
	// TLSConfig enables STARTTLS (nil: no TLS offered).
	TLSConfig *tls.Config
	// MaxBytes bounds one message (default: the app's inbound limit).
	MaxBytes int64
	// MaxRecipients bounds RCPT commands per message (default 50).
	MaxRecipients int
	// MaxConns bounds concurrent connections (default 100); Workers the
	// messages being stored at once (default 8), which bounds memory.
	MaxConns, Workers int
	// Timeout is the idle read and write timeout (default 2 minutes).
	Timeout time.Duration
}

// Server is a running listener.
type Server struct {
	srv *smtp.Server
	ln  net.Listener
	log *slog.Logger
}

// Listen starts the listener in the background; Close stops it.
func Listen(a *app.App, log *slog.Logger, o Options) (*Server, error) {
	if o.MaxBytes <= 0 {
		o.MaxBytes = inbound.Limits{}.WithDefaults().MaxBytes
	}
	if o.MaxRecipients <= 0 {
		o.MaxRecipients = 50
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 100
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Domain == "" {
		o.Domain = "localhost"
	}
	be := &backend{app: a, log: log, slots: make(chan struct{}, o.Workers)}
	s := smtp.NewServer(be)
	s.Addr, s.Domain, s.TLSConfig = o.Addr, o.Domain, o.TLSConfig
	s.MaxMessageBytes, s.MaxRecipients = o.MaxBytes, o.MaxRecipients
	s.ReadTimeout, s.WriteTimeout = o.Timeout, o.Timeout
	s.ErrorLog = slogLogger{log}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtpd.Listen(%s): %w", o.Addr, err)
	}
	ln = netutil.LimitListener(ln, o.MaxConns)
	srv := &Server{srv: s, ln: ln, log: log}
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			log.Error("smtp listener stopped", "err", err.Error())
		}
	}()
	log.Info("smtp listener", "addr", ln.Addr().String(), "starttls", o.TLSConfig != nil, "max_bytes", o.MaxBytes)
	return srv, nil
}

// Addr is the address the listener is bound to.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting and waits for sessions in progress up to ctx.
func (s *Server) Close(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		return s.srv.Close()
	}
	return nil
}

type backend struct {
	app   *app.App
	log   *slog.Logger
	slots chan struct{}
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b, remote: remoteIP(c)}, nil
}

func remoteIP(c *smtp.Conn) string {
	if c == nil || c.Conn() == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(c.Conn().RemoteAddr().String())
	if err != nil {
		return ""
	}
	return host
}

type session struct {
	b      *backend
	remote string
	rcpts  []string
}

func (s *session) Reset()        { s.rcpts = nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }

// Rcpt refuses, at once, any address that reaches no project.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.b.app.MailRecipient(ctx, to); err != nil {
		return smtpError(app.MailReply(err))
	}
	s.rcpts = append(s.rcpts, strings.ToLower(to))
	return nil
}

// Data reads the message (bounded by the server) and stores it once per
// project among the recipients, a reply address before a plain one.
func (s *session) Data(r io.Reader) error {
	// The slot is taken before the message is read: at most Workers
	// messages are in memory at once, whatever the number of connections.
	s.b.slots <- struct{}{}
	defer func() { <-s.b.slots }()
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // ErrDataTooLarge is 552 already
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rcpts := append([]string(nil), s.rcpts...)
	sort.SliceStable(rcpts, func(i, j int) bool {
		return strings.Contains(rcpts[i], "+r-") && !strings.Contains(rcpts[j], "+r-")
	})
	done := map[string]bool{}
	for _, rcpt := range rcpts {
		slug, err := s.b.app.MailRecipient(ctx, rcpt)
		if err != nil || done[slug] {
			continue
		}
		res, err := s.b.app.ReceiveMail(ctx, rcpt, raw)
		if err != nil {
			reply := app.MailReply(err)
			// Only the codes: a reason can name a file from the mail.
			if reply.Permanent() {
				s.b.log.Info("mail refused", "project", slug, "remote", s.remote, "code", reply.Code, "enhanced", fmt.Sprint(reply.Enhanced))
			} else {
				s.b.log.Warn("mail not stored", "project", slug, "remote", s.remote, "code", reply.Code, "kind", embargo.KindOf(err).String())
			}
			return smtpError(reply)
		}
		done[slug] = true
		s.b.log.Info("mail received", "project", slug, "report", res.Report, "new", res.New, "duplicate", res.Duplicate,
			"remote", s.remote, "bytes", len(raw))
	}
	return nil
}

func smtpError(e *inbound.Error) *smtp.SMTPError {
	return &smtp.SMTPError{Code: e.Code, EnhancedCode: smtp.EnhancedCode(e.Enhanced), Message: e.Message}
}

// slogLogger passes go-smtp's own errors (bad commands, broken
// connections) to the log at debug level: they are the clients' faults.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) {
	l.log.Debug("smtp", "msg", fmt.Sprintf(format, v...))
}

func (l slogLogger) Println(v ...any) { l.log.Debug("smtp", "msg", fmt.Sprint(v...)) }
