ALTER TABLE idempotency_keys RENAME COLUMN resource_id TO delivery_id;
ALTER TABLE deliveries DROP COLUMN handoff_at;
ALTER TABLE deliveries DROP COLUMN handoff_after_attempts;
ALTER TABLE deliveries DROP COLUMN group_send_id;
DROP TABLE group_send_steps;
DROP TABLE group_sends;
DROP TABLE integration_group_members;
DROP TABLE integration_groups;
