package imappoll

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testMsg is a message appended to INBOX before the first poll.
type testMsg struct {
	subject string
	pad     int         // bytes of filler added to the body
	flags   []imap.Flag // set at append
}

const oversizeMarker = "OVERSIZE-BODY-MARKER"

func (m testMsg) raw() []byte {
	raw := testMessage(m.subject)
	if m.pad > 0 {
		line := oversizeMarker + strings.Repeat("x", 60) + "\r\n"
		raw = append(raw, strings.Repeat(line, m.pad/len(line)+1)...)
	}
	return raw
}

func msgs(subjects ...string) []testMsg {
	var l []testMsg
	for _, s := range subjects {
		l = append(l, testMsg{subject: s})
	}
	return l
}

// Flags as the memory server reports them (lower-cased, sorted).
const (
	stored   = `$embargostored \seen`
	rejected = `$embargorejected`
)

// failOn returns a decide function failing the first `times` offers of
// subject with err (times < 0: always).
func failOn(subject string, times int, err error) func(context.Context, string, int) error {
	return func(_ context.Context, s string, tries int) error {
		if s == subject && (times < 0 || tries < times) {
			return err
		}
		return nil
	}
}

func TestPoll(t *testing.T) {
	tests := []struct {
		name         string
		server       serverOptions
		cfg          func(*Config)
		msgs         []testMsg
		decide       func(ctx context.Context, subject string, tries int) error
		want1, want2 Stats
		offered1     []string // subjects offered by the first poll, in order
		offered2     []string // by the second
		inbox        map[string]string
		moved        map[string]string // the "Stored" mailbox
		check        func(t *testing.T, ts *testServer)
	}{{
		name:     "three stored over TLS, nothing new after",
		msgs:     msgs("A", "B", "C"),
		want1:    Stats{Seen: 3, Stored: 3},
		offered1: []string{"A", "B", "C"},
		inbox:    map[string]string{"A": stored, "B": stored, "C": stored},
	}, {
		name:     "STARTTLS",
		server:   serverOptions{security: StartTLS},
		msgs:     msgs("A"),
		want1:    Stats{Seen: 1, Stored: 1},
		offered1: []string{"A"},
		inbox:    map[string]string{"A": stored},
	}, {
		name:     "none on loopback, addressed as localhost",
		server:   serverOptions{security: None},
		cfg:      func(c *Config) { c.Addr = strings.Replace(c.Addr, "127.0.0.1", "localhost", 1) },
		msgs:     msgs("A"),
		want1:    Stats{Seen: 1, Stored: 1},
		offered1: []string{"A"},
		inbox:    map[string]string{"A": stored},
	}, {
		name:     "a message a person already read is still offered",
		msgs:     []testMsg{{subject: "A", flags: []imap.Flag{imap.FlagSeen}}, {subject: "B"}},
		want1:    Stats{Seen: 2, Stored: 2},
		offered1: []string{"A", "B"},
		inbox:    map[string]string{"A": stored, "B": stored},
	}, {
		name:     "temporary error leaves the message for the next poll",
		msgs:     msgs("A", "B", "C"),
		decide:   failOn("B", 1, errors.New("database is locked")),
		want1:    Stats{Seen: 3, Stored: 2, Failed: 1},
		want2:    Stats{Seen: 1, Stored: 1},
		offered1: []string{"A", "B", "C"},
		offered2: []string{"B"},
		inbox:    map[string]string{"A": stored, "B": stored, "C": stored},
	}, {
		name:     "Permanent() false is temporary",
		msgs:     msgs("A", "B"),
		decide:   failOn("B", -1, permanentError{permanent: false}),
		want1:    Stats{Seen: 2, Stored: 1, Failed: 1},
		want2:    Stats{Seen: 1, Failed: 1},
		offered1: []string{"A", "B"},
		offered2: []string{"B"},
		inbox:    map[string]string{"A": stored, "B": ""},
	}, {
		name:     "permanent error (wrapped) flags rejected, never offered again",
		msgs:     msgs("A", "B", "C"),
		decide:   failOn("B", -1, fmt.Errorf("app.SubmitReport: %w", permanentError{permanent: true})),
		want1:    Stats{Seen: 3, Stored: 2, Rejected: 1},
		offered1: []string{"A", "B", "C"},
		inbox:    map[string]string{"A": stored, "B": rejected, "C": stored},
	}, {
		name:     "MoveTo moves stored messages (MOVE)",
		server:   serverOptions{mailboxes: []string{"Stored"}},
		cfg:      func(c *Config) { c.MoveTo = "Stored" },
		msgs:     msgs("A", "B", "C"),
		decide:   failOn("B", -1, permanentError{permanent: true}),
		want1:    Stats{Seen: 3, Stored: 2, Rejected: 1},
		offered1: []string{"A", "B", "C"},
		inbox:    map[string]string{"B": rejected},
		moved:    map[string]string{"A": stored, "C": stored},
		check: func(t *testing.T, ts *testServer) {
			if w := ts.wire.String(); !strings.Contains(w, "UID MOVE") || strings.Contains(w, "UID COPY") {
				t.Errorf("want UID MOVE and no COPY on the wire")
			}
		},
	}, {
		name:     "MoveTo without MOVE: COPY, \\Deleted, EXPUNGE",
		server:   serverOptions{noMove: true, mailboxes: []string{"Stored"}},
		cfg:      func(c *Config) { c.MoveTo = "Stored" },
		msgs:     msgs("A", "B", "C"),
		decide:   failOn("C", 1, errors.New("try later")),
		want1:    Stats{Seen: 3, Stored: 2, Failed: 1},
		want2:    Stats{Seen: 1, Stored: 1},
		offered1: []string{"A", "B", "C"},
		offered2: []string{"C"},
		inbox:    map[string]string{},
		moved:    map[string]string{"A": stored, "B": stored, "C": stored},
		check: func(t *testing.T, ts *testServer) {
			if w := ts.wire.String(); strings.Contains(w, "UID MOVE") || !strings.Contains(w, "UID COPY") {
				t.Errorf("want COPY and no MOVE on the wire")
			}
		},
	}, {
		name:     "no custom keywords: \\Seen, \\Flagged",
		server:   serverOptions{noKeywords: true},
		msgs:     msgs("A", "B", "C"),
		decide:   func(ctx context.Context, s string, n int) error { return cmpErr(s, n) },
		want1:    Stats{Seen: 3, Stored: 1, Rejected: 1, Failed: 1},
		want2:    Stats{Seen: 1, Stored: 1},
		offered1: []string{"A", "B", "C"},
		offered2: []string{"C"},
		inbox:    map[string]string{"A": `\seen`, "B": `\flagged \seen`, "C": `\seen`},
	}, {
		name:     "over MaxBytes: rejected, body never fetched",
		cfg:      func(c *Config) { c.MaxBytes = 2048 },
		msgs:     []testMsg{{subject: "A"}, {subject: "B", pad: 10000}, {subject: "C"}},
		want1:    Stats{Seen: 3, Stored: 2, Rejected: 1},
		offered1: []string{"A", "C"},
		inbox:    map[string]string{"A": stored, "B": rejected, "C": stored},
		check: func(t *testing.T, ts *testServer) {
			if strings.Contains(ts.wire.String(), oversizeMarker) {
				t.Errorf("the oversized body crossed the wire")
			}
		},
	}, {
		name:     "Batch bounds one poll",
		cfg:      func(c *Config) { c.Batch = 2 },
		msgs:     msgs("A", "B", "C"),
		want1:    Stats{Seen: 2, Stored: 2},
		want2:    Stats{Seen: 1, Stored: 1},
		offered1: []string{"A", "B"},
		offered2: []string{"C"},
		inbox:    map[string]string{"A": stored, "B": stored, "C": stored},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, tt.server)
			appended := make(map[string][]byte)
			for _, m := range tt.msgs {
				raw := m.raw()
				appended[m.subject] = raw
				if _, err := ts.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{Flags: m.flags}); err != nil {
					t.Fatal(err)
				}
			}
			cfg := ts.config()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rec := &recorder{decide: tt.decide}
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

			for i, want := range []struct {
				stats   Stats
				offered []string
			}{{tt.want1, tt.offered1}, {tt.want2, tt.offered2}} {
				before := len(rec.subjects())
				st, err := Poll(t.Context(), cfg, rec, log)
				if err != nil {
					t.Fatalf("poll %d: %v", i+1, err)
				}
				if st != want.stats {
					t.Errorf("poll %d: stats %+v, want %+v", i+1, st, want.stats)
				}
				if diff := cmp.Diff(want.offered, rec.subjects()[before:], cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("poll %d: offered (-want +got):\n%s", i+1, diff)
				}
			}
			for _, d := range rec.got {
				if !bytes.Equal(d.raw, appended[d.subject]) {
					t.Errorf("%s: delivered bytes differ from the appended message", d.subject)
				}
			}
			if diff := cmp.Diff(tt.inbox, ts.flags(t, "INBOX"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("INBOX flags (-want +got):\n%s", diff)
			}
			if tt.moved != nil {
				if diff := cmp.Diff(tt.moved, ts.flags(t, "Stored")); diff != "" {
					t.Errorf("Stored flags (-want +got):\n%s", diff)
				}
			}
			if tt.check != nil {
				tt.check(t, ts)
			}
			if strings.Contains(logs.String(), testPassword) {
				t.Errorf("the password is in the log:\n%s", logs.String())
			}
		})
	}
}

