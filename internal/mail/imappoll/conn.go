package imappoll

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// conn is a client whose network connection is closed when the poll's
// context ends: imapclient takes no context and resets the connection's
// deadlines itself, so closing is the only way to stop a blocked command.
type conn struct {
	*imapclient.Client
	stop func() bool // stops the context watch
}

// dial connects to cfg.Addr as cfg.Security says and waits for the
// greeting; with StartTLS it upgrades the connection before returning.
func dial(ctx context.Context, cfg Config) (*conn, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	c, err := handshake(ctx, raw, host, cfg)
	if err != nil {
		stop()
		raw.Close()
		return nil, err
	}
	return &conn{Client: c, stop: stop}, nil
}

func handshake(ctx context.Context, raw net.Conn, host string, cfg Config) (*imapclient.Client, error) {
	tlsConfig := &tls.Config{}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	if tlsConfig.MinVersion == 0 {
		tlsConfig.MinVersion = tls.VersionTLS12
	}
	opts := &imapclient.Options{TLSConfig: tlsConfig}
	var c *imapclient.Client
	switch cfg.Security {
	case TLS:
		if tlsConfig.NextProtos == nil {
			tlsConfig.NextProtos = []string{"imap"}
		}
		tc := tls.Client(raw, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("TLS: %w", err)
		}
		c = imapclient.New(tc, opts)
	case StartTLS:
		var err error
		if c, err = imapclient.NewStartTLS(raw, opts); err != nil {
			return nil, fmt.Errorf("STARTTLS: %w", err)
		}
	case None:
		// Validate allowed only loopback names; make sure "localhost"
		// really led to this host.
		if ap, ok := raw.RemoteAddr().(*net.TCPAddr); !ok || !ap.IP.IsLoopback() {
			return nil, fmt.Errorf("refusing Security %q: %v is not a loopback address", None, raw.RemoteAddr())
		}
		c = imapclient.New(raw, opts)
	default:
		return nil, fmt.Errorf("unknown Security %q", cfg.Security)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	return c, nil
}

// close logs out (unless the context has ended) and closes the connection.
func (c *conn) close(ctx context.Context) {
	if ctx.Err() == nil {
		_ = c.Logout().Wait() // best effort: the work is done
	}
	c.stop()
	_ = c.Client.Close()
}

// transportError returns the error to end the poll with when err (from an
// IMAP command) means the connection is gone or the context ended, and nil
// when it is the server's NO or BAD for one command (the connection is fine).
func transportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	var st *imap.Error
	if errors.As(err, &st) {
		return nil
	}
	return err
}
