package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// CreateAdvisory numbers a new draft advisory of the project
// ("PREFIX-YEAR-NNNN", numbered per project and year), links it to the
// reports and stores it sealed, audited. fill completes the draft once its
// reference is known.
func (s *Store) CreateAdvisory(ctx context.Context, projectID int64, prefix string, reportIDs []int64, actor embargo.Actor,
	fill func(a *embargo.Advisory)) (embargo.Advisory, error) {
	now := s.now()
	var a embargo.Advisory
	err := s.inTx(ctx, "store.CreateAdvisory", func(ctx context.Context, tx *sql.Tx) error {
		var seq int
		if err := tx.QueryRowContext(ctx, `INSERT INTO advisory_counters (project_id, year, seq) VALUES ($1, $2, 1)
			ON CONFLICT (project_id, year) DO UPDATE SET seq = advisory_counters.seq + 1 RETURNING seq`, projectID, now.Year()).Scan(&seq); err != nil {
			return err
		}
		a = embargo.Advisory{ProjectID: projectID, Ref: fmt.Sprintf("%s-%d-%04d", prefix, now.Year(), seq), State: embargo.AdvisoryDraft,
			ReportIDs: reportIDs, CreatedAt: now}
		fill(&a)
		sealed, err := s.sealAdvisory(ctx, a)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO advisories (project_id, ref, state, draft, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, projectID, a.Ref, string(a.State), sealed, now, now).Scan(&a.ID); err != nil {
			if isUniqueViolation(err) {
				return embargo.Errorf(embargo.KindConflict, "another project has the advisory %s: give this project its own disclosure.advisory_prefix", a.Ref)
			}
			return err
		}
		for _, rid := range reportIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO advisory_reports (advisory_id, report_id) VALUES ($1, $2)`, a.ID, rid); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "advisory.create", ProjectID: projectID,
			Subject: "advisory:" + a.Ref, Details: map[string]string{"reports": strconv.Itoa(len(reportIDs))}})
	})
	return a, err
}

func (s *Store) sealAdvisory(ctx context.Context, a embargo.Advisory) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	return s.sealCell(ctx, a.ProjectID, "advisories", "draft", a.Ref, b)
}

const advisoryColumns = `id, project_id, ref, state, draft, version, discloses_at`

func (s *Store) scanAdvisory(ctx context.Context, row interface{ Scan(...any) error }) (embargo.Advisory, error) {
	var a embargo.Advisory
	var id, projectID int64
	var ref, state string
	var sealed []byte
	var version int
	var discloses sql.NullTime
	if err := row.Scan(&id, &projectID, &ref, &state, &sealed, &version, &discloses); err != nil {
		return a, notFound(err, "advisory")
	}
	plain, err := s.openCell(ctx, projectID, "advisories", "draft", ref, sealed)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(plain, &a); err != nil {
		return a, fmt.Errorf("advisory %s: %w", ref, err)
	}
	a.ID, a.ProjectID, a.Ref, a.State, a.Version = id, projectID, ref, embargo.AdvisoryState(state), version
	if discloses.Valid {
		a.DisclosesAt = discloses.Time.UTC()
	}
	return a, nil
}

// Advisory returns a project's advisory by its reference, draft opened.
func (s *Store) Advisory(ctx context.Context, projectID int64, ref string) (embargo.Advisory, error) {
	a, err := s.scanAdvisory(ctx, s.r.QueryRowContext(ctx, `SELECT `+advisoryColumns+` FROM advisories WHERE project_id = $1 AND ref = $2`, projectID, ref))
	if err != nil {
		return a, fmt.Errorf("store.Advisory(%s): %w", ref, err)
	}
	return a, nil
}

// AdvisoryByID returns an advisory by id, draft opened.
func (s *Store) AdvisoryByID(ctx context.Context, id int64) (embargo.Advisory, error) {
	a, err := s.scanAdvisory(ctx, s.r.QueryRowContext(ctx, `SELECT `+advisoryColumns+` FROM advisories WHERE id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("store.AdvisoryByID(%d): %w", id, err)
	}
	return a, nil
}

// AdvisorySummary is a line of a project's advisory list for maintainers.
type AdvisorySummary struct {
	ID                                int64
	Ref                               string
	State                             embargo.AdvisoryState
	Version                           int
	DisclosesAt, Published, UpdatedAt time.Time
}

// Advisories lists every advisory of a project, newest first, without
// opening drafts.
func (s *Store) Advisories(ctx context.Context, projectID int64) ([]AdvisorySummary, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, ref, state, version, discloses_at, published_at, updated_at FROM advisories
		WHERE project_id = $1 ORDER BY id DESC`, projectID)
	if err != nil {
		return nil, fmt.Errorf("store.Advisories: %w", err)
	}
	defer rows.Close()
	var out []AdvisorySummary
	for rows.Next() {
		var a AdvisorySummary
		var state string
		var disc, pub sql.NullTime
		if err := rows.Scan(&a.ID, &a.Ref, &state, &a.Version, &disc, &pub, &a.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store.Advisories: %w", err)
		}
		a.State, a.UpdatedAt = embargo.AdvisoryState(state), a.UpdatedAt.UTC()
		if disc.Valid {
			a.DisclosesAt = disc.Time.UTC()
		}
		if pub.Valid {
			a.Published = pub.Time.UTC()
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AdvisoriesOfReport returns the ids of the advisories a report is in.
func (s *Store) AdvisoriesOfReport(ctx context.Context, reportID int64) ([]int64, error) {
	ids, err := s.idsOf(ctx, `SELECT advisory_id FROM advisory_reports WHERE report_id = $1 ORDER BY advisory_id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store.AdvisoriesOfReport: %w", err)
	}
	return ids, nil
}

