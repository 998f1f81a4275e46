package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/embargo-cvd/embargo/internal/audit"
	"github.com/embargo-cvd/embargo/internal/config"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/seal"
	"github.com/embargo-cvd/embargo/internal/store"
)

// openStore opens the configured database with the master key (creating
// the key file, 0600, when there is none yet) and applies pending
// migrations. It returns the names of the migrations it applied.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, []string, error) {
	if cfg.MasterKey == "" {
		if err := os.MkdirAll(filepath.Dir(cfg.MasterKeyFile), 0o700); err != nil {
			return nil, nil, err
		}
	}
	master, _, err := seal.LoadOrCreateMasterKey(cfg.MasterKeyFile, cfg.MasterKey)
	if err != nil {
		return nil, nil, err
	}
	s, err := store.Open(ctx, cfg.Database(), store.Options{MasterKey: master})
	if err != nil {
		return nil, nil, err
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	for _, m := range applied {
		log.Info("migration applied", "migration", m)
	}
	return s, applied, nil
}

// auditKey loads (or creates, 0600) the audit signing key.
func auditKey(cfg config.Config) (ed25519.PrivateKey, error) {
	seed, _, err := seal.LoadOrCreateKey("audit key", "EMBARGO_AUDIT_KEY", cfg.AuditKeyFile, cfg.AuditKey)
	if err != nil {
		return nil, err
	}
	return audit.SigningKey(seed), nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(httpx.RedactingHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})})
}

func describeDB(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL"
	}
	return fmt.Sprintf("SQLite at %s", cfg.Database()[len("sqlite:"):])
}
