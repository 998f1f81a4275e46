-- Reports and their triage: project members with roles, reports with a
-- per-project number, the timeline of events (messages and internal notes
-- included), attachments, API tokens and per-report collaborators.
-- Columns named content, body, name and data hold confidential text as
-- opaque bytes (sealed at rest); everything else is what queries need.
ALTER TABLE projects ADD COLUMN report_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE members (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'triager', 'viewer')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE reports (
    id                INTEGER PRIMARY KEY,
    project_id        INTEGER NOT NULL REFERENCES projects (id),
    number            INTEGER NOT NULL,
    state             TEXT NOT NULL,
    resume_state      TEXT NOT NULL DEFAULT '',
    severity          TEXT NOT NULL DEFAULT '',
    severity_override BOOLEAN NOT NULL DEFAULT FALSE,
    cvss3             TEXT NOT NULL DEFAULT '',
    cvss4             TEXT NOT NULL DEFAULT '',
    cwes              TEXT NOT NULL DEFAULT '[]',
    assignee_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    labels            TEXT NOT NULL DEFAULT '[]',
    affected          TEXT NOT NULL DEFAULT '[]',
    duplicate_of      INTEGER REFERENCES reports (id),
    channel           TEXT NOT NULL,
    policy_revision   INTEGER NOT NULL,
    received_at       TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    next_due          TIMESTAMP,
    thread_hash       TEXT NOT NULL UNIQUE,
    idempotency_key   TEXT,
    request_sha256    TEXT,
    content           BLOB NOT NULL,
    UNIQUE (project_id, number)
);
-- Partial indexes: most reports have no idempotency key and, on arrival, no
-- assignee; leaving them out keeps each intake commit small.
CREATE UNIQUE INDEX reports_idempotency ON reports (project_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX reports_inbox ON reports (project_id, state, next_due);
CREATE INDEX reports_assignee ON reports (assignee_id) WHERE assignee_id IS NOT NULL;

CREATE TABLE report_events (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    at         TIMESTAMP NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    audience   TEXT NOT NULL CHECK (audience IN ('thread', 'internal')),
    from_value TEXT NOT NULL DEFAULT '',
    to_value   TEXT NOT NULL DEFAULT '',
    body       BLOB
);
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES reports (id),
    event_id     INTEGER NOT NULL REFERENCES report_events (id),
    name         BLOB NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL
);
CREATE INDEX attachments_report ON attachments (report_id, event_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    project_id   INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'triager', 'viewer')),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE collaborators (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    email      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TIMESTAMP
);
-- One live link per person and report; a revoked one may be replaced.
CREATE UNIQUE INDEX collaborators_live ON collaborators (report_id, email) WHERE revoked_at IS NULL;

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    role       TEXT CHECK (role IN ('owner', 'triager', 'viewer')),
    is_admin   BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
