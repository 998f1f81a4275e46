-- Each project's data keyset (Tink, AES-256-GCM), wrapped by the master
-- key, which never enters the database. Report content, event bodies and
-- attachments are sealed with it.
CREATE TABLE project_keys (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    keyset     BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
