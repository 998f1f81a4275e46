// Package app holds Embargo's use cases. The web pages, the JSON API and
// the CLI all call these methods, so every rule (validation, authorization,
// auditing) is written once.
package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/mail/inbound"
	"github.com/embargo-cvd/embargo/internal/policy"
	"github.com/embargo-cvd/embargo/internal/policy/importer"
	"github.com/embargo-cvd/embargo/internal/store"
)

// App wires the use cases to a store and a clock.
type App struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
	opts  Options
	// policies caches parsed policies by their SHA-256: a revision's text
	// never changes, so the cache is correct across replicas.
	policies sync.Map // sha256 -> *embargo.Policy
	// hashSlots bounds concurrent argon2id work (64 MiB each) to the CPUs.
	hashSlots chan struct{}
	// tokenKey derives the thread links of idempotent submissions.
	tokenKey []byte
	// publicStats caches public response statistics by project id.
	publicStats sync.Map // int64 -> Performance
	// routes caches the projects' mail addresses for a few seconds (every
	// mail asks at RCPT and again at DATA); keys caches parsed project keys
	// by their ref, which changes with the key.
	routes mailRoutes
	keys   sync.Map // ref -> *pgp.Key
	// sites keeps each project's published tree (*publishedSite);
	// siteUpdates coalesces concurrent updates.
	sites       sync.Map // project id -> *publishedSite
	siteUpdates singleflight.Group
}

// Options configure the App.
type Options struct {
	BaseURL        string
	DefaultProject string
	SessionTTL     time.Duration
	SetupLinkTTL   time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxFileBytes and MaxReportBytes bound uploads (defaults 10 and 25 MiB).
	MaxFileBytes   int64
	MaxReportBytes int64
	// AuditKey signs the audit log's checkpoints (Ed25519).
	AuditKey ed25519.PrivateKey
	// TokenKey is a server secret (derived from the master key) from which
	// the thread links of idempotent API submissions are derived; a random
	// key is used when empty, so retries then work until a restart only.
	TokenKey []byte
	// Mailer sends the notifications by mail too; nil keeps them in-app.
	Mailer Mailer
	// AllowPrivateWebhooks lets webhooks target loopback, private and
	// link-local addresses (the operator's choice; off by default).
	AllowPrivateWebhooks bool
	// KickOutbox asks the job engine to deliver queued mail to reporters
	// now (the periodic sweep delivers it otherwise).
	KickOutbox func()
	// CNAOrgID is the CVE Numbering Authority's organisation UUID: with
	// it, CVE JSON 5 records are published for advisories with a CVE id.
	CNAOrgID string
	// SignSecurityTxt clear-signs security.txt with the project's OpenPGP
	// key (RFC 9116 section 2.3) when it has one.
	SignSecurityTxt bool
	// MailLimits bound inbound mail (inbound.Limits defaults when zero).
	MailLimits inbound.Limits
}

// New returns an App over s.
func New(s *store.Store, log *slog.Logger, o Options) *App {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.SetupLinkTTL == 0 {
		o.SetupLinkTTL = 24 * time.Hour
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	o.MailLimits = o.MailLimits.WithDefaults()
	if o.MaxReportBytes <= 0 {
		o.MaxReportBytes = DefaultMaxReportBytes
	}
	key := o.TokenKey
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	return &App{store: s, log: log, now: o.Now, opts: o, hashSlots: make(chan struct{}, runtime.GOMAXPROCS(0)), tokenKey: key}
}

// hashing runs fn while holding one of the argon2id slots, waiting for one
// no longer than the request allows.
func (a *App) hashing(ctx context.Context, fn func()) error {
	select {
	case a.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return embargo.Errorf(embargo.KindRateLimited, "the server is busy: try again")
	}
	defer func() { <-a.hashSlots }()
	fn()
	return nil
}

// Ready reports whether the database answers and its schema is the one
// this binary expects, and which database it is.
func (a *App) Ready(ctx context.Context) (string, error) {
	d := string(a.store.Dialect())
	if err := a.store.Ping(ctx); err != nil {
		return d, fmt.Errorf("database unreachable")
	}
	applied, known, err := a.store.SchemaVersion(ctx)
	if err != nil || applied != known {
		return d, fmt.Errorf("schema at migration %d of %d", applied, known)
	}
	return d, nil
}

// AddProject validates and lints a policy file and creates its project with
// the policy as revision 1. A policy with lint errors is refused with an
// Invalid-kind error listing every positioned finding; nothing is stored.
func (a *App) AddProject(ctx context.Context, actor embargo.Actor, file string, src []byte) (embargo.Project, error) {
	pol, diags := policy.Check(src, a.now())
	if err := diags.Err(file); err != nil {
		return embargo.Project{}, err
	}
	p, err := a.store.CreateProject(ctx, store.NewProject{Slug: pol.Project.Slug, Name: pol.Project.Name, Policy: src, Actor: actor})
	if err != nil {
		return p, fmt.Errorf("app.AddProject: %w", err)
	}
	a.log.Info("project created", "project", p.Slug, "actor", string(actor))
	a.routes.reset()
	a.ensurePGPKey(ctx, p, actor)
	return p, nil
}

// Projects lists every project.
func (a *App) Projects(ctx context.Context) ([]embargo.Project, error) {
	return a.store.Projects(ctx)
}

// ProjectPolicy returns a project and the policy in force, or a
// NotFound-kind error.
func (a *App) ProjectPolicy(ctx context.Context, slug string) (embargo.Project, *embargo.Policy, embargo.PolicyRevision, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return p, nil, embargo.PolicyRevision{}, err
	}
	rev, err := a.store.CurrentPolicy(ctx, p.ID)
	if err != nil {
		return p, nil, rev, err
	}
	pol, err := a.parsedPolicy(slug, rev)
	return p, pol, rev, err
}

