CREATE TABLE integration_health (
    integration_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    changed_at TIMESTAMP NOT NULL
);

INSERT INTO integration_health (integration_id, org_id, state, reason, changed_at)
SELECT id, org_id, health_state, health_reason, health_changed_at
FROM integrations
WHERE health_state IS NOT NULL AND health_changed_at IS NOT NULL;

ALTER TABLE integrations DROP COLUMN send_hold_until;
ALTER TABLE integrations DROP COLUMN send_not_before;
ALTER TABLE integrations DROP COLUMN health_changed_at;
ALTER TABLE integrations DROP COLUMN health_reason;
ALTER TABLE integrations DROP COLUMN health_state;
