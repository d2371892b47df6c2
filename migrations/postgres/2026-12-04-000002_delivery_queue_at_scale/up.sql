-- The queue at scale: claims that cost the same with a million finished
-- deliveries kept as with none, and finished deliveries found by age for
-- the retention purge.

-- Claiming as one function, so that it always walks the partial indexes of
-- due rows in order and stops after `n`: left to the planner, a cached
-- generic plan (made while the table was small) read every due row through
-- a bitmap scan, dead index entries included, then sorted them; a claim
-- then cost as much as the whole backlog. Due rows and expired leases are
-- found apart, each through its own index. PL/pgSQL, so each session plans
-- the statement once. `excluded`: integrations the claiming process has as
-- many attempts in flight for as it allows; their rows stay queued.
CREATE FUNCTION patchbay_claim_deliveries(
    claim_owner TEXT, claim_lease_until TIMESTAMP, claim_now TIMESTAMP, n BIGINT,
    excluded TEXT[]
) RETURNS SETOF deliveries
LANGUAGE plpgsql
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $$
BEGIN
    RETURN QUERY
    WITH due AS (
        SELECT d.id FROM deliveries d
        WHERE d.status = 'queued' AND d.next_attempt_at <= claim_now
            AND NOT (d.integration_id = ANY(excluded))
        ORDER BY d.next_attempt_at LIMIT n
        FOR UPDATE SKIP LOCKED
    ), expired AS (
        SELECT d.id FROM deliveries d
        WHERE d.status = 'sending' AND d.lease_until < claim_now
            AND NOT (d.integration_id = ANY(excluded))
        ORDER BY d.lease_until LIMIT n
        FOR UPDATE SKIP LOCKED
    )
    UPDATE deliveries
    SET status = 'sending', lease_owner = claim_owner, lease_until = claim_lease_until,
        updated_at = claim_now
    WHERE deliveries.id IN (SELECT due.id FROM due UNION ALL SELECT expired.id FROM expired)
    RETURNING deliveries.*;
END
$$;

-- A batch of attempts recorded, and each delivery's state after its
-- attempt written only where its worker still holds the lease, in one call
-- (one round trip, one statement: atomic on its own). The deliveries are
-- found by id: with stale statistics the planner walked every sending
-- row's index entry (dead ones included) for each batch instead.
CREATE FUNCTION patchbay_finish_deliveries(
    ids TEXT[], owners TEXT[], statuses TEXT[], attempt_counts BIGINT[],
    next_ats TIMESTAMP[], errors TEXT[], codes TEXT[], message_ids TEXT[],
    finished_ats TIMESTAMP[], completed_ats TIMESTAMP[],
    attempt_ids TEXT[], started_ats TIMESTAMP[], outcomes TEXT[], status_classes TEXT[],
    latencies BIGINT[], attempt_message_ids TEXT[], retry_after_mss BIGINT[],
    retry_ats TIMESTAMP[]
) RETURNS TABLE (id TEXT, group_send_id TEXT)
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO delivery_attempts (id, delivery_id, number, started_at, finished_at,
        outcome, status_class, latency_ms, provider_message_id, error, code,
        retry_after_ms, retry_at)
    SELECT * FROM unnest(attempt_ids, ids, attempt_counts, started_ats, finished_ats,
        outcomes, status_classes, latencies, attempt_message_ids, errors, codes,
        retry_after_mss, retry_ats);
    RETURN QUERY
    UPDATE deliveries AS d
    SET status = v.status, attempts = v.attempts, next_attempt_at = v.next_at,
        lease_owner = NULL, lease_until = NULL, last_error = v.last_error,
        last_code = v.last_code, provider_message_id = v.provider_message_id,
        updated_at = v.finished, completed_at = v.completed_at
    FROM unnest(ids, owners, statuses, attempt_counts, next_ats, errors, codes,
                message_ids, finished_ats, completed_ats)
        AS v(id, owner, status, attempts, next_at, last_error, last_code,
             provider_message_id, finished, completed_at)
    WHERE d.id = v.id AND d.status = 'sending' AND d.lease_owner = v.owner
    RETURNING d.id, d.group_send_id;
END
$$;

-- A batch of deliveries (with no idempotency key) written, and the workers
-- of every instance woken once it commits, in one call.
CREATE FUNCTION patchbay_enqueue_deliveries(
    channel TEXT, ids TEXT[], org_ids TEXT[], integration_ids TEXT[], type_slugs TEXT[],
    messages TEXT[], statuses TEXT[], attempt_counts BIGINT[], max_attempts BIGINT[],
    next_ats TIMESTAMP[], deadlines TIMESTAMP[], created_ats TIMESTAMP[],
    group_send_ids TEXT[], handoff_after_attempts BIGINT[], handoff_ats TIMESTAMP[]
) RETURNS BIGINT
LANGUAGE plpgsql
AS $$
DECLARE
    written BIGINT;
BEGIN
    INSERT INTO deliveries (id, org_id, integration_id, type_slug, message, status,
        attempts, max_attempts, next_attempt_at, deadline_at, created_at, updated_at,
        group_send_id, handoff_after_attempts, handoff_at)
    SELECT v.id, v.org_id, v.integration_id, v.type_slug, v.message, v.status,
        v.attempts, v.max_attempts, v.next_at, v.deadline, v.created, v.created,
        v.group_send_id, v.handoff_after_attempts, v.handoff_at
    FROM unnest(ids, org_ids, integration_ids, type_slugs, messages, statuses,
        attempt_counts, max_attempts, next_ats, deadlines, created_ats, group_send_ids,
        handoff_after_attempts, handoff_ats)
        AS v(id, org_id, integration_id, type_slug, message, status, attempts,
             max_attempts, next_at, deadline, created, group_send_id,
             handoff_after_attempts, handoff_at);
    GET DIAGNOSTICS written = ROW_COUNT;
    PERFORM pg_notify(channel, '');
    RETURN written;
END
$$;

-- Finished deliveries by age, for the retention purge (small batches, oldest
-- first).
CREATE INDEX deliveries_completed ON deliveries (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX group_sends_completed ON group_sends (completed_at) WHERE completed_at IS NOT NULL;

-- Vacuum after a fixed number of changed rows, not a fraction of the table:
-- with years of finished deliveries kept, a fraction would let the queue's
-- dead index entries pile up between vacuums. Vacuum visits only the pages
-- changed since the last one.
ALTER TABLE deliveries SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 50000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 50000
);
