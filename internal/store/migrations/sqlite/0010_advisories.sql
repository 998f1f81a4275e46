-- Advisories: a draft is embargoed information, sealed whole (bound to the
-- advisory's ref); once published, the public version is kept in clear
-- (it is public) with what queries need. Each advisory links the reports it
-- was drafted from. References are numbered per project and year.
CREATE TABLE advisories (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    ref          TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL,
    draft        BLOB NOT NULL,
    public       TEXT,
    version      INTEGER NOT NULL DEFAULT 0,
    discloses_at TIMESTAMP,
    published_at TIMESTAMP,
    modified_at  TIMESTAMP,
    withdrawn_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX advisories_project ON advisories (project_id, state, modified_at);
CREATE INDEX advisories_due ON advisories (discloses_at) WHERE state = 'scheduled';

CREATE TABLE advisory_reports (
    advisory_id INTEGER NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    PRIMARY KEY (advisory_id, report_id)
);
CREATE INDEX advisory_reports_report ON advisory_reports (report_id);

CREATE TABLE advisory_counters (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    year       INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (project_id, year)
);
