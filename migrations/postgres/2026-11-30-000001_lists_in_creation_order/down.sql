CREATE INDEX integrations_org_type_id ON integrations (org_id, type_slug, id);
DROP INDEX integrations_org_type_seq;
DROP INDEX integrations_org_seq;
