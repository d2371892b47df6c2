//! `DeliveryStore` over either backend: the outbox, attempts, idempotency
//! keys and recorded integration health.
//!
//! Claiming is the one statement that differs by backend: Postgres takes
//! rows with `FOR UPDATE SKIP LOCKED`, so several processes share one queue
//! without waiting on each other or taking the same row; SQLite serialises
//! writers, so the same `UPDATE ... WHERE id IN (SELECT ... LIMIT n)` is
//! atomic there without it. Every other write is a transaction whose first
//! statement writes (on SQLite that takes the write lock up front, which
//! waits on the busy timeout instead of failing on a lock upgrade).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Text, Timestamp};
use patchbay_domain::delivery::{
    Attempt, AttemptNext, Claimed, Delivery, DeliveryListQuery, DeliveryStatus, DeliveryStore,
    EnqueueOutcome, NewDelivery, SendSlot,
};
use patchbay_domain::health::Health;
use patchbay_domain::ids::DeliveryId;
use patchbay_domain::{IntegrationId, OrgId, StoreError};

use crate::connection::DbConnection;
use crate::convert::{decode_attempt, decode_delivery};
use crate::error::db_error;
use crate::outbox::{Enqueue, Finish, enqueue_batch, finish_batch, notify_workers};
use crate::pg_queue::Claim;
use crate::rows::{AttemptRow, DeliveryRow};
use crate::schema::{deliveries, delivery_attempts, group_sends, idempotency_keys, integrations};
use crate::store::SqlStore;
use crate::time::{from_db_time, to_db_micros, to_db_time};

fn load(conn: &mut DbConnection, org: &str, id: &str) -> Result<Option<Delivery>, StoreError> {
    deliveries::table
        .filter(deliveries::org_id.eq(org))
        .filter(deliveries::id.eq(id))
        .select(DeliveryRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(db_error("delivery"))?
        .map(decode_delivery)
        .transpose()
}

impl SqlStore {
    /// Blocking diesel work on tokio's blocking pool with a pooled connection.
    async fn run_sql<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(move |conn, _| work(conn)).await
    }
}

/// An attempt as stored (attempt ids share the delivery ids' generator).
pub(crate) fn attempt_row(delivery_id: &str, attempt: &Attempt) -> AttemptRow {
    AttemptRow {
        id: DeliveryId::generate().as_str().replacen("dlv_", "att_", 1),
        delivery_id: delivery_id.to_string(),
        number: attempt.number,
        started_at: to_db_time(attempt.started_at),
        finished_at: to_db_time(attempt.finished_at),
        outcome: attempt.outcome.as_str().to_string(),
        status_class: attempt.status_class.clone(),
        latency_ms: attempt.latency_ms,
        provider_message_id: attempt.provider_message_id.clone(),
        error: attempt.error.clone(),
        code: attempt.code.clone(),
        retry_after_ms: attempt.retry_after_ms,
        retry_at: attempt.retry_at.map(to_db_time),
    }
}

// Due rows and expired leases are found apart, each through its own
// partial index (`deliveries_queued_due`, `deliveries_sending_lease`): one
// `WHERE … OR …` made the planner read every due row. On Postgres the claim
// is a function (see its migration and `pg_queue::Claim`) that keeps the
// planner to those indexes.
const CLAIM_SQLITE: &str = "UPDATE deliveries SET status = 'sending', lease_owner = ?1, \
       lease_until = ?2, updated_at = ?3 \
     WHERE id IN (SELECT id FROM (SELECT id FROM deliveries \
         WHERE status = 'queued' AND next_attempt_at <= ?3 \
           AND integration_id NOT IN (SELECT value FROM json_each(?5)) \
         ORDER BY next_attempt_at LIMIT ?4) \
       UNION ALL SELECT id FROM (SELECT id FROM deliveries \
         WHERE status = 'sending' AND lease_until < ?3 \
           AND integration_id NOT IN (SELECT value FROM json_each(?5)) \
         ORDER BY lease_until LIMIT ?4)) \
     RETURNING *";

#[async_trait]
impl DeliveryStore for SqlStore {
    async fn enqueue(&self, new: &NewDelivery) -> Result<EnqueueOutcome, StoreError> {
        let item = Enqueue::new(new)?;
        self.coalesced(&self.enqueues, item, enqueue_batch).await
    }

    async fn complete_idempotency(&self, org: &OrgId, key: &str) -> Result<(), StoreError> {
        let (org, key) = (org.to_string(), key.to_string());
        let now = to_db_time(patchbay_domain::service::now());
        self.run_sql(move |conn| {
            diesel::update(
                idempotency_keys::table
                    .filter(idempotency_keys::org_id.eq(&org))
                    .filter(idempotency_keys::idem_key.eq(&key))
                    .filter(idempotency_keys::completed_at.is_null()),
            )
            .set(idempotency_keys::completed_at.eq(Some(now)))
            .execute(conn)
            .map_err(db_error("delivery"))?;
            Ok(())
        })
        .await
    }

