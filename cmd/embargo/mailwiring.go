package main

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/config"
	"github.com/embargo-cvd/embargo/internal/mail"
	"github.com/embargo-cvd/embargo/internal/mail/smtpd"
)

// relay returns the outbound relay of the configuration (nil: no mail
// leaves the instance), with its DKIM key loaded.
func relay(cfg config.Config) (app.Mailer, error) {
	if cfg.SMTPRelay == "" {
		return nil, nil
	}
	r := mail.Relay{Addr: cfg.SMTPRelay, From: cfg.SMTPFrom, Security: cfg.SMTPSecurity,
		Username: cfg.SMTPUsername, Password: cfg.SMTPPassword}
	if cfg.DKIMKeyFile != "" {
		key, err := dkimKey(cfg.DKIMKeyFile)
		if err != nil {
			return nil, err
		}
		r.DKIM = &mail.DKIM{Domain: cfg.DKIMDomain, Selector: cfg.DKIMSelector, Signer: key}
	}
	return r, nil
}

// dkimKey reads a PEM private key: PKCS#8 (RSA or Ed25519) or PKCS#1 RSA.
func dkimKey(file string) (crypto.Signer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("EMBARGO_SMTP_DKIM_KEY_FILE: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("EMBARGO_SMTP_DKIM_KEY_FILE %s: no PEM block", file)
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("EMBARGO_SMTP_DKIM_KEY_FILE %s: %w", file, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("EMBARGO_SMTP_DKIM_KEY_FILE %s: not a signing key", file)
	}
	return s, nil
}

// listenSMTP starts the inbound listener when configured (nil otherwise).
func listenSMTP(cfg config.Config, base string, a *app.App, log *slog.Logger) (*smtpd.Server, error) {
	if cfg.SMTPListen == "" {
		return nil, nil
	}
	o := smtpd.Options{Addr: cfg.SMTPListen, Domain: cfg.SMTPHostname, MaxBytes: cfg.MailMaxBytes}
	if o.Domain == "" {
		if u, err := url.Parse(base); err == nil {
			o.Domain = u.Hostname()
		}
	}
	if cfg.SMTPTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.SMTPTLSCert, cfg.SMTPTLSKey)
		if err != nil {
			return nil, fmt.Errorf("EMBARGO_SMTP_TLS_CERT/KEY: %w", err)
		}
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return smtpd.Listen(a, log, o)
}
