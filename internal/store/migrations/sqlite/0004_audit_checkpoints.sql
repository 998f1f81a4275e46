-- Signed checkpoints of the audit chain: each vouches, with an Ed25519
-- signature by a key kept outside the database, for one entry's hash.
CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,
    hash      TEXT NOT NULL,
    at        TIMESTAMP NOT NULL,
    signature BLOB NOT NULL
);
