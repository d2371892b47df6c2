-- Integration groups: an ordered list of integrations that one message is
-- sent to (failover or broadcast), and each message sent to a group with
-- the route it took. Portable column types only (see 000001).

CREATE TABLE integration_groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    -- failover | broadcast
    strategy TEXT NOT NULL,
    -- Failover: move on from a member after this many attempts or this
    -- long without delivery.
    failover_attempts BIGINT NOT NULL,
    failover_after_ms BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX integration_groups_org_seq ON integration_groups (org_id, seq);

-- A member cannot be deleted while a group lists it (the key refuses it;
-- the API answers 409 naming the groups).
CREATE TABLE integration_group_members (
    group_id TEXT NOT NULL REFERENCES integration_groups (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    integration_id TEXT NOT NULL REFERENCES integrations (id),
    PRIMARY KEY (group_id, position)
);

CREATE INDEX integration_group_members_integration ON integration_group_members (integration_id);

-- A message sent to a group. No key to the group: a send's history
-- outlives its group.
CREATE TABLE group_sends (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    -- sending | delivered | partially_delivered | failed
    status TEXT NOT NULL,
    -- JSON of the channel-neutral message.
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);

-- One row per member: the route, with why each member was chosen, passed
-- over or given up.
CREATE TABLE group_send_steps (
    send_id TEXT NOT NULL REFERENCES group_sends (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    integration_id TEXT NOT NULL,
    type_slug TEXT,
    -- waiting | sending | delivered | failed | unused
    state TEXT NOT NULL,
    delivery_id TEXT,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    note TEXT,
    reason TEXT,
    PRIMARY KEY (send_id, position)
);

-- A delivery that carries a group send's message, and (failover) when the
-- group gives up on it: after this many attempts, or at this time.
ALTER TABLE deliveries ADD COLUMN group_send_id TEXT;
ALTER TABLE deliveries ADD COLUMN handoff_after_attempts BIGINT;
ALTER TABLE deliveries ADD COLUMN handoff_at TIMESTAMP;

-- A key now names what its first request created: a delivery or a group send.
ALTER TABLE idempotency_keys RENAME COLUMN delivery_id TO resource_id;
