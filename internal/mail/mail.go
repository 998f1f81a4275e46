// Package mail sends Embargo's outbound mail through the operator's SMTP
// relay (emersion/go-smtp), composed with emersion/go-message.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security of the connection to the relay.
const (
	StartTLS = "starttls" // plain connection upgraded with STARTTLS (required)
	TLS      = "tls"      // TLS from the first byte (port 465)
	None     = "none"     // no TLS: only for a relay on the same host
)

// Relay is the operator's outbound SMTP server.
type Relay struct {
	// Addr is host:port.
	Addr string
	// From is the envelope and header sender.
	From string
	// Security is StartTLS (default), TLS or None.
	Security string
	// Username and Password authenticate with AUTH PLAIN, over TLS only
	// unless Security is None (then the relay must be local).
	Username, Password string
	// TLSConfig overrides the TLS settings (tests: a private CA).
	TLSConfig *tls.Config
	// Timeout bounds one delivery (default 30s).
	Timeout time.Duration
	// DKIM, when set, signs every message sent.
	DKIM *DKIM
}

// Message is one mail to send.
type Message struct {
	To      []string
	Subject string
	Body    string // plain text
}

// Compose writes m as an RFC 5322 message from the relay's sender.
func (r Relay) Compose(m Message, now time.Time) ([]byte, error) {
	var h mail.Header
	from, err := mail.ParseAddress(r.From)
	if err != nil {
		return nil, fmt.Errorf("mail: sender %q: %w", r.From, err)
	}
	h.SetAddressList("From", []*mail.Address{from})
	var to []*mail.Address
	for _, t := range m.To {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("mail: recipient %q: %w", t, err)
		}
		to = append(to, a)
	}
	h.SetAddressList("To", to)
	h.SetSubject(m.Subject)
	h.SetDate(now)
	host := "embargo.invalid"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		host = from.Address[at+1:]
	}
	if err := h.GenerateMessageIDWithHostname(host); err != nil {
		return nil, err
	}
	h.Set("Auto-Submitted", "auto-generated")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Send delivers a composed message to its recipients through the relay.
// An error is temporary or permanent as the relay said; the caller retries.
func (r Relay) Send(ctx context.Context, to []string, msg []byte) error {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, err := net.SplitHostPort(r.Addr)
	if err != nil {
		return fmt.Errorf("mail: relay address %q: %w", r.Addr, err)
	}
	cfg := r.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("mail: relay: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	var c *smtp.Client
	switch r.Security {
	case TLS:
		c = smtp.NewClient(tls.Client(conn, cfg))
	case None:
		c = smtp.NewClient(conn)
	default:
		if c, err = smtp.NewClientStartTLS(conn, cfg); err != nil {
			conn.Close()
			return fmt.Errorf("mail: relay STARTTLS: %w", err)
		}
	}
	defer c.Close()
	if r.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", r.Username, r.Password)); err != nil {
			return fmt.Errorf("mail: relay AUTH: %w", err)
		}
	}
	from, err := mail.ParseAddress(r.From)
	if err != nil {
		return fmt.Errorf("mail: sender %q: %w", r.From, err)
	}
	if msg, err = r.DKIM.sign(msg); err != nil {
		return err
	}
	if err := c.SendMail(from.Address, to, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("mail: relay: %w", err)
	}
	if err := c.Quit(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("mail: relay QUIT: %w", err)
	}
	return nil
}