// PublicAdvisories returns the published and withdrawn advisories of a
// project (projectID 0: of every project) as published, oldest first. They
// are stored in clear: they are public.
func (s *Store) PublicAdvisories(ctx context.Context, projectID int64) ([]embargo.Advisory, error) {
	q := `SELECT id, public FROM advisories WHERE public IS NOT NULL`
	args := []any{}
	if projectID != 0 {
		q += ` AND project_id = $1`
		args = append(args, projectID)
	}
	out, err := s.publicDocs(ctx, q+` ORDER BY published_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store.PublicAdvisories: %w", err)
	}
	return out, nil
}

// PublicAdvisoriesSince returns the public documents of the project's
// advisories changed after the public serial since (all of them for 0),
// in no particular order.
func (s *Store) PublicAdvisoriesSince(ctx context.Context, projectID, since int64) ([]embargo.Advisory, error) {
	out, err := s.publicDocs(ctx, `SELECT id, public FROM advisories WHERE project_id = $1 AND public_rev > $2 AND public IS NOT NULL`, projectID, since)
	if err != nil {
		return nil, fmt.Errorf("store.PublicAdvisoriesSince: %w", err)
	}
	return out, nil
}

// publicDocs decodes the public documents that query selects with their
// ids.
func (s *Store) publicDocs(ctx context.Context, query string, args ...any) ([]embargo.Advisory, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []embargo.Advisory
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, err
		}
		var a embargo.Advisory
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return nil, err
		}
		a.ID = id
		out = append(out, a)
	}
	return out, rows.Err()
}

// DueAdvisories returns the ids of scheduled advisories whose disclosure
// instant has come.
func (s *Store) DueAdvisories(ctx context.Context, now time.Time) ([]int64, error) {
	ids, err := s.idsOf(ctx, `SELECT id FROM advisories WHERE state = 'scheduled' AND discloses_at <= $1 ORDER BY discloses_at`, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("store.DueAdvisories: %w", err)
	}
	return ids, nil
}

// AdvisoryChange is what a change to an advisory records besides the
// advisory itself: its audit action, and events on its linked reports.
type AdvisoryChange struct {
	Action  string
	Details map[string]string
	Reports map[int64][]EventInput
	// None means fn changed nothing: nothing is written or audited.
	None bool
}

// ChangeAdvisory runs fn on the advisory and its linked reports under
// their locks, then stores the advisory (the draft sealed; the public
// version in clear once published), each linked report fn changed with its
// events, and an audit entry, in one transaction.
func (s *Store) ChangeAdvisory(ctx context.Context, id int64, actor embargo.Actor,
	fn func(a *embargo.Advisory, reports []*embargo.Report) (AdvisoryChange, error)) (embargo.Advisory, error) {
	var a embargo.Advisory
	err := s.inTx(ctx, "store.ChangeAdvisory("+strconv.FormatInt(id, 10)+")", func(ctx context.Context, tx *sql.Tx) error {
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var err error
		if a, err = s.scanAdvisory(ctx, tx.QueryRowContext(ctx, `SELECT `+advisoryColumns+` FROM advisories WHERE id = $1`+lock, id)); err != nil {
			return err
		}
		var reports []*embargo.Report
		for _, rid := range a.ReportIDs {
			r, err := s.scanReport(ctx, tx.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = $1`+lock, rid))
			if err != nil {
				return notFound(err, "report")
			}
			reports = append(reports, &r)
		}
		ch, err := fn(&a, reports)
		if err != nil || ch.None {
			return err
		}
		now := s.now()
		sealed, err := s.sealAdvisory(ctx, a)
		if err != nil {
			return err
		}
		var public any
		if a.State == embargo.AdvisoryPublished || a.State == embargo.AdvisoryWithdrawn {
			pub := a
			pub.ReportIDs, pub.DisclosesAt = nil, time.Time{}
			b, err := json.Marshal(pub)
			if err != nil {
				return err
			}
			public = string(b)
		}
		var rev int64
		if public != nil {
			// The project's row lock orders the serials as the commits.
			if err := tx.QueryRowContext(ctx, `UPDATE projects SET public_serial = public_serial + 1 WHERE id = $1 RETURNING public_serial`,
				a.ProjectID).Scan(&rev); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE advisories SET state = $1, draft = $2, public = $3, version = $4, discloses_at = $5,
			published_at = $6, modified_at = $7, withdrawn_at = $8, updated_at = $9, public_rev = CASE WHEN $10 > 0 THEN $10 ELSE public_rev END
			WHERE id = $11`,
			string(a.State), sealed, public, a.Version, nullTime(a.DisclosesAt), nullTime(a.Published), nullTime(a.Modified),
			nullTime(a.Withdrawn), now, rev, a.ID); err != nil {
			return err
		}
		for _, r := range reports {
			if ins, ok := ch.Reports[r.ID]; ok {
				if _, err := s.storeChange(ctx, tx, r, ins); err != nil {
					return err
				}
			}
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: ch.Action, ProjectID: a.ProjectID,
			Subject: "advisory:" + a.Ref, Details: ch.Details})
	})
	return a, err
}

// PublicSerial is the number of changes made so far to the project's
// public advisories (0: none was ever published): what a published tree
// compares to know whether it is up to date.
func (s *Store) PublicSerial(ctx context.Context, projectID int64) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT public_serial FROM projects WHERE id = $1`, projectID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store.PublicSerial: %w", notFound(err, "project"))
	}
	return n, nil
}

