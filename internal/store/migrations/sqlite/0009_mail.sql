-- Mail: each project's OpenPGP key (the public half is published; the
-- private key is sealed to the key's random ref), the keys that thread mail
-- to a report (hashes only: reply-address tokens, inbound and outbound
-- Message-IDs), what the reporter's mail told us, and the outbox of mail to
-- reporters (recipient and message sealed together).
CREATE TABLE project_pgp_keys (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    ref         TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    private_key BLOB NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE UNIQUE INDEX project_pgp_keys_active ON project_pgp_keys (project_id) WHERE active;

CREATE TABLE mail_threads (
    key_hash   TEXT PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_threads_report ON mail_threads (report_id);

CREATE TABLE report_mail (
    report_id  INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    encrypted  BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE outbound_mail (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    report_id    INTEGER NOT NULL REFERENCES reports (id),
    ref          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    encrypted    BOOLEAN NOT NULL,
    message      BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TIMESTAMP NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    sent_at      TIMESTAMP,
    gave_up      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX outbound_mail_report ON outbound_mail (report_id, id);
CREATE INDEX outbound_mail_pending ON outbound_mail (next_attempt) WHERE sent_at IS NULL AND gave_up = FALSE;
