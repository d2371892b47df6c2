-- The SQLite twin of the Postgres migration: operator-managed integrations
-- and the audit trail.

-- The provisioning entry a managed integration comes from, so a later run
-- finds it again; NULL for integrations created through the API.
ALTER TABLE integrations ADD COLUMN managed_key TEXT;
CREATE UNIQUE INDEX integrations_org_managed_key
    ON integrations (org_id, managed_key) WHERE managed_key IS NOT NULL;

-- Who did what to which integration, and when. No foreign key to
-- integrations: events are kept after the integration is deleted. Field
-- names only, never values.
CREATE TABLE audit_events (
    -- AUTOINCREMENT: ids only grow, so cursors never skip or repeat.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    -- An API key id, `provisioning` or `operator`.
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    integration_id TEXT,
    -- JSON array of the changed fields' names.
    changed_fields TEXT NOT NULL,
    detail TEXT,
    created_at TIMESTAMP NOT NULL
);

-- Listing is one organization's events in id order after a cursor, all of
-- them or one integration's.
CREATE INDEX audit_events_org_id ON audit_events (org_id, id);
CREATE INDEX audit_events_org_integration_id ON audit_events (org_id, integration_id, id);