// ReservedCVE is a CVE id of the project's pool.
type ReservedCVE struct {
	CVE        string
	ReservedAt time.Time
	// Advisory is the reference of the advisory that took it ("" while free).
	Advisory string
}

// ReserveCVEs adds CVE ids to the project's pool, audited; an id already
// reserved (by any project) is a Conflict-kind error and nothing is added.
func (s *Store) ReserveCVEs(ctx context.Context, projectID int64, ids []string, actor embargo.Actor) error {
	now := s.now()
	return s.inTx(ctx, "store.ReserveCVEs", func(ctx context.Context, tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cve_pool (project_id, cve, reserved_at) VALUES ($1, $2, $3)`, projectID, id, now); err != nil {
				if isUniqueViolation(err) {
					return embargo.Errorf(embargo.KindConflict, "%s is already reserved", id)
				}
				return err
			}
		}
		return s.appendAudit(ctx, tx, auditRecord{Actor: actor, Action: "cve.reserve", ProjectID: projectID,
			Subject: "project:" + strconv.FormatInt(projectID, 10), Details: map[string]string{"count": strconv.Itoa(len(ids))}})
	})
}

// CVEPool lists the project's reserved CVE ids, free ones first.
func (s *Store) CVEPool(ctx context.Context, projectID int64) ([]ReservedCVE, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.cve, c.reserved_at, COALESCE(a.ref, '') FROM cve_pool c
		LEFT JOIN advisories a ON a.id = c.advisory_id WHERE c.project_id = $1 ORDER BY c.advisory_id IS NOT NULL, c.reserved_at, c.cve`, projectID)
	if err != nil {
		return nil, fmt.Errorf("store.CVEPool: %w", err)
	}
	defer rows.Close()
	var out []ReservedCVE
	for rows.Next() {
		var c ReservedCVE
		if err := rows.Scan(&c.CVE, &c.ReservedAt, &c.Advisory); err != nil {
			return nil, err
		}
		c.ReservedAt = c.ReservedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// TakeCVE gives an advisory the oldest free id of its project's pool (or
// the one it took before), atomically: two advisories never get the same.
// NotFound-kind when the pool is empty.
func (s *Store) TakeCVE(ctx context.Context, projectID, advisoryID int64) (string, error) {
	var id string
	err := s.inTx(ctx, "store.TakeCVE", func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT cve FROM cve_pool WHERE project_id = $1 AND advisory_id = $2`, projectID, advisoryID).Scan(&id)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		err = tx.QueryRowContext(ctx, `UPDATE cve_pool SET advisory_id = $1 WHERE project_id = $2 AND cve = (
			SELECT cve FROM cve_pool WHERE project_id = $2 AND advisory_id IS NULL ORDER BY reserved_at, cve LIMIT 1) RETURNING cve`,
			advisoryID, projectID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return embargo.Errorf(embargo.KindNotFound, "no free CVE id in the project's pool: reserve some first")
		}
		return err
	})
	return id, err
}

// CVETaken returns the reference of another public advisory of the project
// with this CVE id ("" when none).
func (s *Store) CVETaken(ctx context.Context, projectID int64, cve string, exceptID int64) (string, error) {
	var ref string
	err := s.r.QueryRowContext(ctx, `SELECT ref FROM advisories WHERE project_id = $1 AND id <> $2 AND public IS NOT NULL AND public LIKE $3`,
		projectID, exceptID, `%"CVE":"`+cve+`"%`).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store.CVETaken: %w", err)
	}
	return ref, nil
}

// DraftAdvisories returns the ids of every draft advisory.
func (s *Store) DraftAdvisories(ctx context.Context) ([]int64, error) {
	ids, err := s.idsOf(ctx, `SELECT id FROM advisories WHERE state = 'draft' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store.DraftAdvisories: %w", err)
	}
	return ids, nil
}
