ALTER TABLE deliveries RESET (
    autovacuum_vacuum_scale_factor,
    autovacuum_vacuum_threshold,
    autovacuum_vacuum_insert_scale_factor,
    autovacuum_vacuum_insert_threshold,
    autovacuum_analyze_scale_factor,
    autovacuum_analyze_threshold
);
DROP INDEX group_sends_completed;
DROP INDEX deliveries_completed;
DROP FUNCTION patchbay_enqueue_deliveries(TEXT, TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], BIGINT[], BIGINT[], TIMESTAMP[], TIMESTAMP[], TIMESTAMP[], TEXT[], BIGINT[], TIMESTAMP[]);
DROP FUNCTION patchbay_finish_deliveries(TEXT[], TEXT[], TEXT[], BIGINT[], TIMESTAMP[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], TIMESTAMP[], TEXT[], TIMESTAMP[], TEXT[], TEXT[], BIGINT[], TEXT[], BIGINT[], TIMESTAMP[]);
DROP FUNCTION patchbay_claim_deliveries(TEXT, TIMESTAMP, TIMESTAMP, BIGINT, TEXT[]);
