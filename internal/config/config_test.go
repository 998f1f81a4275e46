package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DataDir != "embargo-data" || c.Database() != "sqlite:embargo-data/embargo.db" ||
		c.MasterKeyFile != "embargo-data/master.key" || c.SecureCookies() {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoadRejects(t *testing.T) {
	for k, v := range map[string]string{
		"EMBARGO_LISTEN":          "8080",
		"EMBARGO_BASE_URL":        "ftp://x",
		"EMBARGO_DATABASE_URL":    "mysql://x",
		"EMBARGO_LOG_LEVEL":       "loud",
		"EMBARGO_SESSION_TTL":     "forever",
		"EMBARGO_MAX_BODY_BYTES":  "lots",
		"EMBARGO_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local",
	} {
		if _, err := Load(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: want an error naming the variable, got %v", k, v, err)
		}
	}
}

func TestRedacted(t *testing.T) {
	c, err := Load(env(map[string]string{"EMBARGO_DATABASE_URL": "postgres://embargo:s3cret@db/embargo", "EMBARGO_MASTER_KEY": "c2VjcmV0"}))
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(c.Redacted(), "\n")
	if strings.Contains(out, "s3cret") || strings.Contains(out, "c2VjcmV0") || !strings.Contains(out, "REDACTED") {
		t.Fatalf("secrets not redacted:\n%s", out)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"EMBARGO_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.5 ,::1"}))
	if err != nil || len(c.TrustedProxies) != 3 || c.TrustedProxies[1].String() != "192.168.1.5/32" {
		t.Fatalf("%v %v", c.TrustedProxies, err)
	}
}

func TestSMTPSettings(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"EMBARGO_SMTP_RELAY": "mail.example.org"}, "host:port"},
		{map[string]string{"EMBARGO_SMTP_RELAY": "mail.example.org:587"}, "EMBARGO_SMTP_FROM"},
		{map[string]string{"EMBARGO_SMTP_RELAY": "mail.example.org:587", "EMBARGO_SMTP_FROM": "security@x.org", "EMBARGO_SMTP_SECURITY": "maybe"}, "starttls, tls or none"},
		{map[string]string{"EMBARGO_SMTP_RELAY": "mail.example.org:25", "EMBARGO_SMTP_FROM": "security@x.org", "EMBARGO_SMTP_SECURITY": "none"}, "in the clear"},
		{map[string]string{"EMBARGO_SMTP_RELAY": "127.0.0.1:25", "EMBARGO_SMTP_FROM": "security@x.org", "EMBARGO_SMTP_SECURITY": "none"}, ""},
		{map[string]string{"EMBARGO_SMTP_RELAY": "mail.example.org:587", "EMBARGO_SMTP_FROM": "Embargo <security@x.org>"}, ""},
	} {
		c, err := Load(env(tc.env))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: err = %v, want %q", tc.env, err, tc.want)
		case tc.want == "" && c.SMTPSecurity == "":
			t.Errorf("%v: no security", tc.env)
		}
	}
	c, _ := Load(env(map[string]string{"EMBARGO_SMTP_PASSWORD": "relay-secret-1"}))
	if strings.Contains(strings.Join(c.Redacted(), "\n"), "relay-secret-1") {
		t.Error("the SMTP password is printed")
	}
}
