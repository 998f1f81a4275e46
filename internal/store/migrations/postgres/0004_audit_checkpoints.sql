-- Signed checkpoints of the audit chain: each vouches, with an Ed25519
-- signature by a key kept outside the database, for one entry's hash.
CREATE TABLE audit_checkpoints (
    seq       BIGINT PRIMARY KEY,
    hash      TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    signature BYTEA NOT NULL
);
