-- The SQLite twin of the Postgres migration: same tables, same column
-- meaning, so one diesel schema serves both. Timestamps are UTC text as
-- diesel writes them; JSON is TEXT.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    display_prefix TEXT NOT NULL,
    -- SHA-256 (hex) of the key; the key itself is never stored.
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE INDEX api_keys_org_created ON api_keys (org_id, created_at);

CREATE TABLE integrations (
    -- AUTOINCREMENT, not just INTEGER PRIMARY KEY: the second API exposes
    -- seq as an id, and plain rowids are reused after the highest row is
    -- deleted.
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    type_slug TEXT NOT NULL,
    environment TEXT NOT NULL,
    status TEXT NOT NULL,
    is_managed BOOLEAN NOT NULL DEFAULT FALSE,
    -- JSON of the non-secret config values only.
    config TEXT NOT NULL,
    -- One AEAD envelope over the JSON map of every secret value.
    secrets BLOB,
    -- The key that sealed `secrets`, so rotation and the start-up check need
    -- not parse envelopes.
    key_id TEXT,
    last_test_success BOOLEAN,
    last_test_message TEXT,
    last_test_latency_ms BIGINT,
    last_test_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT integrations_secrets_have_key CHECK ((secrets IS NULL) = (key_id IS NULL))
);

-- Every listing is one organization's rows in id order after a cursor, with
-- or without a type filter: these keep first pages cheap at millions of rows.
CREATE INDEX integrations_org_id ON integrations (org_id, id);
CREATE INDEX integrations_org_type_id ON integrations (org_id, type_slug, id);
-- Start-up key check and rotation look rows up by sealing key.
CREATE INDEX integrations_key_id ON integrations (key_id) WHERE key_id IS NOT NULL;
