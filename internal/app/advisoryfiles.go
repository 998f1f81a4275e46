package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/publish"
)

// publishedSite is a project's published tree as of a stamp, kept up to
// date advisory by advisory.
type publishedSite struct {
	// key names what shapes every file (the signing key and the policy
	// revision): when it changes, the tree is encoded anew.
	key string
	// serial is the project's public serial the tree reflects.
	serial int64
	site   *publish.Site
}

// publisherOf describes the project as its published files name it;
// base is where the tree is served ("" for this instance).
func (a *App) publisherOf(p embargo.Project, pol *embargo.Policy, base string) embargo.Publisher {
	if base == "" {
		base = strings.TrimRight(a.opts.BaseURL, "/") + "/p/" + p.Slug + "/advisories"
	}
	ns := pol.Project.Homepage
	if ns == "" {
		ns = strings.TrimRight(a.opts.BaseURL, "/") + "/p/" + p.Slug
	}
	return embargo.Publisher{Name: pol.Project.Name, Namespace: ns, BaseURL: strings.TrimRight(base, "/"), ContactEmail: pol.Contacts.Email}
}

// PublishedFile returns one file of a project's published advisories
// (HTML, Atom, OSV, Go vulnerability database, CSAF, CVE JSON 5, OpenVEX)
// by its path under /p/SLUG/advisories/. NotFound-kind for an unknown
// project or file.
func (a *App) PublishedFile(ctx context.Context, slug, path string) ([]byte, error) {
	s, err := a.publishedSite(ctx, slug)
	if err != nil {
		return nil, err
	}
	b, ok, err := s.File(path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, embargo.Errorf(embargo.KindNotFound, "no such published file")
	}
	return b, nil
}

