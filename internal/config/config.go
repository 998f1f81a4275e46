// Package config reads Embargo's configuration once, from EMBARGO_*
// environment variables, into a value that is validated before use.
package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Config is the whole runtime configuration. The zero value is not valid;
// use Load.
type Config struct {
	// DataDir holds the SQLite database and the key files by default.
	DataDir string
	// DatabaseURL is postgres://… for PostgreSQL; empty means SQLite in DataDir.
	DatabaseURL string
	// Listen is the HTTP listen address.
	Listen string
	// BaseURL is the public URL of the instance, used in links and
	// security.txt. Empty means http://<the address listened on>.
	BaseURL string
	// MasterKeyFile holds the master key (0600); MasterKey, when set,
	// replaces the file (base64, from the environment).
	MasterKeyFile string
	MasterKey     string
	// AuditKeyFile holds the seed of the Ed25519 key that signs audit
	// checkpoints (0600); AuditKey, when set, replaces the file.
	AuditKeyFile string
	AuditKey     string
	// DefaultProject is served at /.well-known/security.txt; empty means
	// the only project when there is exactly one.
	DefaultProject string
	// SessionTTL is how long a maintainer stays signed in.
	SessionTTL time.Duration
	// SetupLinkTTL is how long the printed admin setup link works.
	SetupLinkTTL time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// MaxFileBytes and MaxReportBytes bound uploaded files: one file, and
	// all of one report's text and files together.
	MaxFileBytes   int64
	MaxReportBytes int64
	// IntakeBurst reports may come from one client address at once, then
	// one every IntakeEvery.
	IntakeBurst int
	IntakeEvery time.Duration
	// SLASweepEvery is how often the SLA sweep job runs: reminders and
	// escalations are taken at most this long after their instant.
	SLASweepEvery time.Duration
	// SMTP is the outbound relay for notification mail; Relay empty
	// keeps notifications in the app.
	SMTPRelay, SMTPFrom, SMTPSecurity, SMTPUsername, SMTPPassword string
	// DKIM signs outbound mail when all three are set.
	DKIMDomain, DKIMSelector, DKIMKeyFile string
	// SMTPListen enables the inbound SMTP listener (empty: off); SMTPHostname
	// is its greeting name; SMTPTLSCert/Key enable STARTTLS.
	SMTPListen, SMTPHostname, SMTPTLSCert, SMTPTLSKey string
	// MailMaxBytes bounds one inbound message.
	MailMaxBytes int64
	// IMAP polls a mailbox instead of (or besides) the listener; IMAPAddr
	// empty: off.
	IMAPAddr, IMAPSecurity, IMAPUsername, IMAPPassword, IMAPMailbox, IMAPMoveTo string
	IMAPEvery                                                                   time.Duration
	// SignSecurityTxt clear-signs security.txt with the project's key.
	SignSecurityTxt bool
	// CVEOrgID is the CNA's organisation UUID for CVE JSON 5 records.
	CVEOrgID string
	// WebhookAllowPrivate lets webhooks reach loopback, private and
	// link-local addresses.
	WebhookAllowPrivate bool
	// MetricsToken is the bearer token /metrics requires; without one,
	// /metrics answers only the local host.
	MetricsToken string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when finding a client's address for rate limits.
	TrustedProxies []netip.Prefix
}