    async fn get(&self, org: &OrgId, id: &DeliveryId) -> Result<Option<Delivery>, StoreError> {
        let (org, id) = (org.to_string(), id.to_string());
        self.run_sql(move |conn| load(conn, &org, &id)).await
    }

    async fn attempts(&self, org: &OrgId, id: &DeliveryId) -> Result<Vec<Attempt>, StoreError> {
        let (org, id) = (org.to_string(), id.to_string());
        self.run_sql(move |conn| {
            // The delivery must be the organization's.
            if load(conn, &org, &id)?.is_none() {
                return Ok(Vec::new());
            }
            delivery_attempts::table
                .filter(delivery_attempts::delivery_id.eq(&id))
                .order((
                    delivery_attempts::number.asc(),
                    delivery_attempts::started_at.asc(),
                ))
                .select(AttemptRow::as_select())
                .load(conn)
                .map_err(db_error("delivery"))?
                .into_iter()
                .map(decode_attempt)
                .collect()
        })
        .await
    }

    async fn list(
        &self,
        org: &OrgId,
        integration: &IntegrationId,
        query: &DeliveryListQuery,
    ) -> Result<Vec<Delivery>, StoreError> {
        let (org, integration) = (org.to_string(), integration.to_string());
        let before = query.before.as_ref().map(ToString::to_string);
        let limit = i64::from(query.limit.max(1));
        self.run_sql(move |conn| {
            let mut q = deliveries::table
                .filter(deliveries::org_id.eq(&org))
                .filter(deliveries::integration_id.eq(&integration))
                .into_boxed();
            if let Some(b) = &before {
                q = q.filter(deliveries::id.lt(b.clone()));
            }
            q.order(deliveries::id.desc())
                .limit(limit)
                .select(DeliveryRow::as_select())
                .load(conn)
                .map_err(db_error("delivery"))?
                .into_iter()
                .map(decode_delivery)
                .collect()
        })
        .await
    }

    async fn claim(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        exclude: &[IntegrationId],
    ) -> Result<Vec<Claimed>, StoreError> {
        let owner = owner.to_string();
        let excluded: Vec<String> = exclude.iter().map(|i| i.to_string()).collect();
        let (now, until) = (to_db_time(now), to_db_time(lease_until));
        let limit = i64::from(limit.max(1));
        self.run_sql(move |conn| {
            let rows: Vec<DeliveryRow> = match conn {
                DbConnection::Pg(pg) => Claim {
                    owner: owner.clone(),
                    lease_until: until,
                    now,
                    limit,
                    excluded: excluded.clone(),
                }
                .load(pg),
                DbConnection::Sqlite(lite) => diesel::sql_query(CLAIM_SQLITE)
                    .bind::<Text, _>(&owner)
                    .bind::<Timestamp, _>(until)
                    .bind::<Timestamp, _>(now)
                    .bind::<BigInt, _>(limit)
                    .bind::<Text, _>(
                        serde_json::to_string(&excluded).unwrap_or_else(|_| "[]".into()),
                    )
                    .load(lite),
            }
            .map_err(db_error("delivery"))?;
            rows.into_iter()
                .map(|r| {
                    let lease = from_db_time(r.lease_until.unwrap_or(until));
                    decode_delivery(r).map(|delivery| Claimed {
                        delivery,
                        lease_until: lease,
                    })
                })
                .collect()
        })
        .await
    }

    async fn finish_attempt(
        &self,
        delivery: &Delivery,
        owner: &str,
        attempt: &Attempt,
        next: &AttemptNext,
    ) -> Result<bool, StoreError> {
        let item = Finish {
            id: delivery.id.to_string(),
            owner: owner.to_string(),
            attempt: attempt_row(delivery.id.as_str(), attempt),
            next: next.clone(),
            in_group: delivery.group.is_some(),
        };
        self.coalesced(&self.finishes, item, finish_batch).await
    }

