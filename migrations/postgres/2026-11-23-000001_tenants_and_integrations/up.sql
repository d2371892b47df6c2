-- Portable column types only (TEXT, BYTEA, BIGINT, BOOLEAN, TIMESTAMP): one
-- diesel schema serves this file and its SQLite twin through the
-- multi-connection. Timestamps are UTC; JSON is TEXT.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
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
    -- The second API's integer id: never reused after a delete.
    seq BIGSERIAL PRIMARY KEY,
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
    secrets BYTEA,
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
