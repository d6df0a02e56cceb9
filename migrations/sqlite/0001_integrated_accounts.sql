-- Integrated accounts (SQLite). Ids are time-ordered UUIDs stored as 16-byte blobs, so the
-- keyset cursor on `id` lists accounts in creation order.
CREATE TABLE integrated_accounts (
    id                    BLOB PRIMARY KEY NOT NULL,
    tenant_id             TEXT NOT NULL,
    status                TEXT NOT NULL,
    authentication_method TEXT NOT NULL,
    instance_url          TEXT NOT NULL,
    -- OAuth client id or Basic user name; not a secret.
    principal             TEXT NOT NULL,
    -- version byte || nonce || ChaCha20-Poly1305 ciphertext; never the secret in clear.
    sealed_secret         BLOB NOT NULL,
    jamf_pro_version      TEXT,
    -- JSON array of capability names.
    capabilities          TEXT NOT NULL,
    last_error            TEXT,
    -- Optimistic concurrency: every update bumps it, and an update with a stale value fails.
    revision              INTEGER NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

CREATE INDEX integrated_accounts_tenant ON integrated_accounts (tenant_id, id);