    async fn release(
        &self,
        id: &DeliveryId,
        owner: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (id, owner, at) = (id.to_string(), owner.to_string(), to_db_time(at));
        let now = to_db_time(patchbay_domain::service::now());
        self.run_sql(move |conn| {
            let n = diesel::update(
                deliveries::table
                    .filter(deliveries::id.eq(&id))
                    .filter(deliveries::status.eq(DeliveryStatus::Sending.as_str()))
                    .filter(deliveries::lease_owner.eq(&owner)),
            )
            .set((
                deliveries::status.eq(DeliveryStatus::Queued.as_str()),
                deliveries::next_attempt_at.eq(at),
                deliveries::lease_owner.eq(None::<String>),
                deliveries::lease_until.eq(None::<NaiveDateTime>),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(db_error("delivery"))?;
            Ok(n == 1)
        })
        .await
    }

    async fn release_all(&self, owner: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let (owner, at) = (owner.to_string(), to_db_time(at));
        self.run_sql(move |conn| {
            let n = diesel::update(
                deliveries::table
                    .filter(deliveries::status.eq(DeliveryStatus::Sending.as_str()))
                    .filter(deliveries::lease_owner.eq(&owner)),
            )
            .set((
                deliveries::status.eq(DeliveryStatus::Queued.as_str()),
                deliveries::next_attempt_at.eq(at),
                deliveries::lease_owner.eq(None::<String>),
                deliveries::lease_until.eq(None::<NaiveDateTime>),
                deliveries::updated_at.eq(at),
            ))
            .execute(conn)
            .map_err(db_error("delivery"))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn retry_failed(
        &self,
        org: &OrgId,
        id: &DeliveryId,
        now: DateTime<Utc>,
        deadline_at: DateTime<Utc>,
        max_attempts: i64,
    ) -> Result<Option<Delivery>, StoreError> {
        let (org, id) = (org.to_string(), id.to_string());
        let (now, deadline) = (to_db_time(now), to_db_time(deadline_at));
        self.run_sql(move |conn| {
            let n = diesel::update(
                deliveries::table
                    .filter(deliveries::org_id.eq(&org))
                    .filter(deliveries::id.eq(&id))
                    .filter(deliveries::status.eq(DeliveryStatus::Failed.as_str())),
            )
            .set((
                deliveries::status.eq(DeliveryStatus::Queued.as_str()),
                deliveries::next_attempt_at.eq(now),
                deliveries::deadline_at.eq(deadline),
                deliveries::max_attempts.eq(max_attempts),
                deliveries::completed_at.eq(None::<NaiveDateTime>),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(db_error("delivery"))?;
            if n == 0 {
                return Ok(None);
            }
            notify_workers(conn).map_err(db_error("delivery"))?;
            load(conn, &org, &id)
        })
        .await
    }

    async fn set_health(
        &self,
        org: &OrgId,
        integration: &IntegrationId,
        health: &Health,
    ) -> Result<(), StoreError> {
        let (org, integration) = (org.to_string(), integration.to_string());
        let state = health.state.as_str();
        let reason = health.reason.clone();
        let at = to_db_time(
            health
                .changed_at
                .unwrap_or_else(patchbay_domain::service::now),
        );
        self.run_sql(move |conn| {
            // Not a configuration change: version and updated_at stay.
            diesel::update(
                integrations::table
                    .filter(integrations::org_id.eq(&org))
                    .filter(integrations::id.eq(&integration)),
            )
            .set((
                integrations::health_state.eq(state),
                integrations::health_reason.eq(&reason),
                integrations::health_changed_at.eq(at),
            ))
            .execute(conn)
            .map_err(db_error("delivery"))?;
            Ok(())
        })
        .await
    }

    async fn reserve_send_slot(
        &self,
        integration: &IntegrationId,
        now: DateTime<Utc>,
        interval: Duration,
        max_wait: Duration,
    ) -> Result<SendSlot, StoreError> {
        let id = integration.to_string();
        let now = to_db_micros(now);
        let interval = TimeDelta::from_std(interval).unwrap_or(TimeDelta::MAX);
        let max_wait = TimeDelta::from_std(max_wait).unwrap_or(TimeDelta::MAX);
        self.run_sql(move |conn| {
            // Read, then move the slot on only if nobody moved it meanwhile:
            // portable, and a lost race means another worker progressed.
            for _ in 0..32 {
                let (current, hold): (Option<NaiveDateTime>, Option<NaiveDateTime>) =
                    match integrations::table
                        .filter(integrations::id.eq(&id))
                        .select((integrations::send_not_before, integrations::send_hold_until))
                        .get_result(conn)
                        .optional()
                        .map_err(db_error("delivery"))?
                    {
                        Some(c) => c,
                        // Deleted: the worker finds out when it loads it.
                        None => {
                            return Ok(SendSlot::Reserved {
                                at: from_db_time(now),
                            });
                        }
                    };
                let slot = [current, hold]
                    .into_iter()
                    .flatten()
                    .fold(now, NaiveDateTime::max);
                if slot - now > max_wait {
                    return Ok(SendSlot::Later {
                        at: from_db_time(slot),
                    });
                }
                let next = slot + interval;
                let target = integrations::table.filter(integrations::id.eq(&id));
                let n = match current {
                    Some(c) => diesel::update(target.filter(integrations::send_not_before.eq(c)))
                        .set(integrations::send_not_before.eq(next))
                        .execute(conn),
                    None => diesel::update(target.filter(integrations::send_not_before.is_null()))
                        .set(integrations::send_not_before.eq(next))
                        .execute(conn),
                }
                .map_err(db_error("delivery"))?;
                if n == 1 {
                    return Ok(SendSlot::Reserved {
                        at: from_db_time(slot),
                    });
                }
            }
            Err(StoreError::Other(
                "reserving a send slot kept colliding with other workers".into(),
            ))
        })
        .await
    }

    async fn hold_sends(
        &self,
        integration: &IntegrationId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = integration.to_string();
        let until = to_db_micros(until);
        self.run_sql(move |conn| {
            diesel::update(
                integrations::table.filter(integrations::id.eq(&id)).filter(
                    integrations::send_hold_until
                        .is_null()
                        .or(integrations::send_hold_until.lt(until)),
                ),
            )
            .set(integrations::send_hold_until.eq(until))
            .execute(conn)
            .map_err(db_error("delivery"))?;
            Ok(())
        })
        .await
    }

    async fn send_hold(
        &self,
        integration: &IntegrationId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let id = integration.to_string();
        self.run_sql(move |conn| {
            let hold: Option<Option<NaiveDateTime>> = integrations::table
                .filter(integrations::id.eq(&id))
                .select(integrations::send_hold_until)
                .get_result(conn)
                .optional()
                .map_err(db_error("delivery"))?;
            Ok(hold.flatten().map(from_db_time))
        })
        .await
    }

    async fn queue_depth(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.run_sql(move |conn| {
            deliveries::table
                .filter(deliveries::status.eq_any([
                    DeliveryStatus::Queued.as_str(),
                    DeliveryStatus::Sending.as_str(),
                ]))
                .group_by(deliveries::type_slug)
                .select((deliveries::type_slug, diesel::dsl::count_star()))
                .load::<(String, i64)>(conn)
                .map_err(db_error("delivery"))
        })
        .await
    }

    async fn purge_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let now = to_db_time(now);
        self.run_sql(move |conn| {
            let n = diesel::delete(
                idempotency_keys::table.filter(idempotency_keys::expires_at.lt(now)),
            )
            .execute(conn)
            .map_err(db_error("delivery"))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn purge_finished(&self, before: DateTime<Utc>, limit: u32) -> Result<u64, StoreError> {
        let before = to_db_time(before);
        let limit = i64::from(limit.max(1));
        self.run_sql(move |conn| {
            conn.transaction::<_, DieselError, _>(|c| {
                // Group sends first, each with its members' deliveries.
                let sends: Vec<String> = group_sends::table
                    .filter(group_sends::completed_at.lt(before))
                    .order(group_sends::completed_at)
                    .limit(limit)
                    .select(group_sends::id)
                    .load(c)?;
                let mut purged = 0;
                if !sends.is_empty() {
                    purged += diesel::delete(
                        deliveries::table.filter(deliveries::group_send_id.eq_any(&sends)),
                    )
                    .execute(c)?;
                    purged +=
                        diesel::delete(group_sends::table.filter(group_sends::id.eq_any(&sends)))
                            .execute(c)?;
                }
                let room = limit - i64::try_from(sends.len()).unwrap_or(limit);
                if room > 0 {
                    let ids: Vec<String> = deliveries::table
                        .filter(deliveries::completed_at.lt(before))
                        .filter(deliveries::group_send_id.is_null())
                        .order(deliveries::completed_at)
                        .limit(room)
                        .select(deliveries::id)
                        .load(c)?;
                    if !ids.is_empty() {
                        // Their attempts go with them (ON DELETE CASCADE).
                        purged +=
                            diesel::delete(deliveries::table.filter(deliveries::id.eq_any(&ids)))
                                .execute(c)?;
                    }
                }
                Ok(u64::try_from(purged).unwrap_or(0))
            })
            .map_err(db_error("delivery"))
        })
        .await
    }

    async fn due_for_retest(
        &self,
        tested_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(OrgId, IntegrationId)>, StoreError> {
        let before = to_db_time(tested_before);
        let limit = i64::from(limit.max(1));
        self.run_sql(move |conn| {
            let rows: Vec<(String, String)> = integrations::table
                .filter(integrations::status.eq("active"))
                .filter(
                    integrations::last_test_at
                        .is_null()
                        .or(integrations::last_test_at.lt(before)),
                )
                .order(integrations::last_test_at.asc())
                .limit(limit)
                .select((integrations::org_id, integrations::id))
                .load(conn)
                .map_err(db_error("delivery"))?;
            Ok(rows
                .into_iter()
                .filter_map(|(o, i)| Some((o.parse().ok()?, i.parse().ok()?)))
                .collect())
        })
        .await
    }
}
