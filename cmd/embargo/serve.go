package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/jobs"
	"github.com/embargo-cvd/embargo/internal/mail/imappoll"
	"github.com/embargo-cvd/embargo/internal/mail/inbound"
	"github.com/embargo-cvd/embargo/internal/metrics"
	"github.com/embargo-cvd/embargo/internal/seal"
	"github.com/embargo-cvd/embargo/internal/server"
	"github.com/embargo-cvd/embargo/internal/web"
)

func newServe(e *env) *cobra.Command {
	var listen string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Start the Embargo web server",
		Long: `Start the Embargo web server.

On first start it creates the data directory (0700), a master key file (0600),
and the SQLite database, applies migrations, and prints a one-time link that
creates the first admin account. Later starts reuse all of it. With
EMBARGO_DATABASE_URL=postgres://… the same binary runs on PostgreSQL, and
several replicas may share one database.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := e.config()
			if err != nil {
				return err
			}
			if listen != "" {
				cfg.Listen = listen
				if err := cfg.Validate(); err != nil {
					return usageError{err}
				}
			}
			log := newLogger(e.stderr, cfg.LogLevel)
			ctx := cmd.Context()
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return err
			}
			master, created, err := seal.LoadOrCreateMasterKey(cfg.MasterKeyFile, cfg.MasterKey)
			if err != nil {
				return err
			}
			if created {
				log.Info("master key created", "file", cfg.MasterKeyFile)
			}
			st, _, err := openStore(ctx, cfg, log)
			if err != nil {
				return err
			}
			defer st.Close()
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return err
			}
			base := cfg.BaseURL
			if base == "" {
				base = "http://" + ln.Addr().String()
			}
			tokenKey, err := hkdf.Key(sha256.New, master, nil, "embargo thread links v1", 32)
			if err != nil {
				return err
			}
			akey, err := auditKey(cfg)
			if err != nil {
				return err
			}
			mailer, err := relay(cfg)
			if err != nil {
				return err
			}
			a := app.New(st, log, app.Options{BaseURL: base, DefaultProject: cfg.DefaultProject, AuditKey: akey,
				SessionTTL: cfg.SessionTTL, SetupLinkTTL: cfg.SetupLinkTTL, TokenKey: tokenKey,
				MaxFileBytes: cfg.MaxFileBytes, MaxReportBytes: cfg.MaxReportBytes, Mailer: mailer,
				AllowPrivateWebhooks: cfg.WebhookAllowPrivate, SignSecurityTxt: cfg.SignSecurityTxt, CNAOrgID: cfg.CVEOrgID, MailLimits: inbound.Limits{MaxBytes: cfg.MailMaxBytes}})
			intake := httpx.NewLimiter(cfg.IntakeEvery, cfg.IntakeBurst)
			client := httpx.ClientAddr{Trusted: cfg.TrustedProxies}
			w, err := web.New(a, log, web.Options{SecureCookies: cfg.SecureCookies(), SessionTTL: cfg.SessionTTL,
				TrustedProxies: cfg.TrustedProxies, Intake: intake, MaxFileBytes: cfg.MaxFileBytes, MaxReportBytes: cfg.MaxReportBytes})
			if err != nil {
				return err
			}
			jsonAPI := api.New(a, log, api.Options{Client: client, Intake: intake})
			link, ok, err := a.SetupLink(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Embargo is serving on %s (%s).\n", base, describeDB(cfg))
			if ok {
				// Printed, never logged: the link is a credential.
				fmt.Fprintf(e.stdout, "No admin account yet. Open this one-time link to create it (valid for %s):\n  %s\n", humanDuration(cfg.SetupLinkTTL), link)
			}
			log.Info("serving", "addr", ln.Addr().String(), "dialect", string(st.Dialect()))
			m := metrics.New(st)
			srv := server.New(a, w, jsonAPI, log, server.Options{MaxBodyBytes: cfg.MaxBodyBytes,
				MaxUploadBytes: uploadLimit(cfg.MaxReportBytes), HSTS: cfg.SecureCookies(),
				Metrics: m.Handler(), MetricsToken: cfg.MetricsToken, ObserveHTTP: m.ObserveHTTP})
			go checkpoints(ctx, a, log)
			jo := jobs.Options{SweepEvery: cfg.SLASweepEvery}
			if cfg.IMAPAddr != "" {
				jo.IMAP = &imappoll.Config{Addr: cfg.IMAPAddr, Security: cfg.IMAPSecurity, Username: cfg.IMAPUsername,
					Password: cfg.IMAPPassword, Mailbox: cfg.IMAPMailbox, MoveTo: cfg.IMAPMoveTo, MaxBytes: cfg.MailMaxBytes}
				jo.IMAPEvery = cfg.IMAPEvery
			}
			engine, err := jobs.Start(ctx, st, a, log, jo)
			if err != nil {
				return err
			}
			smtpSrv, err := listenSMTP(cfg, base, a, log)
			if err != nil {
				return err
			}
			err = srv.Serve(ctx, ln)
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if smtpSrv != nil {
				if serr := smtpSrv.Close(stopCtx); serr != nil {
					log.Error("stopping the SMTP listener", "err", serr.Error())
				}
			}
			if serr := engine.Stop(stopCtx); serr != nil {
				log.Error("stopping the job engine", "err", serr.Error())
			}
			log.Info("stopped")
			return err
		},
	}
	c.Flags().StringVar(&listen, "listen", "", "listen address (overrides EMBARGO_LISTEN)")
	return c
}

// checkpoints signs the audit log's head now and every 10 minutes while
// it grows. Two replicas signing the same head store one checkpoint (the
// insert ignores a second of the same entry), so no coordination is needed.
func checkpoints(ctx context.Context, a *app.App, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if _, err := a.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			log.Error("audit checkpoint failed", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// uploadLimit is the body limit of routes that take files: the report
// limit, plus room for the form around the files, plus base64's growth
// for JSON submissions.
func uploadLimit(report int64) int64 { return report*4/3 + 1<<20 }

// humanDuration writes 24h as "24 hours" and 90m as "90 minutes".
func humanDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}
