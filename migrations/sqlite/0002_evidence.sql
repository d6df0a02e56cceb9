-- Evidence snapshots (SQLite). Records are stored content-addressed (by the SHA-256 of their
-- canonical JSON), and so are the ordered sets of them a snapshot holds: a snapshot whose
-- records did not change adds one row, so storage grows with change, not with time.
CREATE TABLE evidence_snapshots (
    id                    BLOB PRIMARY KEY NOT NULL,
    integrated_account_id BLOB NOT NULL,
    tenant_id             TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    taken_at              TEXT NOT NULL,
    -- The manifest as JSON; signed once complete.
    manifest              TEXT NOT NULL,
    -- Complete snapshots only: SHA-256 of the canonical signed manifest (the next one's link),
    -- the record set, and the ids of the findings the records show (JSON array).
    manifest_sha256       TEXT,
    record_set            BLOB,
    finding_ids           TEXT
);
CREATE INDEX evidence_snapshots_account ON evidence_snapshots (integrated_account_id, kind, id);
CREATE INDEX evidence_snapshots_taken ON evidence_snapshots (taken_at);

CREATE TABLE evidence_record_sets (
    sha256  BLOB PRIMARY KEY NOT NULL,
    records INTEGER NOT NULL
);

CREATE TABLE evidence_set_members (
    set_sha256    BLOB NOT NULL,
    position      INTEGER NOT NULL,
    record_sha256 BLOB NOT NULL,
    PRIMARY KEY (set_sha256, position)
) WITHOUT ROWID;
CREATE INDEX evidence_set_members_record ON evidence_set_members (record_sha256);

-- A record's canonical JSON, keyed by its SHA-256.
CREATE TABLE evidence_records (
    sha256 BLOB PRIMARY KEY NOT NULL,
    body   BLOB NOT NULL
) WITHOUT ROWID;

-- Every public key that signed a kept snapshot (the JWK set).
CREATE TABLE evidence_keys (
    kid        TEXT PRIMARY KEY NOT NULL,
    jwk        TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- When each account's next scheduled snapshot is due; claimed by one replica at a time.
CREATE TABLE evidence_schedule (
    integrated_account_id BLOB PRIMARY KEY NOT NULL,
    due_at                TEXT NOT NULL
);
