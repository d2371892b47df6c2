-- The delivery outbox: a row per accepted message, written in the request's
-- transaction before the 202. Portable column types only (see 000001).
-- No foreign key to integrations: a delivery's history outlives a deleted
-- integration (its queued deliveries then fail with a clear reason).

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    type_slug TEXT NOT NULL,
    -- JSON of the channel-neutral message.
    message TEXT NOT NULL,
    -- queued | sending | delivered | failed
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    deadline_at TIMESTAMP NOT NULL,
    -- The worker holding the claim and until when; an expired lease is
    -- claimed again (crash safety).
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    last_code TEXT,
    provider_message_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);

-- Claiming scans due rows only.
CREATE INDEX deliveries_queued_due ON deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX deliveries_sending_lease ON deliveries (lease_until) WHERE status = 'sending';
-- An integration's deliveries, newest first.
CREATE INDEX deliveries_org_integration ON deliveries (org_id, integration_id, id);

CREATE TABLE delivery_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL,
    status_class TEXT NOT NULL,
    latency_ms BIGINT NOT NULL,
    provider_message_id TEXT,
    error TEXT,
    code TEXT,
    retry_after_ms BIGINT,
    -- When the next attempt was scheduled (retryable outcomes).
    retry_at TIMESTAMP
);

CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, number);

-- Idempotency-Key, scoped to the organization, kept until expires_at.
CREATE TABLE idempotency_keys (
    org_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    -- NULL while the first request has not been answered (?wait=true).
    completed_at TIMESTAMP,
    in_progress_until TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, idem_key)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Health recorded by deliveries and scheduled re-tests; the last credential
-- test lives on the integration row, and the newer of the two wins.
CREATE TABLE integration_health (
    integration_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    changed_at TIMESTAMP NOT NULL
);