// Env lists every variable Load reads, with its meaning, for --help.
var Env = [][2]string{
	{"EMBARGO_DATA_DIR", "data directory (default ./embargo-data)"},
	{"EMBARGO_DATABASE_URL", "postgres://… to use PostgreSQL (default: SQLite at DATA_DIR/embargo.db)"},
	{"EMBARGO_LISTEN", "HTTP listen address (default 127.0.0.1:8080)"},
	{"EMBARGO_BASE_URL", "public URL of the instance (default http://LISTEN)"},
	{"EMBARGO_MASTER_KEY_FILE", "master key file, created 0600 on first start (default DATA_DIR/master.key)"},
	{"EMBARGO_MASTER_KEY", "master key in base64, instead of the file"},
	{"EMBARGO_AUDIT_KEY_FILE", "seed of the Ed25519 key signing audit checkpoints, created 0600 on first start (default DATA_DIR/audit.key)"},
	{"EMBARGO_AUDIT_KEY", "audit signing key seed in base64, instead of the file"},
	{"EMBARGO_DEFAULT_PROJECT", "slug served at /.well-known/security.txt (default: the only project)"},
	{"EMBARGO_SESSION_TTL", "maintainer session lifetime (default 12h)"},
	{"EMBARGO_SETUP_LINK_TTL", "lifetime of the admin setup link (default 24h)"},
	{"EMBARGO_LOG_LEVEL", "debug, info, warn or error (default info)"},
	{"EMBARGO_MAX_BODY_BYTES", "largest request body accepted (default 1048576)"},
	{"EMBARGO_MAX_FILE_BYTES", "largest file accepted with a report or message (default 10485760, 10 MiB)"},
	{"EMBARGO_MAX_REPORT_BYTES", "largest report with all its files (default 26214400, 25 MiB)"},
	{"EMBARGO_INTAKE_BURST", "reports accepted at once from one client address (default 10)"},
	{"EMBARGO_INTAKE_EVERY", "then one more report per client every (default 1m)"},
	{"EMBARGO_SLA_SWEEP_EVERY", "how often due reminders and escalations are taken (default 30s)"},
	{"EMBARGO_METRICS_TOKEN", "bearer token for /metrics (default: /metrics answers the local host only)"},
	{"EMBARGO_WEBHOOK_ALLOW_PRIVATE", "let webhooks reach loopback, private and link-local addresses (default false)"},
	{"EMBARGO_SMTP_RELAY", "host:port of the outbound SMTP relay for notification mail (default: none, in-app only)"},
	{"EMBARGO_SMTP_FROM", "sender address of Embargo's mail"},
	{"EMBARGO_SMTP_SECURITY", "starttls (default), tls, or none (a relay on this host only)"},
	{"EMBARGO_SMTP_USERNAME", "relay login (AUTH PLAIN, over TLS)"},
	{"EMBARGO_SMTP_PASSWORD", "relay password"},
	{"EMBARGO_SMTP_DKIM_DOMAIN", "sign outbound mail with DKIM for this domain (with SELECTOR and KEY_FILE)"},
	{"EMBARGO_SMTP_DKIM_SELECTOR", "DKIM selector (the DNS record is SELECTOR._domainkey.DOMAIN)"},
	{"EMBARGO_SMTP_DKIM_KEY_FILE", "DKIM private key, PEM (PKCS#8 or PKCS#1 RSA, or PKCS#8 Ed25519)"},
	{"EMBARGO_SMTP_LISTEN", "host:port of the inbound SMTP listener for the projects' security addresses (default: off)"},
	{"EMBARGO_SMTP_HOSTNAME", "name the SMTP listener greets with (default: the host of EMBARGO_BASE_URL)"},
	{"EMBARGO_SMTP_TLS_CERT", "certificate (PEM) offered with STARTTLS by the listener"},
	{"EMBARGO_SMTP_TLS_KEY", "its private key (PEM)"},
	{"EMBARGO_MAIL_MAX_BYTES", "largest inbound message (default 36700160, 35 MiB)"},
	{"EMBARGO_IMAP_ADDR", "host:port of an IMAP mailbox to poll for security mail (default: off)"},
	{"EMBARGO_IMAP_SECURITY", "tls (default), starttls, or none (a server on this host only)"},
	{"EMBARGO_IMAP_USERNAME", "IMAP login"},
	{"EMBARGO_IMAP_PASSWORD", "IMAP password"},
	{"EMBARGO_IMAP_MAILBOX", "mailbox to read (default INBOX)"},
	{"EMBARGO_IMAP_MOVE_TO", "mailbox stored messages are moved to (default: they stay, flagged $EmbargoStored)"},
	{"EMBARGO_IMAP_EVERY", "how often the mailbox is polled (default 1m)"},
	{"EMBARGO_CVE_ORG_ID", "your CNA's organisation UUID: publishes CVE JSON 5 records for advisories with a CVE id"},
	{"EMBARGO_SIGN_SECURITY_TXT", "clear-sign each project's security.txt with its OpenPGP key (default false)"},
	{"EMBARGO_TRUSTED_PROXIES", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is trusted"},
}

// Load reads the configuration from getenv (os.Getenv in production) and
// validates it.
func Load(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DataDir:        get("EMBARGO_DATA_DIR", "embargo-data"),
		DatabaseURL:    get("EMBARGO_DATABASE_URL", ""),
		Listen:         get("EMBARGO_LISTEN", "127.0.0.1:8080"),
		BaseURL:        strings.TrimRight(get("EMBARGO_BASE_URL", ""), "/"),
		MasterKeyFile:  get("EMBARGO_MASTER_KEY_FILE", ""),
		MasterKey:      get("EMBARGO_MASTER_KEY", ""),
		AuditKeyFile:   get("EMBARGO_AUDIT_KEY_FILE", ""),
		AuditKey:       get("EMBARGO_AUDIT_KEY", ""),
		DefaultProject: get("EMBARGO_DEFAULT_PROJECT", ""),
		LogLevel:       get("EMBARGO_LOG_LEVEL", "info"),
	}
	var err error
	if c.SessionTTL, err = time.ParseDuration(get("EMBARGO_SESSION_TTL", "12h")); err != nil {
		return c, fmt.Errorf("EMBARGO_SESSION_TTL: %w", err)
	}
	if c.SetupLinkTTL, err = time.ParseDuration(get("EMBARGO_SETUP_LINK_TTL", "24h")); err != nil {
		return c, fmt.Errorf("EMBARGO_SETUP_LINK_TTL: %w", err)
	}
	if _, err := fmt.Sscan(get("EMBARGO_MAX_BODY_BYTES", "1048576"), &c.MaxBodyBytes); err != nil {
		return c, fmt.Errorf("EMBARGO_MAX_BODY_BYTES: want a number of bytes")
	}
	if _, err := fmt.Sscan(get("EMBARGO_MAX_FILE_BYTES", "10485760"), &c.MaxFileBytes); err != nil {
		return c, fmt.Errorf("EMBARGO_MAX_FILE_BYTES: want a number of bytes")
	}
	if _, err := fmt.Sscan(get("EMBARGO_MAX_REPORT_BYTES", "26214400"), &c.MaxReportBytes); err != nil {
		return c, fmt.Errorf("EMBARGO_MAX_REPORT_BYTES: want a number of bytes")
	}
	if _, err := fmt.Sscan(get("EMBARGO_INTAKE_BURST", "10"), &c.IntakeBurst); err != nil {
		return c, fmt.Errorf("EMBARGO_INTAKE_BURST: want a number")
	}
	if c.IntakeEvery, err = time.ParseDuration(get("EMBARGO_INTAKE_EVERY", "1m")); err != nil {
		return c, fmt.Errorf("EMBARGO_INTAKE_EVERY: %w", err)
	}
	c.MetricsToken = get("EMBARGO_METRICS_TOKEN", "")
	switch v := get("EMBARGO_WEBHOOK_ALLOW_PRIVATE", "false"); v {
	case "true", "1":
		c.WebhookAllowPrivate = true
	case "false", "0", "":
	default:
		return c, fmt.Errorf("EMBARGO_WEBHOOK_ALLOW_PRIVATE: want true or false, not %q", v)
	}
	c.CVEOrgID = get("EMBARGO_CVE_ORG_ID", "")
	switch v := get("EMBARGO_SIGN_SECURITY_TXT", "false"); v {
	case "true", "1":
		c.SignSecurityTxt = true
	case "false", "0", "":
	default:
		return c, fmt.Errorf("EMBARGO_SIGN_SECURITY_TXT: want true or false, not %q", v)
	}
	c.SMTPRelay, c.SMTPFrom = get("EMBARGO_SMTP_RELAY", ""), get("EMBARGO_SMTP_FROM", "")
	c.SMTPSecurity = get("EMBARGO_SMTP_SECURITY", "starttls")
	c.SMTPUsername, c.SMTPPassword = get("EMBARGO_SMTP_USERNAME", ""), get("EMBARGO_SMTP_PASSWORD", "")
	c.DKIMDomain, c.DKIMSelector, c.DKIMKeyFile = get("EMBARGO_SMTP_DKIM_DOMAIN", ""), get("EMBARGO_SMTP_DKIM_SELECTOR", ""), get("EMBARGO_SMTP_DKIM_KEY_FILE", "")
	c.SMTPListen, c.SMTPHostname = get("EMBARGO_SMTP_LISTEN", ""), get("EMBARGO_SMTP_HOSTNAME", "")
	c.SMTPTLSCert, c.SMTPTLSKey = get("EMBARGO_SMTP_TLS_CERT", ""), get("EMBARGO_SMTP_TLS_KEY", "")
	if _, err := fmt.Sscan(get("EMBARGO_MAIL_MAX_BYTES", "36700160"), &c.MailMaxBytes); err != nil {
		return c, fmt.Errorf("EMBARGO_MAIL_MAX_BYTES: want a number of bytes")
	}
	c.IMAPAddr, c.IMAPSecurity = get("EMBARGO_IMAP_ADDR", ""), get("EMBARGO_IMAP_SECURITY", "tls")
	c.IMAPUsername, c.IMAPPassword = get("EMBARGO_IMAP_USERNAME", ""), get("EMBARGO_IMAP_PASSWORD", "")
	c.IMAPMailbox, c.IMAPMoveTo = get("EMBARGO_IMAP_MAILBOX", "INBOX"), get("EMBARGO_IMAP_MOVE_TO", "")
	if c.IMAPEvery, err = time.ParseDuration(get("EMBARGO_IMAP_EVERY", "1m")); err != nil {
		return c, fmt.Errorf("EMBARGO_IMAP_EVERY: %w", err)
	}
	if c.SLASweepEvery, err = time.ParseDuration(get("EMBARGO_SLA_SWEEP_EVERY", "30s")); err != nil {
		return c, fmt.Errorf("EMBARGO_SLA_SWEEP_EVERY: %w", err)
	}
	for _, p := range strings.Split(get("EMBARGO_TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return c, fmt.Errorf("EMBARGO_TRUSTED_PROXIES: %q is not an address or CIDR", p)
			}
			p = netip.PrefixFrom(a, a.BitLen()).String()
		}
		pre, err := netip.ParsePrefix(p)
		if err != nil {
			return c, fmt.Errorf("EMBARGO_TRUSTED_PROXIES: %q is not an address or CIDR", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, pre.Masked())
	}
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	if c.AuditKeyFile == "" {
		c.AuditKeyFile = filepath.Join(c.DataDir, "audit.key")
	}
	return c, c.Validate()
}

