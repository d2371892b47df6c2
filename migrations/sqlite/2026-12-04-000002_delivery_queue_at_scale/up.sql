-- Finished deliveries by age, for the retention purge (small batches,
-- oldest first). SQLite removes an updated row's old index entries at once,
-- so its queue needs nothing more at scale.
CREATE INDEX deliveries_completed ON deliveries (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX group_sends_completed ON group_sends (completed_at) WHERE completed_at IS NOT NULL;
