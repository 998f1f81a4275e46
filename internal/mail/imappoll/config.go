package imappoll

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Security of the connection to the IMAP server.
const (
	TLS      = "tls"      // TLS from the first byte (port 993); the default
	StartTLS = "starttls" // plain connection upgraded with STARTTLS (required)
	None     = "none"     // no TLS: only for a server on the loopback interface
)

// Defaults applied by Poll to zero fields of Config.
const (
	DefaultMailbox  = "INBOX"
	DefaultMaxBytes = 35 << 20 // 35 MiB
	DefaultBatch    = 100
	DefaultTimeout  = 2 * time.Minute
)

// Config says where a project's security mail is and how to fetch it.
type Config struct {
	// Addr is host:port of the IMAP server.
	Addr string
	// Security is TLS (default, implicit TLS, port 993), StartTLS, or None
	// (only for a server on loopback; refused otherwise).
	Security string
	// Username and Password log in with LOGIN; both are required.
	Username, Password string
	// Mailbox is the mailbox to poll (default "INBOX").
	Mailbox string
	// MoveTo, when set, names an existing mailbox to which each message is
	// moved after it is stored (MOVE, or COPY + \Deleted + EXPUNGE when the
	// server lacks MOVE; without UIDPLUS that EXPUNGE also removes any other
	// message marked \Deleted in Mailbox). When empty, stored messages are
	// only flagged.
	MoveTo string
	// MaxBytes bounds one message (RFC822.SIZE); larger messages are not
	// fetched but flagged rejected and logged (default 35 MiB).
	MaxBytes int64
	// Batch bounds the messages handled by one poll (default 100), taken
	// oldest (lowest UID) first: a full Batch of messages that keep failing
	// temporarily would hold newer mail back, which the logs show.
	Batch int
	// TLSConfig overrides the TLS settings (tests: a private CA).
	TLSConfig *tls.Config
	// Timeout bounds a whole poll (default 2 minutes).
	Timeout time.Duration
}

// Validate reports the first problem with c: Addr must be host:port,
// Security one of "tls", "starttls", "none" or empty, "none" only towards
// a loopback address (localhost, 127.0.0.0/8, ::1), Username and Password
// both set, MoveTo different from Mailbox, and no negative limits. The
// error never contains the password.
func (c Config) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("imappoll.Config.Validate: %w", err)
	}
	return nil
}

func (c Config) validate() error {
	if c.Addr == "" {
		return errors.New("missing Addr (host:port)")
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("want Addr as host:port, got %q", c.Addr)
	}
	switch c.Security {
	case "", TLS, StartTLS:
	case None:
		if !loopbackHost(host) {
			return fmt.Errorf("refusing Security %q towards %q: allowed only for a server on this host (127.0.0.1, ::1, localhost), or mail and password would cross the network in the clear", None, host)
		}
	default:
		return fmt.Errorf("unknown Security %q: want %q, %q or %q", c.Security, TLS, StartTLS, None)
	}
	if c.Username == "" || c.Password == "" {
		return errors.New("missing Username or Password")
	}
	mailbox := c.Mailbox
	if mailbox == "" {
		mailbox = DefaultMailbox
	}
	if c.MoveTo != "" && c.MoveTo == mailbox {
		return fmt.Errorf("cannot MoveTo %q: it is the polled mailbox", c.MoveTo)
	}
	if c.MaxBytes < 0 || c.Batch < 0 || c.Timeout < 0 {
		return errors.New("negative MaxBytes, Batch or Timeout")
	}
	return nil
}

// loopbackHost reports whether host is "localhost" or a loopback IP literal.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Security == "" {
		c.Security = TLS
	}
	if c.Mailbox == "" {
		c.Mailbox = DefaultMailbox
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}
