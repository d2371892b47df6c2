-- Health moves onto the integration row, so reading an integration returns
-- its health with no second query; and the per-integration send slot lives
-- here too, so pacing holds across every worker sharing the database.

ALTER TABLE integrations ADD COLUMN health_state TEXT;
ALTER TABLE integrations ADD COLUMN health_reason TEXT;
ALTER TABLE integrations ADD COLUMN health_changed_at TIMESTAMP;
-- The end of the last reserved send slot (pacing) ...
ALTER TABLE integrations ADD COLUMN send_not_before TIMESTAMP;
-- ... and the provider's own word: no send before this (a 429's hint, or
-- Discord's emptied bucket). Checked again after waiting for a slot.
ALTER TABLE integrations ADD COLUMN send_hold_until TIMESTAMP;

UPDATE integrations
SET health_state = (SELECT h.state FROM integration_health h
                    WHERE h.integration_id = integrations.id AND h.org_id = integrations.org_id),
    health_reason = (SELECT h.reason FROM integration_health h
                     WHERE h.integration_id = integrations.id AND h.org_id = integrations.org_id),
    health_changed_at = (SELECT h.changed_at FROM integration_health h
                         WHERE h.integration_id = integrations.id AND h.org_id = integrations.org_id)
WHERE EXISTS (SELECT 1 FROM integration_health h
              WHERE h.integration_id = integrations.id AND h.org_id = integrations.org_id);

DROP TABLE integration_health;
