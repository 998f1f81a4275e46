package imappoll

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// This file runs a real IMAP server (go-imap's imapserver with its
// in-memory backend) on 127.0.0.1 for the tests, over implicit TLS,
// STARTTLS or plain TCP.

const (
	testUser     = "security@example.org"
	testPassword = "s3cret-Pa55 \"word\"!" // quoted on the wire
)

type serverOptions struct {
	security   string // TLS (default), StartTLS or None
	noMove     bool   // advertise IMAP4rev1 only: no MOVE, no UIDPLUS
	noKeywords bool   // leave \* out of PERMANENTFLAGS
	mailboxes  []string
}

type testServer struct {
	opts      serverOptions
	addr      string
	user      *imapmemserver.User
	clientTLS *tls.Config // trusts the server's self-signed certificate
	wire      *lockedBuffer
}

// testTLS makes one self-signed certificate for 127.0.0.1 per test binary.
var testTLS = sync.OnceValues(func() (server, client *tls.Config) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "imappoll test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	return server, &tls.Config{RootCAs: pool}
})

// startServer starts an IMAP server with one user, testUser, whose INBOX
// (and opts.mailboxes) exist and are empty.
func startServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	if opts.security == "" {
		opts.security = TLS
	}
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(testUser, testPassword)
	for _, name := range append([]string{"INBOX"}, opts.mailboxes...) {
		if err := user.Create(name, nil); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	mem.AddUser(user)

	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if opts.noMove {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}}
	}
	serverTLS, clientTLS := testTLS()
	wire := &lockedBuffer{}
	srvOpts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &testSession{user: user, noKeywords: opts.noKeywords}, nil, nil
		},
		Caps:        caps,
		Logger:      log.New(io.Discard, "", 0),
		DebugWriter: wire,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch opts.security {
	case TLS:
		ln = tls.NewListener(ln, serverTLS)
	case StartTLS:
		srvOpts.TLSConfig = serverTLS
	case None:
		srvOpts.InsecureAuth = true
	}
	srv := imapserver.New(srvOpts)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return &testServer{opts: opts, addr: ln.Addr().String(), user: user, clientTLS: clientTLS, wire: wire}
}

// testSession is the memory server's session with a login of its own (as
// imapmemserver's) and, for noKeywords, a server that keeps only system
// flags: PERMANENTFLAGS without \*.
type testSession struct {
	*imapmemserver.UserSession
	user       *imapmemserver.User
	noKeywords bool
}

func (s *testSession) Login(username, password string) error {
	if err := s.user.Login(username, password); err != nil {
		return err
	}
	s.UserSession = imapmemserver.NewUserSession(s.user)
	return nil
}

func (s *testSession) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := s.UserSession.Select(name, options)
	if err == nil && s.noKeywords {
		data.PermanentFlags = slices.DeleteFunc(data.PermanentFlags, func(f imap.Flag) bool {
			return f == imap.FlagWildcard || !strings.HasPrefix(string(f), `\`)
		})
	}
	return data, err
}

// config returns the Config to poll this server.
func (ts *testServer) config() Config {
	return Config{
		Addr:      ts.addr,
		Security:  ts.opts.security,
		Username:  testUser,
		Password:  testPassword,
		TLSConfig: ts.clientTLS,
		Timeout:   20 * time.Second,
	}
}

// appendMsg appends raw to mailbox through the memory server's API.
func (ts *testServer) appendMsg(t *testing.T, mailbox string, raw []byte) {
	t.Helper()
	if _, err := ts.user.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
		t.Fatalf("append to %s: %v", mailbox, err)
	}
}

// flags returns the flags of each message in mailbox by Subject, lower-cased
// (the memory server lower-cases flags) and sorted, read over IMAP with
// EXAMINE so that nothing changes.
func (ts *testServer) flags(t *testing.T, mailbox string) map[string]string {
	t.Helper()
	opts := &imapclient.Options{TLSConfig: ts.clientTLS}
	var c *imapclient.Client
	var err error
	switch ts.opts.security {
	case TLS:
		c, err = imapclient.DialTLS(ts.addr, opts)
	case StartTLS:
		c, err = imapclient.DialStartTLS(ts.addr, opts)
	default:
		c, err = imapclient.DialInsecure(ts.addr, opts)
	}
	if err != nil {
		t.Fatalf("inspect: dial: %v", err)
	}
	defer c.Close()
	if err := c.Login(testUser, testPassword).Wait(); err != nil {
		t.Fatalf("inspect: login: %v", err)
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("inspect: examine %s: %v", mailbox, err)
	}
	out := make(map[string]string)
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{Envelope: true, Flags: true}).Collect()
	if err != nil {
		t.Fatalf("inspect: fetch: %v", err)
	}
	for _, m := range msgs {
		var fl []string
		for _, f := range m.Flags {
			fl = append(fl, strings.ToLower(string(f)))
		}
		slices.Sort(fl)
		out[m.Envelope.Subject] = strings.Join(fl, " ")
	}
	return out
}

// lockedBuffer collects what the server's connections read and write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testMessage returns a small message with the given subject.
func testMessage(subject string) []byte {
	return fmt.Appendf(nil, "From: Reporter <reporter@example.net>\r\n"+
		"To: Security <security@example.org>\r\n"+
		"Subject: %s\r\n"+
		"Message-ID: <%s@example.net>\r\n"+
		"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n"+
		"\r\n"+
		"Details of %s.\r\n", subject, strings.ReplaceAll(subject, " ", "."), subject)
}

// delivery is what one Deliver call received.
type delivery struct {
	subject string
	rcpts   []string
	raw     []byte
}

// recorder is a Deliverer that keeps what it is given. decide, if set,
// says what to return for a message (by Subject and how many times that
// Subject was offered before); nil means stored.
type recorder struct {
	mu     sync.Mutex
	got    []delivery
	decide func(ctx context.Context, subject string, tries int) error
}

func (r *recorder) Deliver(ctx context.Context, rcpts []string, raw []byte) error {
	subject := ""
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		subject = m.Header.Get("Subject")
	}
	r.mu.Lock()
	tries := 0
	for _, d := range r.got {
		if d.subject == subject {
			tries++
		}
	}
	r.got = append(r.got, delivery{subject: subject, rcpts: rcpts, raw: raw})
	decide := r.decide
	r.mu.Unlock()
	if decide != nil {
		return decide(ctx, subject, tries)
	}
	return nil
}

// subjects returns the subjects delivered so far, in order.
func (r *recorder) subjects() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, d := range r.got {
		s = append(s, d.subject)
	}
	return s
}

// permanentError is how a Deliverer says a message can never be stored.
type permanentError struct{ permanent bool }

func (e permanentError) Error() string   { return fmt.Sprintf("refused (permanent=%v)", e.permanent) }
func (e permanentError) Permanent() bool { return e.permanent }
