package httpx

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactingHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(RedactingHandler{slog.NewJSONHandler(&buf, nil)})
	secrets := []string{"hunter2hunter2", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd", "c2VjcmV0LW1hc3Rlci1rZXk="}
	log.Info("login", "password", secrets[0], "session_token", secrets[1])
	log.With("master_key", secrets[2]).Info("start")
	log.Info("visited http://x/setup/"+secrets[1], "url", "/t/"+secrets[1]+"?a=b", "err", errors.New("GET /setup/"+secrets[1]).Error())
	log.Info("group", slog.Group("req", "Authorization", "Bearer "+secrets[1]))
	out := buf.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("secret %q reached the log:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "/setup/REDACTED") || !strings.Contains(out, `"password":"REDACTED"`) {
		t.Errorf("redaction markers missing:\n%s", out)
	}
}
