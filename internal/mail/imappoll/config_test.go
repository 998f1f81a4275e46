package imappoll

import (
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	valid := Config{Addr: "imap.example.org:993", Username: "security@example.org", Password: "pw-secret"}
	tests := []struct {
		name string
		edit func(*Config)
		want string // in the error; "" for valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"starttls", func(c *Config) { c.Security = StartTLS }, ""},
		{"none on 127.0.0.1", func(c *Config) { c.Security, c.Addr = None, "127.0.0.1:143" }, ""},
		{"none on 127.1.2.3", func(c *Config) { c.Security, c.Addr = None, "127.1.2.3:143" }, ""},
		{"none on ::1", func(c *Config) { c.Security, c.Addr = None, "[::1]:143" }, ""},
		{"none on localhost", func(c *Config) { c.Security, c.Addr = None, "localhost:143" }, ""},
		{"none on mapped loopback", func(c *Config) { c.Security, c.Addr = None, "[::ffff:127.0.0.1]:143" }, ""},
		{"MoveTo", func(c *Config) { c.MoveTo = "Embargo" }, ""},
		{"no Addr", func(c *Config) { c.Addr = "" }, "missing Addr"},
		{"Addr without port", func(c *Config) { c.Addr = "imap.example.org" }, "host:port"},
		{"Addr without host", func(c *Config) { c.Addr = ":993" }, "host:port"},
		{"unknown Security", func(c *Config) { c.Security = "ssl" }, `unknown Security "ssl"`},
		{"none on a remote host", func(c *Config) { c.Security = None }, `refusing Security "none"`},
		{"none on a LAN address", func(c *Config) { c.Security, c.Addr = None, "10.0.0.2:143" }, `refusing Security "none"`},
		{"none on 0.0.0.0", func(c *Config) { c.Security, c.Addr = None, "0.0.0.0:143" }, `refusing Security "none"`},
		{"no Username", func(c *Config) { c.Username = "" }, "missing Username or Password"},
		{"no Password", func(c *Config) { c.Password = "" }, "missing Username or Password"},
		{"MoveTo is the default mailbox", func(c *Config) { c.MoveTo = "INBOX" }, "polled mailbox"},
		{"MoveTo is the mailbox", func(c *Config) { c.Mailbox, c.MoveTo = "Security", "Security" }, "polled mailbox"},
		{"negative MaxBytes", func(c *Config) { c.MaxBytes = -1 }, "negative"},
		{"negative Batch", func(c *Config) { c.Batch = -1 }, "negative"},
		{"negative Timeout", func(c *Config) { c.Timeout = -1 }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate: %v, want an error with %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), c.Password) && c.Password != "":
				t.Fatalf("Validate error holds the password: %v", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	got := Config{}.withDefaults()
	want := Config{Security: TLS, Mailbox: "INBOX", MaxBytes: 35 << 20, Batch: 100, Timeout: DefaultTimeout}
	if got != want {
		t.Errorf("withDefaults: %+v, want %+v", got, want)
	}
}
