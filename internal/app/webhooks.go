package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// WebhookSignatureHeader carries the HMAC-SHA256 of the body, keyed with
// the webhook's secret, as "sha256=<hex>" (in the style of GitHub's
// X-Hub-Signature-256).
const WebhookSignatureHeader = "X-Embargo-Signature-256"

// MaxWebhooksPerProject bounds a project's active webhooks.
const MaxWebhooksPerProject = 10

// blockedPrefixes are the address ranges a webhook may not reach unless
// the operator allows private targets: besides loopback, private,
// link-local, multicast and unspecified addresses (checked by netip),
// "this network", carrier-grade NAT, benchmarking networks, and the IPv6
// prefixes that embed an IPv4 address (NAT64, 6to4), which could wrap a
// private one.
var blockedPrefixes = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16")}

// publicAddr reports whether a webhook may connect to ip.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsMulticast() ||
		ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// checkWebhookURL validates a target: https (http only when private
// targets are allowed, for a test receiver), no credentials in the URL,
// and every address the host resolves to public unless allowed.
func (a *App) checkWebhookURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, embargo.FieldErrors{{Field: "url", Message: "give the full https:// URL of the receiver"}}
	}
	if u.Scheme == "http" && !a.opts.AllowPrivateWebhooks {
		return nil, embargo.FieldErrors{{Field: "url", Message: "use https: the payload and its signature must not cross the network in the clear"}}
	}
	if u.User != nil {
		return nil, embargo.FieldErrors{{Field: "url", Message: "put no user or password in the URL: the receiver checks the signature instead"}}
	}
	if a.opts.AllowPrivateWebhooks {
		return u, nil
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if addrs, err = net.DefaultResolver.LookupNetIP(rctx, "ip", host); err != nil || len(addrs) == 0 {
			return nil, embargo.FieldErrors{{Field: "url", Message: fmt.Sprintf("the host %s does not resolve", host)}}
		}
	}
	for _, ip := range addrs {
		if !publicAddr(ip) {
			return nil, embargo.FieldErrors{{Field: "url", Message: fmt.Sprintf("%s is a loopback, private or link-local address: webhooks reach public receivers only (the operator can allow others)", ip)}}
		}
	}
	return u, nil
}

// WebhookView is a webhook with its recent deliveries, for its owners.
type WebhookView struct {
	Hook       store.Webhook
	Deliveries []store.Delivery
}

// Webhooks lists a project's webhooks with their last 20 deliveries
// (owners only: a webhook URL is often a credential).
func (a *App) Webhooks(ctx context.Context, u embargo.User, slug string) (embargo.Project, []WebhookView, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleOwner)
	if err != nil {
		return p, nil, err
	}
	hooks, err := a.store.Webhooks(ctx, p.ID)
	if err != nil {
		return p, nil, err
	}
	out := make([]WebhookView, 0, len(hooks))
	for _, h := range hooks {
		ds, err := a.store.Deliveries(ctx, h.ID, 20)
		if err != nil {
			return p, nil, err
		}
		out = append(out, WebhookView{Hook: h, Deliveries: ds})
	}
	return p, out, nil
}

