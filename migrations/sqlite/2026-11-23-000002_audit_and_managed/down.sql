DROP TABLE audit_events;
DROP INDEX integrations_org_managed_key;
ALTER TABLE integrations DROP COLUMN managed_key;
