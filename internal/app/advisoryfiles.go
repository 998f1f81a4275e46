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

// publishedTree is a project's published files as of a stamp.
type publishedTree struct {
	stamp string
	files map[string][]byte
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

// AdvisoryFiles returns every published file of a project's advisories
// (HTML, Atom, OSV, Go vulnerability database, CSAF, CVE JSON 5, OpenVEX),
// by path, as served under /p/SLUG/advisories/. The tree is rebuilt only
// when the project's public advisories change. NotFound-kind for an
// unknown project.
func (a *App) AdvisoryFiles(ctx context.Context, slug string) (map[string][]byte, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	stamp, err := a.store.PublicStamp(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	// The project's key (it signs) and policy (names, hall of fame) shape
	// the tree too.
	ref, err := a.store.PGPKeyRef(ctx, p.ID)
	if err != nil && !errors.Is(err, embargo.ErrNotFound) {
		return nil, err
	}
	stamp += "/" + ref + "/" + strconv.Itoa(p.PolicyRevision)
	if t, ok := a.trees.Load(p.ID); ok && t.(publishedTree).stamp == stamp {
		return t.(publishedTree).files, nil
	}
	// Requests that find the tree stale together build it once.
	v, err, _ := a.treeBuilds.Do(strconv.FormatInt(p.ID, 10)+"/"+stamp, func() (any, error) {
		files, err := a.ExportAdvisories(context.WithoutCancel(ctx), slug, "")
		if err != nil {
			return nil, err
		}
		a.trees.Store(p.ID, publishedTree{stamp: stamp, files: files})
		return files, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[string][]byte), nil
}

// ExportAdvisories builds a project's published tree for serving at base
// (the instance's /p/SLUG/advisories when empty): `embargo publish --out`.
func (a *App) ExportAdvisories(ctx context.Context, slug, base string) (map[string][]byte, error) {
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
	return publish.Tree(advs, a.publisherOf(p, pol, base), publish.Options{Signer: key, CNAOrgID: a.opts.CNAOrgID, HallOfFame: pol.Credit.HallOfFame})
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
	stamp, err := a.store.PublicStamp(ctx, p.ID)
	if err != nil || strings.HasPrefix(stamp, "0/") {
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