// CreateWebhook adds a webhook to a project (owners) and returns it with
// its signing secret, shown this once.
func (a *App) CreateWebhook(ctx context.Context, u embargo.User, slug, rawURL string) (store.Webhook, string, error) {
	p, _, err := a.require(ctx, u, slug, embargo.RoleOwner)
	if err != nil {
		return store.Webhook{}, "", err
	}
	target, err := a.checkWebhookURL(ctx, rawURL)
	if err != nil {
		return store.Webhook{}, "", err
	}
	hooks, err := a.store.Webhooks(ctx, p.ID)
	if err != nil {
		return store.Webhook{}, "", err
	}
	active := 0
	for _, h := range hooks {
		if h.Active {
			active++
		}
	}
	if active >= MaxWebhooksPerProject {
		return store.Webhook{}, "", embargo.Errorf(embargo.KindConflict, "%s already has %d webhooks: remove one first", p.Name, active)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	ref := make([]byte, 16)
	rand.Read(ref)
	text := base64.RawURLEncoding.EncodeToString(secret)
	h, err := a.store.CreateWebhook(ctx, p.ID, hex.EncodeToString(ref), target.Hostname(), target.String(), []byte(text), embargo.UserActor(u.ID))
	return h, text, err
}

// DisableWebhook stops a project's webhook (owners).
func (a *App) DisableWebhook(ctx context.Context, u embargo.User, slug string, id int64) error {
	p, _, err := a.require(ctx, u, slug, embargo.RoleOwner)
	if err != nil {
		return err
	}
	return a.store.DisableWebhook(ctx, p.ID, id, embargo.UserActor(u.ID))
}

// WebhookPayload is the JSON a webhook receives. Like the mail, it holds
// no report content: the reference, the stage, and a link.
type WebhookPayload struct {
	Delivery int64     `json:"delivery"`
	Event    string    `json:"event"` // sla.reminder or sla.breach
	Project  string    `json:"project"`
	Report   string    `json:"report"`
	Number   int64     `json:"number"`
	Stage    string    `json:"stage"`
	Detail   string    `json:"detail"`
	Text     string    `json:"text"`
	URL      string    `json:"url"`
	At       time.Time `json:"at"`
}

// PendingWebhookDeliveries lists deliveries to make (for the job engine).
func (a *App) PendingWebhookDeliveries(ctx context.Context) ([]int64, error) {
	return a.store.PendingDeliveries(ctx, 500)
}

// DeliverWebhook makes one attempt at a delivery: POST the signed payload
// (no redirects, 10 seconds), connecting only to public addresses unless
// the operator allows others (checked when connecting, so that a DNS
// answer cannot change between the check and the use). A 2xx answer
// delivers it; otherwise the attempt is logged and an error returned for
// the job engine to retry with backoff; final marks it given up.
func (a *App) DeliverWebhook(ctx context.Context, id int64, final bool) error {
	d, err := a.store.Delivery(ctx, id)
	if err != nil {
		return err
	}
	if !d.Delivered.IsZero() || d.GaveUp {
		return nil
	}
	if !d.Hook.Active {
		return a.store.RecordDelivery(ctx, id, 0, "the webhook was removed", false, true)
	}
	r, err := a.store.Report(ctx, d.ReportID)
	if err != nil {
		return err
	}
	p, err := a.store.Project(ctx, r.ProjectID)
	if err != nil {
		return err
	}
	body, err := json.Marshal(WebhookPayload{Delivery: d.ID, Event: "sla." + strings.SplitN(d.Event.To, ":", 2)[0], Project: p.Slug,
		Report: r.Ref(p.Slug), Number: r.Number, Stage: d.Event.From, Detail: d.Event.To,
		Text: notificationText(strings.SplitN(d.Event.To, ":", 2)[0], d.Event.From, d.Event.To, p, r),
		URL:  fmt.Sprintf("%s/m/%s/reports/%d", strings.TrimRight(a.opts.BaseURL, "/"), p.Slug, r.Number), At: d.Event.At})
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, d.Hook.Secret)
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Hook.URL, bytes.NewReader(body))
	if err != nil {
		return a.store.RecordDelivery(ctx, id, 0, "the webhook URL is not usable", false, true)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Embargo-Webhook/1")
	req.Header.Set("X-Embargo-Event", "sla")
	req.Header.Set("X-Embargo-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set(WebhookSignatureHeader, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	res, err := a.webhookClient().Do(req)
	status, errText := 0, ""
	if err != nil {
		// The URL is often a credential: record the cause, never the URL
		// that Go's *url.Error puts in its text.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		errText = err.Error()
	} else {
		status = res.StatusCode
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		if status < 200 || status > 299 {
			errText = fmt.Sprintf("the receiver answered %d", status)
		}
	}
	ok := errText == ""
	if rerr := a.store.RecordDelivery(ctx, id, status, errText, ok, final); rerr != nil {
		return rerr
	}
	if !ok {
		return fmt.Errorf("webhook delivery %d to %s: %s", id, d.Hook.Host, errText)
	}
	return nil
}

// webhookClient connects to public addresses only (unless allowed) and
// follows no redirect.
func (a *App) webhookClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !a.opts.AllowPrivateWebhooks {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !publicAddr(ip) {
				return fmt.Errorf("refusing to connect to %s: not a public address", host)
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil, TLSHandshakeTimeout: 5 * time.Second,
			DisableKeepAlives: true}, // one client per delivery: no idle connections left behind
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
