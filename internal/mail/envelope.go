package mail

import (
	"bytes"
	"crypto"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-msgauth/dkim"

	"github.com/embargo-cvd/embargo/internal/pgp"
)

// Envelope is a mail to a reporter as it waits in the outbox (sealed):
// everything needed to compose it at delivery.
type Envelope struct {
	Kind string `json:"kind"`
	// From is the project's security address (the relay's sender when
	// empty); FromName its display name.
	From     string `json:"from,omitempty"`
	FromName string `json:"from_name,omitempty"`
	To       string `json:"to"`
	// ReplyTo is the report's reply address.
	ReplyTo   string `json:"reply_to,omitempty"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	MessageID string `json:"message_id,omitempty"`
	InReplyTo string `json:"in_reply_to,omitempty"`
	// EncryptTo is the reporter's armored public key: the mail then goes
	// as PGP/MIME (RFC 3156), its subject protected inside.
	EncryptTo string `json:"encrypt_to,omitempty"`
	// RequireKey holds the mail until the report has the reporter's key,
	// then encrypts to it (a thread link for a reporter who wrote
	// encrypted mail without giving a key).
	RequireKey bool `json:"require_key,omitempty"`
}

// ComposeEnvelope writes e as an RFC 5322 message: plain text, or, when
// e.EncryptTo is set, PGP/MIME encrypted to that key and to signer's (and
// signed by signer when not nil). Errors: an unusable address or key.
func (r Relay) ComposeEnvelope(e Envelope, signer *pgp.Key, now time.Time) ([]byte, error) {
	var h mail.Header
	sender := e.From
	if sender == "" {
		a, err := mail.ParseAddress(r.From)
		if err != nil {
			return nil, fmt.Errorf("mail: sender %q: %w", r.From, err)
		}
		sender = a.Address
	}
	h.SetAddressList("From", []*mail.Address{{Name: e.FromName, Address: sender}})
	to, err := mail.ParseAddress(e.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	h.SetAddressList("To", []*mail.Address{to})
	if e.ReplyTo != "" {
		h.SetAddressList("Reply-To", []*mail.Address{{Address: e.ReplyTo}})
	}
	h.SetDate(now)
	if e.MessageID != "" {
		h.SetMessageID(e.MessageID)
	} else if err := h.GenerateMessageIDWithHostname(hostOf(sender)); err != nil {
		return nil, err
	}
	if e.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{e.InReplyTo})
		h.SetMsgIDList("References", []string{e.InReplyTo})
	}
	h.Set("Auto-Submitted", "auto-replied")
	body := []byte(strings.ReplaceAll(strings.ReplaceAll(e.Body, "\r\n", "\n"), "\n", "\r\n"))
	if e.EncryptTo == "" {
		h.SetSubject(e.Subject)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		return writeSingle(h, body)
	}
	key, err := pgp.ParsePublicKey([]byte(e.EncryptTo))
	if err != nil {
		return nil, fmt.Errorf("mail: reporter key: %w", err)
	}
	// The inner entity carries the real subject ("protected headers"); the
	// outer one shows a neutral one.
	var inner message.Header
	inner.Set("Content-Type", `text/plain; charset=utf-8; protected-headers="v1"`)
	inner.Set("Subject", mimeWord(e.Subject))
	plain, err := writeSingle(mail.Header{Header: inner}, body)
	if err != nil {
		return nil, err
	}
	armored, err := pgp.Encrypt(plain, []*pgp.PublicKey{key}, signer)
	if err != nil {
		return nil, fmt.Errorf("mail: encrypt: %w", err)
	}
	h.SetSubject("...")
	h.Set("Content-Type", `multipart/encrypted; protocol="application/pgp-encrypted"`)
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, err
	}
	var vh message.Header
	vh.Set("Content-Type", "application/pgp-encrypted")
	vh.Set("Content-Description", "PGP/MIME version identification")
	if err := writePart(w, vh, []byte("Version: 1\r\n")); err != nil {
		return nil, err
	}
	var eh message.Header
	eh.Set("Content-Type", `application/octet-stream; name="encrypted.asc"`)
	eh.Set("Content-Description", "OpenPGP encrypted message")
	eh.Set("Content-Disposition", `inline; filename="encrypted.asc"`)
	if err := writePart(w, eh, bytes.ReplaceAll(bytes.ReplaceAll(armored, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeSingle(h mail.Header, body []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writePart(w *message.Writer, h message.Header, body []byte) error {
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := pw.Write(body); err != nil {
		return err
	}
	return pw.Close()
}

// mimeWord encodes a header value as RFC 2047 when it is not ASCII.
func mimeWord(s string) string {
	var h mail.Header
	h.SetSubject(s)
	return h.Get("Subject")
}

func hostOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return "embargo.invalid"
}

// DKIM signs outbound mail (RFC 6376) with go-msgauth.
type DKIM struct {
	Domain, Selector string
	// Signer is the private key: *rsa.PrivateKey or ed25519.PrivateKey.
	Signer crypto.Signer
}

// sign returns msg with a DKIM-Signature header, or msg as is without a
// DKIM configuration.
func (d *DKIM) sign(msg []byte) ([]byte, error) {
	if d == nil || d.Signer == nil {
		return msg, nil
	}
	var out bytes.Buffer
	opts := &dkim.SignOptions{Domain: d.Domain, Selector: d.Selector, Signer: d.Signer,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID", "Reply-To", "In-Reply-To", "References", "Content-Type", "MIME-Version"}}
	if err := dkim.Sign(&out, bytes.NewReader(msg), opts); err != nil {
		return nil, fmt.Errorf("mail: DKIM: %w", err)
	}
	return out.Bytes(), nil
}
