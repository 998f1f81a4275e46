// Package mailtest runs a real SMTP server (emersion/go-smtp) on loopback
// that captures what it receives, for tests of outbound mail.
package mailtest

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the server accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
	// User is the AUTH identity ("" without AUTH); TLS tells whether the
	// session was encrypted when the message came.
	User string
	TLS  bool
}

// Server is a capturing SMTP server.
type Server struct {
	Addr string
	// Fail, when set, refuses every message with a temporary error.
	mu   sync.Mutex
	fail bool
	got  []Mail
	// username/password are the credentials AUTH PLAIN accepts ("" = none).
	username, password string
}

// Options configure Start.
type Options struct {
	// TLS enables STARTTLS with this configuration.
	TLS *tls.Config
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string
}

// Start listens on 127.0.0.1 and serves until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{username: o.Username, password: o.Password}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.TLSConfig = o.TLS
	srv.AllowInsecureAuth = o.TLS == nil
	srv.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// SetFailing makes the server refuse (or accept again) every message.
func (s *Server) SetFailing(fail bool) { s.mu.Lock(); s.fail = fail; s.mu.Unlock() }

// Received returns the messages accepted so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Server
	conn *smtp.Conn
	m    Mail
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.username || password != x.s.password || x.s.username == "" {
			return errors.New("invalid credentials")
		}
		x.m.User = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.username != "" && x.m.User == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	x.m.From = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.m.To = append(x.m.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	_, x.m.TLS = x.conn.TLSConnectionState()
	x.m.Data = b
	x.s.got = append(x.s.got, x.m)
	x.m = Mail{User: x.m.User}
	return nil
}

func (x *session) Reset()        { x.m = Mail{User: x.m.User} }
func (x *session) Logout() error { return nil }