// Validate reports the first problem with the configuration.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("EMBARGO_LISTEN %q: want host:port", c.Listen)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			return fmt.Errorf("EMBARGO_BASE_URL %q: want http(s)://host[:port] without a path", c.BaseURL)
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") && !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		return fmt.Errorf("EMBARGO_DATABASE_URL: want postgres://… or sqlite:PATH")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("EMBARGO_LOG_LEVEL %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.SessionTTL < time.Minute || c.SetupLinkTTL < time.Minute {
		return fmt.Errorf("EMBARGO_SESSION_TTL and EMBARGO_SETUP_LINK_TTL must be at least 1m")
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("EMBARGO_MAX_BODY_BYTES must be at least 1024")
	}
	if c.MaxFileBytes < 1 || c.MaxReportBytes < c.MaxFileBytes {
		return fmt.Errorf("EMBARGO_MAX_FILE_BYTES must be positive and EMBARGO_MAX_REPORT_BYTES at least as large")
	}
	if c.IntakeBurst < 1 || c.IntakeEvery <= 0 {
		return fmt.Errorf("EMBARGO_INTAKE_BURST must be at least 1 and EMBARGO_INTAKE_EVERY positive")
	}
	if c.SMTPRelay != "" {
		host, _, err := net.SplitHostPort(c.SMTPRelay)
		if err != nil {
			return fmt.Errorf("EMBARGO_SMTP_RELAY must be host:port (%v)", err)
		}
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			return fmt.Errorf("EMBARGO_SMTP_FROM must be the sender's address when EMBARGO_SMTP_RELAY is set (%v)", err)
		}
		switch c.SMTPSecurity {
		case "starttls", "tls":
		case "none":
			ip, err := netip.ParseAddr(host)
			if host != "localhost" && (err != nil || !ip.IsLoopback()) {
				return fmt.Errorf("EMBARGO_SMTP_SECURITY=none is allowed only for a relay on this host (127.0.0.1, ::1, localhost): mail would cross the network in the clear")
			}
		default:
			return fmt.Errorf("EMBARGO_SMTP_SECURITY must be starttls, tls or none")
		}
	}
	if c.SLASweepEvery < time.Second || c.SLASweepEvery > time.Hour {
		return fmt.Errorf("EMBARGO_SLA_SWEEP_EVERY must be between 1s and 1h")
	}
	return c.validateMail()
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// validateMail checks the inbound mail and DKIM settings.
func (c Config) validateMail() error {
	if (c.DKIMDomain != "" || c.DKIMSelector != "" || c.DKIMKeyFile != "") && (c.DKIMDomain == "" || c.DKIMSelector == "" || c.DKIMKeyFile == "") {
		return fmt.Errorf("EMBARGO_SMTP_DKIM_DOMAIN, EMBARGO_SMTP_DKIM_SELECTOR and EMBARGO_SMTP_DKIM_KEY_FILE go together")
	}
	if c.SMTPListen != "" {
		if _, _, err := net.SplitHostPort(c.SMTPListen); err != nil {
			return fmt.Errorf("EMBARGO_SMTP_LISTEN %q: want host:port", c.SMTPListen)
		}
	}
	if (c.SMTPTLSCert == "") != (c.SMTPTLSKey == "") {
		return fmt.Errorf("EMBARGO_SMTP_TLS_CERT and EMBARGO_SMTP_TLS_KEY go together")
	}
	if c.CVEOrgID != "" && !uuidPattern.MatchString(c.CVEOrgID) {
		return fmt.Errorf("EMBARGO_CVE_ORG_ID %q: want the CNA's organisation UUID", c.CVEOrgID)
	}
	if c.MailMaxBytes < 64<<10 {
		return fmt.Errorf("EMBARGO_MAIL_MAX_BYTES must be at least 65536")
	}
	if c.IMAPAddr != "" {
		host, _, err := net.SplitHostPort(c.IMAPAddr)
		if err != nil {
			return fmt.Errorf("EMBARGO_IMAP_ADDR %q: want host:port", c.IMAPAddr)
		}
		if c.IMAPUsername == "" || c.IMAPPassword == "" {
			return fmt.Errorf("EMBARGO_IMAP_USERNAME and EMBARGO_IMAP_PASSWORD are required with EMBARGO_IMAP_ADDR")
		}
		switch c.IMAPSecurity {
		case "tls", "starttls":
		case "none":
			ip, err := netip.ParseAddr(host)
			if host != "localhost" && (err != nil || !ip.IsLoopback()) {
				return fmt.Errorf("EMBARGO_IMAP_SECURITY=none is allowed only for a server on this host: the password would cross the network in the clear")
			}
		default:
			return fmt.Errorf("EMBARGO_IMAP_SECURITY must be tls, starttls or none")
		}
		if c.IMAPEvery < 10*time.Second {
			return fmt.Errorf("EMBARGO_IMAP_EVERY must be at least 10s")
		}
	}
	return nil
}

