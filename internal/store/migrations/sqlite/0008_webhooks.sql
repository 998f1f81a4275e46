-- Outbound webhooks of a project: their URL and signing secret are sealed
-- (a webhook URL is often a credential itself); the host is kept in the
-- clear to list them. Each delivery is logged with its attempts.
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    ref        TEXT NOT NULL UNIQUE,
    host       TEXT NOT NULL,
    url        BLOB NOT NULL,
    secret     BLOB NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX webhooks_project ON webhooks (project_id);

CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    webhook_id   INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    report_id    INTEGER NOT NULL REFERENCES reports (id),
    event_id     INTEGER NOT NULL REFERENCES report_events (id),
    created_at   TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    last_attempt TIMESTAMP,
    delivered_at TIMESTAMP,
    gave_up      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (id) WHERE delivered_at IS NULL AND gave_up = FALSE;