// AdvisoryFiles returns every file PublishedFile serves, by path.
func (a *App) AdvisoryFiles(ctx context.Context, slug string) (map[string][]byte, error) {
	s, err := a.publishedSite(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.Files()
}

// publishedSite returns the project's published tree, brought up to date
// with the store: only the advisories whose public document changed since
// (by the project's public serial) are encoded again; all of them after a
// start, or when the project's key or policy changed. Requests that find
// it stale together update it once.
func (a *App) publishedSite(ctx context.Context, slug string) (*publish.Site, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	serial, err := a.store.PublicSerial(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	ref, err := a.store.PGPKeyRef(ctx, p.ID)
	if err != nil && !errors.Is(err, embargo.ErrNotFound) {
		return nil, err
	}
	key := ref + "/" + strconv.Itoa(p.PolicyRevision)
	if cur, ok := a.sites.Load(p.ID); ok && cur.(*publishedSite).key == key && cur.(*publishedSite).serial >= serial {
		return cur.(*publishedSite).site, nil
	}
	// A request that joins an update started before its own change was
	// visible goes again: it never gets a tree older than what it read.
	for range 3 {
		if _, err, _ := a.siteUpdates.Do(strconv.FormatInt(p.ID, 10), func() (any, error) {
			return nil, a.updateSite(context.WithoutCancel(ctx), p.ID, slug, key, serial)
		}); err != nil {
			return nil, err
		}
		if cur, ok := a.sites.Load(p.ID); ok && cur.(*publishedSite).key == key && cur.(*publishedSite).serial >= serial {
			return cur.(*publishedSite).site, nil
		}
	}
	return nil, fmt.Errorf("app: the published tree of %s keeps changing", slug)
}

// updateSite brings the project's tree up to the key and serial: encoded
// anew for a new key, otherwise with the advisories changed since.
func (a *App) updateSite(ctx context.Context, projectID int64, slug, key string, serial int64) error {
	var cur *publishedSite
	if v, ok := a.sites.Load(projectID); ok {
		cur = v.(*publishedSite)
	}
	if cur == nil || cur.key != key {
		next, err := a.newPublishedSite(ctx, slug, key, serial)
		if err != nil {
			return err
		}
		a.sites.Store(projectID, next)
		return nil
	}
	if cur.serial >= serial {
		return nil
	}
	// Whatever changed after serial is read again next time: the tree
	// never claims more than it holds.
	advs, err := a.store.PublicAdvisoriesSince(ctx, projectID, cur.serial)
	if err != nil {
		return err
	}
	if err := cur.site.Put(advs...); err != nil {
		return err
	}
	a.sites.Store(projectID, &publishedSite{key: key, serial: serial, site: cur.site})
	return nil
}

// newPublishedSite encodes every public advisory of the project.
func (a *App) newPublishedSite(ctx context.Context, slug, key string, serial int64) (*publishedSite, error) {
	s, err := a.encodedSite(ctx, slug, "")
	if err != nil {
		return nil, err
	}
	return &publishedSite{key: key, serial: serial, site: s}, nil
}

// encodedSite is the tree of every public advisory of the project served
// at base (the instance's /p/SLUG/advisories when empty).
func (a *App) encodedSite(ctx context.Context, slug, base string) (*publish.Site, error) {
	p, pol, _, err := a.policyInForce(ctx, slug)
	if err != nil {
		return nil, err
	}
	advs, err := a.store.PublicAdvisories(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	key, err := a.projectKey(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	s := publish.NewSite(a.publisherOf(p, pol, base), publish.Options{Signer: key, CNAOrgID: a.opts.CNAOrgID, HallOfFame: pol.Credit.HallOfFame})
	if err := s.Put(advs...); err != nil {
		return nil, err
	}
	return s, nil
}

// ExportAdvisories builds a project's published tree for serving at base
// (the instance's /p/SLUG/advisories when empty): `embargo publish --out`.
func (a *App) ExportAdvisories(ctx context.Context, slug, base string) (map[string][]byte, error) {
	s, err := a.encodedSite(ctx, slug, base)
	if err != nil {
		return nil, err
	}
	return s.Files()
}

// csafURL is the URL of the project's CSAF provider metadata for its
// security.txt: only over https, with a key to sign and something
// published ("" otherwise). The default project's is at the instance's
// /.well-known/csaf/, where CSAF looks first.
func (a *App) csafURL(ctx context.Context, p embargo.Project, wellKnown bool) (string, error) {
	if !strings.HasPrefix(a.opts.BaseURL, "https://") {
		return "", nil
	}
	if _, err := a.store.PGPKeyRef(ctx, p.ID); err != nil {
		if errors.Is(err, embargo.ErrNotFound) {
			return "", nil
		}
		return "", err
	}
	if serial, err := a.store.PublicSerial(ctx, p.ID); err != nil || serial == 0 {
		return "", err
	}
	base := strings.TrimRight(a.opts.BaseURL, "/")
	if wellKnown {
		return base + "/.well-known/csaf/provider-metadata.json", nil
	}
	return base + "/p/" + p.Slug + "/advisories/.well-known/csaf/provider-metadata.json", nil
}

// checkPublishable refuses an advisory an encoder would refuse, or whose
// CVE id another public advisory of the project has, before it is
// published or changed: one bad advisory must not take down the tree.
func (a *App) checkPublishable(ctx context.Context, p embargo.Project, pol *embargo.Policy, adv embargo.Advisory) error {
	if adv.CVE != "" {
		taken, err := a.store.CVETaken(ctx, p.ID, adv.CVE, adv.ID)
		if err != nil {
			return err
		}
		if taken != "" {
			return embargo.FieldErrors{{Field: "cve", Message: fmt.Sprintf("%s is the CVE id of %s already", adv.CVE, taken)}}
		}
	}
	err := publish.Check(adv, a.publisherOf(p, pol, ""), publish.Options{CNAOrgID: a.opts.CNAOrgID, HallOfFame: pol.Credit.HallOfFame})
	if err != nil {
		return embargo.Errorf(embargo.KindInvalid, "the advisory cannot be published as it is: %s", strings.TrimPrefix(err.Error(), "publish: "))
	}
	return nil
}