// Database returns the database URL to open: DatabaseURL, or the SQLite
// file in DataDir.
func (c Config) Database() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return "sqlite:" + filepath.Join(c.DataDir, "embargo.db")
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Redacted returns the configuration as name=value lines with secrets
// (the master key, database passwords) replaced.
func (c Config) Redacted() []string {
	db := c.Database()
	if u, err := url.Parse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
			db = u.String()
		}
	}
	mk := ""
	if c.MasterKey != "" {
		mk = "REDACTED"
	}
	return []string{
		"EMBARGO_DATA_DIR=" + c.DataDir,
		"EMBARGO_DATABASE_URL=" + db,
		"EMBARGO_LISTEN=" + c.Listen,
		"EMBARGO_BASE_URL=" + c.BaseURL,
		"EMBARGO_MASTER_KEY_FILE=" + c.MasterKeyFile,
		"EMBARGO_MASTER_KEY=" + mk,
		"EMBARGO_AUDIT_KEY_FILE=" + c.AuditKeyFile,
		"EMBARGO_AUDIT_KEY=" + redact(c.AuditKey),
		"EMBARGO_DEFAULT_PROJECT=" + c.DefaultProject,
		"EMBARGO_SESSION_TTL=" + c.SessionTTL.String(),
		"EMBARGO_SETUP_LINK_TTL=" + c.SetupLinkTTL.String(),
		"EMBARGO_LOG_LEVEL=" + c.LogLevel,
		fmt.Sprintf("EMBARGO_MAX_BODY_BYTES=%d", c.MaxBodyBytes),
		fmt.Sprintf("EMBARGO_MAX_FILE_BYTES=%d", c.MaxFileBytes),
		fmt.Sprintf("EMBARGO_MAX_REPORT_BYTES=%d", c.MaxReportBytes),
		fmt.Sprintf("EMBARGO_INTAKE_BURST=%d", c.IntakeBurst),
		"EMBARGO_INTAKE_EVERY=" + c.IntakeEvery.String(),
		"EMBARGO_SLA_SWEEP_EVERY=" + c.SLASweepEvery.String(),
		"EMBARGO_METRICS_TOKEN=" + redact(c.MetricsToken),
		fmt.Sprintf("EMBARGO_WEBHOOK_ALLOW_PRIVATE=%t", c.WebhookAllowPrivate),
		"EMBARGO_SMTP_RELAY=" + c.SMTPRelay,
		"EMBARGO_SMTP_FROM=" + c.SMTPFrom,
		"EMBARGO_SMTP_SECURITY=" + c.SMTPSecurity,
		"EMBARGO_SMTP_USERNAME=" + c.SMTPUsername,
		"EMBARGO_SMTP_PASSWORD=" + redact(c.SMTPPassword),
		"EMBARGO_SMTP_DKIM_DOMAIN=" + c.DKIMDomain,
		"EMBARGO_SMTP_DKIM_SELECTOR=" + c.DKIMSelector,
		"EMBARGO_SMTP_DKIM_KEY_FILE=" + c.DKIMKeyFile,
		"EMBARGO_SMTP_LISTEN=" + c.SMTPListen,
		"EMBARGO_SMTP_HOSTNAME=" + c.SMTPHostname,
		"EMBARGO_SMTP_TLS_CERT=" + c.SMTPTLSCert,
		"EMBARGO_SMTP_TLS_KEY=" + c.SMTPTLSKey,
		fmt.Sprintf("EMBARGO_MAIL_MAX_BYTES=%d", c.MailMaxBytes),
		"EMBARGO_IMAP_ADDR=" + c.IMAPAddr,
		"EMBARGO_IMAP_SECURITY=" + c.IMAPSecurity,
		"EMBARGO_IMAP_USERNAME=" + c.IMAPUsername,
		"EMBARGO_IMAP_PASSWORD=" + redact(c.IMAPPassword),
		"EMBARGO_IMAP_MAILBOX=" + c.IMAPMailbox,
		"EMBARGO_IMAP_MOVE_TO=" + c.IMAPMoveTo,
		"EMBARGO_IMAP_EVERY=" + c.IMAPEvery.String(),
		fmt.Sprintf("EMBARGO_SIGN_SECURITY_TXT=%t", c.SignSecurityTxt),
		"EMBARGO_CVE_ORG_ID=" + c.CVEOrgID,
		"EMBARGO_TRUSTED_PROXIES=" + joinPrefixes(c.TrustedProxies),
	}
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

func joinPrefixes(ps []netip.Prefix) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, ",")
}
