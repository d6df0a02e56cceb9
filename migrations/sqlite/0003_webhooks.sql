-- Webhooks and their durable outbox (SQLite). An event row and one delivery row per
-- subscribed webhook are written in the transaction of the change they report; the one process
-- claims due deliveries with one UPDATE ... RETURNING.
CREATE TABLE webhooks (
    id            BLOB PRIMARY KEY NOT NULL,
    tenant_id     TEXT NOT NULL,
    url           TEXT NOT NULL,
    -- JSON array of event names; [] means every event.
    events        TEXT NOT NULL,
    is_active     INTEGER NOT NULL,
    -- version byte || nonce || ChaCha20-Poly1305 ciphertext; never the secret in clear.
    sealed_secret BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id, id);

CREATE TABLE webhook_events (
    id         BLOB PRIMARY KEY NOT NULL,
    tenant_id  TEXT NOT NULL,
    event      TEXT NOT NULL,
    -- JSON object.
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    event_id   BLOB NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    webhook_id BLOB NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- pending | delivered | failed
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    -- Unix milliseconds of the next attempt. A claim moves it past the attempt's lease, so a
    -- replica killed mid-attempt leaves the delivery due again once the lease ends.
    due_ms     INTEGER NOT NULL,
    -- Unix milliseconds of the event (the oldest-pending-age gauge).
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (event_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, due_ms);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id);
CREATE INDEX webhook_deliveries_age ON webhook_deliveries (created_ms);

-- One row per attempt, for GET /webhooks/{id}/deliveries.
CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id   BLOB NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id     BLOB NOT NULL,
    event        TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    latency_ms   INTEGER NOT NULL,
    -- Unix milliseconds of attempted_at, for pruning.
    attempted_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
CREATE INDEX webhook_attempts_age ON webhook_attempts (attempted_ms);
