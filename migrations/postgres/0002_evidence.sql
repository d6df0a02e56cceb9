-- Evidence snapshots (PostgreSQL). Records are stored content-addressed (by the SHA-256 of their
-- canonical JSON), and so are the ordered sets of them a snapshot holds: a snapshot whose
-- records did not change adds one row, so storage grows with change, not with time.
CREATE TABLE evidence_snapshots (
    id                    UUID PRIMARY KEY,
    integrated_account_id UUID NOT NULL,
    tenant_id             TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    taken_at              TIMESTAMPTZ NOT NULL,
    -- The manifest as JSON; signed once complete.
    manifest              TEXT NOT NULL,
    -- Complete snapshots only: SHA-256 of the canonical signed manifest (the next one's link),
    -- the record set, and the ids of the findings the records show (JSON array).
    manifest_sha256       TEXT,
    record_set            BYTEA,
    finding_ids           TEXT
);
CREATE INDEX evidence_snapshots_account ON evidence_snapshots (integrated_account_id, kind, id);
CREATE INDEX evidence_snapshots_taken ON evidence_snapshots (taken_at);

CREATE TABLE evidence_record_sets (
    sha256  BYTEA PRIMARY KEY,
    records BIGINT NOT NULL
);

CREATE TABLE evidence_set_members (
    set_sha256    BYTEA NOT NULL,
    position      BIGINT NOT NULL,
    record_sha256 BYTEA NOT NULL,
    PRIMARY KEY (set_sha256, position)
);
CREATE INDEX evidence_set_members_record ON evidence_set_members (record_sha256);

-- A record's canonical JSON, keyed by its SHA-256.
CREATE TABLE evidence_records (
    sha256 BYTEA PRIMARY KEY,
    body   BYTEA NOT NULL
);

-- Every public key that signed a kept snapshot (the JWK set).
CREATE TABLE evidence_keys (
    kid        TEXT PRIMARY KEY,
    jwk        TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- When each account's next scheduled snapshot is due; claimed by one replica at a time.
CREATE TABLE evidence_schedule (
    integrated_account_id UUID PRIMARY KEY,
    due_at                TIMESTAMPTZ NOT NULL
);