// parsedPolicy parses a stored policy revision, once per content.
func (a *App) parsedPolicy(slug string, rev embargo.PolicyRevision) (*embargo.Policy, error) {
	if cached, ok := a.policies.Load(rev.SHA256); ok {
		return cached.(*embargo.Policy), nil
	}
	pol, diags := policy.Parse(rev.Source)
	if pol == nil {
		return nil, fmt.Errorf("app: %s policy revision %d no longer parses: %w", slug, rev.Revision, diags.Err("policy"))
	}
	a.policies.Store(rev.SHA256, pol)
	return pol, nil
}

func (a *App) renderOptions() policy.RenderOptions {
	return policy.RenderOptions{BaseURL: a.opts.BaseURL}
}

// SecurityMD renders the project's SECURITY.md from the policy in force.
func (a *App) SecurityMD(ctx context.Context, slug string) ([]byte, error) {
	p, pol, _, err := a.ProjectPolicy(ctx, slug)
	if err != nil {
		return nil, err
	}
	if pol, err = a.withProjectKey(ctx, p, pol); err != nil {
		return nil, err
	}
	return policy.RenderSecurityMD(pol, a.renderOptions()), nil
}

// withProjectKey returns the policy as published: when the project has
// its own OpenPGP key in Embargo, that key (the one its mail is decrypted
// with) is the one reporters are told to use.
func (a *App) withProjectKey(ctx context.Context, p embargo.Project, pol *embargo.Policy) (*embargo.Policy, error) {
	fpr, _, err := a.store.PublicPGPKey(ctx, p.ID)
	if errors.Is(err, embargo.ErrNotFound) {
		return pol, nil
	}
	if err != nil {
		return nil, err
	}
	cp := *pol
	cp.Contacts.PGP = embargo.PGP{Fingerprint: fpr}
	if strings.HasPrefix(a.opts.BaseURL, "https://") {
		cp.Contacts.PGP.KeyURL = strings.TrimRight(a.opts.BaseURL, "/") + "/p/" + p.Slug + "/pgp-key.asc"
	}
	return &cp, nil
}

// SecurityTxt renders the project's security.txt as of now; wellKnown
// says it is served at /.well-known/security.txt as the instance default.
func (a *App) SecurityTxt(ctx context.Context, slug string, wellKnown bool) ([]byte, error) {
	p, pol, _, err := a.ProjectPolicy(ctx, slug)
	if err != nil {
		return nil, err
	}
	if pol, err = a.withProjectKey(ctx, p, pol); err != nil {
		return nil, err
	}
	o := a.renderOptions()
	o.WellKnown = wellKnown
	if o.CSAF, err = a.csafURL(ctx, p, wellKnown); err != nil {
		return nil, err
	}
	txt := policy.RenderSecurityTxt(pol, o, a.now())
	if !a.opts.SignSecurityTxt {
		return txt, nil
	}
	key, err := a.projectKey(ctx, p.ID)
	if err != nil || key == nil {
		return txt, err
	}
	return key.ClearSign(txt)
}

// DefaultProject returns the slug served at /.well-known/security.txt: the
// configured one, else the only project. NotFound-kind when there is none.
func (a *App) DefaultProject(ctx context.Context) (string, error) {
	if a.opts.DefaultProject != "" {
		return a.opts.DefaultProject, nil
	}
	ps, err := a.store.Projects(ctx)
	if err != nil {
		return "", err
	}
	if len(ps) != 1 {
		return "", embargo.Errorf(embargo.KindNotFound, "this instance has %d projects and no default project (set EMBARGO_DEFAULT_PROJECT)", len(ps))
	}
	return ps[0].Slug, nil
}

// ImportPolicy drafts a policy file from a free-text SECURITY.md.
func (a *App) ImportPolicy(src []byte, source string) (importer.Result, error) {
	res, err := importer.Import(src, importer.Options{Source: source})
	if err != nil {
		return res, embargo.Errorf(embargo.KindInvalid, "%s", err.Error())
	}
	return res, nil
}

// CheckPolicy validates and lints a policy file as of now.
func (a *App) CheckPolicy(src []byte) policy.Diagnostics {
	_, diags := policy.Check(src, a.now())
	return diags
}

// Now reads the App's clock, in UTC.
func (a *App) Now() time.Time { return a.now().UTC() }
