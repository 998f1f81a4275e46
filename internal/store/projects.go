package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// NewProject is what CreateProject stores: a project and its first policy.
type NewProject struct {
	Slug   string
	Name   string
	Policy []byte // the policy file as submitted, already validated
	Actor  embargo.Actor
}

// CreateProject stores a project with its policy as revision 1 and audits
// it, all in one transaction. It returns a Conflict-kind error when the
// slug is taken.
func (s *Store) CreateProject(ctx context.Context, np NewProject) (embargo.Project, error) {
	p := embargo.Project{Slug: np.Slug, Name: np.Name, PolicyRevision: 1, CreatedAt: s.now()}
	sum := sha256.Sum256(np.Policy)
	digest := hex.EncodeToString(sum[:])
	err := s.inTx(ctx, "store.CreateProject("+np.Slug+")", func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO projects (slug, name, policy_revision, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, p.Slug, p.Name, p.PolicyRevision, p.CreatedAt).Scan(&p.ID)
		if isUniqueViolation(err) {
			return embargo.Errorf(embargo.KindConflict, "a project with slug %q already exists", np.Slug)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_revisions (project_id, revision, source, sha256, created_at, created_by)
			VALUES ($1, 1, $2, $3, $4, $5)`, p.ID, string(np.Policy), digest, p.CreatedAt, string(np.Actor)); err != nil {
			return err
		}
		if err := s.createProjectKeyset(ctx, tx, p.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: np.Actor, Action: "project.create", ProjectID: p.ID,
			Subject: "project:" + p.Slug, Details: map[string]string{"name": p.Name, "policy_revision": "1", "policy_sha256": digest}})
	})
	if err != nil {
		return embargo.Project{}, err
	}
	return p, nil
}

const projectColumns = `id, slug, name, policy_revision, created_at`

func scanProject(row interface{ Scan(...any) error }) (embargo.Project, error) {
	var p embargo.Project
	err := row.Scan(&p.ID, &p.Slug, &p.Name, &p.PolicyRevision, &p.CreatedAt)
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

// ProjectBySlug returns the project, or a NotFound-kind error.
func (s *Store) ProjectBySlug(ctx context.Context, slug string) (embargo.Project, error) {
	p, err := scanProject(s.r.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE slug = $1`, slug))
	if err != nil {
		return p, fmt.Errorf("store.ProjectBySlug(%q): %w", slug, notFound(err, "project "+strconv.Quote(slug)))
	}
	return p, nil
}

// Projects returns every project ordered by slug.
func (s *Store) Projects(ctx context.Context) ([]embargo.Project, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("store.Projects: %w", err)
	}
	defer rows.Close()
	var out []embargo.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("store.Projects: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CurrentPolicy returns the policy revision in force for a project.
func (s *Store) CurrentPolicy(ctx context.Context, projectID int64) (embargo.PolicyRevision, error) {
	var r embargo.PolicyRevision
	var src string
	err := s.r.QueryRowContext(ctx, `SELECT r.project_id, r.revision, r.source, r.sha256, r.created_at, r.created_by
		FROM policy_revisions r JOIN projects p ON p.id = r.project_id AND p.policy_revision = r.revision
		WHERE p.id = $1`, projectID).Scan(&r.ProjectID, &r.Revision, &src, &r.SHA256, &r.CreatedAt, &r.CreatedBy)
	if err != nil {
		return r, fmt.Errorf("store.CurrentPolicy(%d): %w", projectID, notFound(err, "policy"))
	}
	r.Source = []byte(src)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// PolicyAt returns one revision of a project's policy, or a NotFound-kind
// error.
func (s *Store) PolicyAt(ctx context.Context, projectID int64, revision int) (embargo.PolicyRevision, error) {
	r := embargo.PolicyRevision{ProjectID: projectID, Revision: revision}
	var src string
	err := s.r.QueryRowContext(ctx, `SELECT source, sha256, created_at, created_by FROM policy_revisions WHERE project_id = $1 AND revision = $2`,
		projectID, revision).Scan(&src, &r.SHA256, &r.CreatedAt, &r.CreatedBy)
	if err != nil {
		return r, fmt.Errorf("store.PolicyAt(%d, %d): %w", projectID, revision, notFound(err, "policy revision"))
	}
	r.Source = []byte(src)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// Project returns a project by id, or a NotFound-kind error.
func (s *Store) Project(ctx context.Context, id int64) (embargo.Project, error) {
	p, err := scanProject(s.r.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = $1`, id))
	if err != nil {
		return p, fmt.Errorf("store.Project(%d): %w", id, notFound(err, "project"))
	}
	return p, nil
}

// ProjectPolicyRef returns a project and the revision number and SHA-256
// of its policy in force, in one query and without the policy's text (the
// caller parses a revision once per content).
func (s *Store) ProjectPolicyRef(ctx context.Context, slug string) (embargo.Project, embargo.PolicyRevision, error) {
	var p embargo.Project
	var r embargo.PolicyRevision
	err := s.readRow(ctx, `SELECT p.id, p.slug, p.name, p.policy_revision, p.created_at, r.sha256
		FROM projects p JOIN policy_revisions r ON r.project_id = p.id AND r.revision = p.policy_revision
		WHERE p.slug = $1`, slug).Scan(&p.ID, &p.Slug, &p.Name, &p.PolicyRevision, &p.CreatedAt, &r.SHA256)
	if err != nil {
		return p, r, fmt.Errorf("store.ProjectPolicyRef(%q): %w", slug, notFound(err, "project "+strconv.Quote(slug)))
	}
	p.CreatedAt = p.CreatedAt.UTC()
	r.ProjectID, r.Revision = p.ID, p.PolicyRevision
	return p, r, nil
}

// RevisePolicy stores a new revision of a project's policy and makes it
// the one in force (for reports that arrive from now on), audited, in one
// transaction. The same text as the revision in force is a Conflict-kind
// error: there is nothing to revise.
func (s *Store) RevisePolicy(ctx context.Context, projectID int64, name string, src []byte, actor embargo.Actor) (int, error) {
	sum := sha256.Sum256(src)
	digest := hex.EncodeToString(sum[:])
	var rev int
	err := s.inTx(ctx, "store.RevisePolicy", func(ctx context.Context, tx *sql.Tx) error {
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var cur int
		var curSum, slug string
		if err := tx.QueryRowContext(ctx, `SELECT p.policy_revision, r.sha256, p.slug FROM projects p
			JOIN policy_revisions r ON r.project_id = p.id AND r.revision = p.policy_revision WHERE p.id = $1`+lock, projectID).Scan(&cur, &curSum, &slug); err != nil {
			return notFound(err, "project")
		}
		if curSum == digest {
			return embargo.Errorf(embargo.KindConflict, "this policy is already revision %d of %s: nothing to revise", cur, slug)
		}
		rev = cur + 1
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_revisions (project_id, revision, source, sha256, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, projectID, rev, string(src), digest, now, string(actor)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE projects SET policy_revision = $1, name = $2 WHERE id = $3`, rev, name, projectID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "project.policy", ProjectID: projectID,
			Subject: "project:" + slug, Details: map[string]string{"policy_revision": strconv.Itoa(rev), "policy_sha256": digest}})
	})
	return rev, err
}