// cmpErr: A is stored, B refused for good, C fails once.
func cmpErr(subject string, tries int) error {
	switch {
	case subject == "B":
		return permanentError{permanent: true}
	case subject == "C" && tries == 0:
		return errors.New("try later")
	}
	return nil
}

func TestPollRecipients(t *testing.T) {
	ts := startServer(t, serverOptions{})
	raw := "Received: from mx.example.net by mx.example.org\r\n" +
		"To: \"Security Team\" <Security@Example.org>, dev@example.com\r\n" +
		"Delivered-To: security+abc@example.org\r\n" +
		"Cc: undisclosed-recipients:;\r\n" +
		"cc: <Audit@Example.org>,\r\n Security@example.org\r\n" +
		"X-Original-To: security@example.org\r\n" +
		"Delivered-To: security@example.org\r\n" +
		"From: reporter@example.net\r\n" +
		"Subject: R\r\n" +
		"\r\n" +
		"To: body@example.com\r\n"
	ts.appendMsg(t, "INBOX", []byte(raw))
	rec := &recorder{}
	if _, err := Poll(t.Context(), ts.config(), rec, nil); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 1 {
		t.Fatalf("got %d deliveries, want 1", len(rec.got))
	}
	want := []string{"security+abc@example.org", "security@example.org", "dev@example.com", "audit@example.org"}
	if diff := cmp.Diff(want, rec.got[0].rcpts); diff != "" {
		t.Errorf("rcpts (-want +got):\n%s", diff)
	}
}
