package imappoll

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// Polls that end with an error: the lead's job retries them.

func TestPollErrors(t *testing.T) {
	tests := []struct {
		name   string
		server serverOptions
		cfg    func(c *Config)
		want   string // in the error
	}{{
		name: "bad password",
		cfg:  func(c *Config) { c.Password = "not-" + testPassword },
		want: "login as",
	}, {
		name: "unknown user",
		cfg:  func(c *Config) { c.Username = "nobody@example.org" },
		want: "login as",
	}, {
		name: "mailbox missing",
		cfg:  func(c *Config) { c.Mailbox = "Security" },
		want: `select "Security"`,
	}, {
		name: "MoveTo missing",
		cfg:  func(c *Config) { c.MoveTo = "Stored" },
		want: `MoveTo mailbox "Stored"`,
	}, {
		name: "certificate not trusted",
		cfg:  func(c *Config) { c.TLSConfig = nil },
		want: "connect to",
	}, {
		name:   "STARTTLS to a server without it",
		server: serverOptions{security: None},
		cfg:    func(c *Config) { c.Security = StartTLS },
		want:   "STARTTLS",
	}, {
		name: "none refused for a remote IP",
		cfg:  func(c *Config) { c.Security, c.Addr = None, "192.0.2.1:143" },
		want: "refusing Security \"none\"",
	}, {
		name: "none refused for a host name",
		cfg:  func(c *Config) { c.Security, c.Addr = None, "imap.example.org:143" },
		want: "refusing Security \"none\"",
	}, {
		name: "none refused for a remote IPv6",
		cfg:  func(c *Config) { c.Security, c.Addr = None, "[2001:db8::1]:143" },
		want: "refusing Security \"none\"",
	}, {
		name: "nothing listening",
		cfg:  func(c *Config) { c.Addr = closedAddr(t) },
		want: "connect to",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, tt.server)
			ts.appendMsg(t, "INBOX", testMessage("A"))
			cfg := ts.config()
			tt.cfg(&cfg)
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			rec := &recorder{}
			st, err := Poll(t.Context(), cfg, rec, log)
			if err == nil {
				t.Fatalf("Poll succeeded (%+v), want an error with %q", st, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "imappoll.Poll: ") {
				t.Errorf("error %q, want imappoll.Poll: …%s…", err, tt.want)
			}
			if st != (Stats{}) || len(rec.got) != 0 {
				t.Errorf("stats %+v and %d deliveries, want none", st, len(rec.got))
			}
			for _, out := range []string{err.Error(), logs.String()} {
				if strings.Contains(out, "Pa55") {
					t.Errorf("the password leaked: %s", out)
				}
			}
		})
	}
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestPollContext(t *testing.T) {
	t.Run("cancelled during Deliver: stops, message left", func(t *testing.T) {
		ts := startServer(t, serverOptions{})
		for _, s := range []string{"A", "B", "C"} {
			ts.appendMsg(t, "INBOX", testMessage(s))
		}
		ctx, cancel := context.WithCancel(t.Context())
		rec := &recorder{decide: func(ctx context.Context, _ string, _ int) error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}}
		st, err := Poll(ctx, ts.config(), rec, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if want := (Stats{Seen: 1, Failed: 1}); st != want {
			t.Errorf("stats %+v, want %+v", st, want)
		}
		rec.decide = nil
		st, err = Poll(t.Context(), ts.config(), rec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := (Stats{Seen: 3, Stored: 3}); st != want {
			t.Errorf("next poll: stats %+v, want %+v", st, want)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		ts := startServer(t, serverOptions{})
		ts.appendMsg(t, "INBOX", testMessage("A"))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		rec := &recorder{}
		if _, err := Poll(ctx, ts.config(), rec, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if len(rec.got) != 0 {
			t.Errorf("%d deliveries, want none", len(rec.got))
		}
	})
	t.Run("Timeout bounds the poll", func(t *testing.T) {
		ts := startServer(t, serverOptions{})
		ts.appendMsg(t, "INBOX", testMessage("A"))
		cfg := ts.config()
		cfg.Timeout = 200 * time.Millisecond
		rec := &recorder{decide: func(ctx context.Context, _ string, _ int) error {
			<-ctx.Done()
			return ctx.Err()
		}}
		if _, err := Poll(t.Context(), cfg, rec, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("server that never answers", func(t *testing.T) {
		// A listener that accepts and stays silent: imapclient would wait
		// 30s for the greeting; the context must cut that short.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		done := make(chan struct{})
		defer close(done)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			<-done
			c.Close()
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		cfg := Config{Addr: ln.Addr().String(), Security: None, Username: testUser, Password: testPassword}
		start := time.Now()
		_, err = Poll(ctx, cfg, &recorder{}, nil)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "connect to") {
			t.Fatalf("err %v, want connect to …: context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Poll took %v after its context ended", d)
		}
	})
}
