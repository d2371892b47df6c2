-- Lists come in creation order (`seq`) after a cursor, with or without a
-- type filter: these keep first pages cheap at millions of rows. The index
-- on (org_id, id) stays: a cursor names its row by id.
CREATE INDEX integrations_org_seq ON integrations (org_id, seq);
CREATE INDEX integrations_org_type_seq ON integrations (org_id, type_slug, seq);
DROP INDEX integrations_org_type_id;
