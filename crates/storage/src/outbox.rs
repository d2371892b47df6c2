//! The outbox's two hot writes, each coalesced (see `coalesce`): accepting
//! deliveries and recording attempts. Concurrent calls share one
//! transaction, so under load a commit carries many messages instead of
//! one; an idle service still writes each at once.
//!
//! - **Enqueue.** Each keyed delivery first inserts its idempotency key with
//!   `ON CONFLICT DO NOTHING`; a key that is already there (stored before,
//!   or earlier in the same batch) leaves its delivery out of the batch, and
//!   is answered after the commit from the key's row (replayed, reused with
//!   another request, or still in progress). Keys are inserted in a fixed
//!   order, so two batches on Postgres never wait for each other in a cycle.
//!   On Postgres the batch also notifies the workers of every instance
//!   (`LISTEN patchbay_deliveries`), in the same transaction, so a
//!   notification never comes before its rows are visible.
//! - **Finish.** Attempts are inserted together; each delivery's next state
//!   is written only if the worker still holds its lease. A group send's
//!   member is settled in the same transaction, the sends in a fixed order.
//!
//! A batch that fails for any reason but an unavailable database is tried
//! again call by call, so one bad call fails only itself.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use patchbay_domain::StoreError;
use patchbay_domain::delivery::{
    AttemptNext, Delivery, DeliveryStatus, EnqueueOutcome, NewDelivery,
};

use crate::coalesce::Answer;
use crate::connection::DbConnection;
use crate::convert::{decode_delivery, encode_delivery};
use crate::error::db_error;
use crate::groups::settle_member;
use crate::idempotency::{KeyState, claim_keys, key_state};
use crate::pg_queue::{EnqueueAll, FinishAll, Notify};
use crate::rows::{AttemptRow, DeliveryRow, IdempotencyRow};
use crate::schema::{deliveries, delivery_attempts};
use crate::time::to_db_time;

/// The channel the workers of every instance listen on (Postgres).
pub(crate) const WAKE_CHANNEL: &str = "patchbay_deliveries";

/// Wake the workers listening on [`WAKE_CHANNEL`] once this transaction
/// commits (Postgres; SQLite has one process, woken in memory).
pub(crate) fn notify_workers(c: &mut DbConnection) -> Result<(), DieselError> {
    if let DbConnection::Pg(pg) = c {
        Notify {
            channel: WAKE_CHANNEL,
        }
        .execute(pg)?;
    }
    Ok(())
}

/// A delivery to enqueue, encoded.
pub(crate) struct Enqueue {
    pub(crate) row: DeliveryRow,
    pub(crate) key: Option<IdempotencyRow>,
    pub(crate) delivery: Delivery,
}

impl Enqueue {
    pub(crate) fn new(new: &NewDelivery) -> Result<Self, StoreError> {
        let row = encode_delivery(&new.delivery)?;
        let key = new.idempotency.as_ref().map(|k| IdempotencyRow {
            org_id: row.org_id.clone(),
            idem_key: k.key.clone(),
            request_hash: k.request_hash.clone(),
            resource_id: row.id.clone(),
            completed_at: (!k.completes_later).then_some(row.created_at),
            in_progress_until: to_db_time(k.in_progress_until),
            created_at: row.created_at,
            expires_at: to_db_time(k.expires_at),
        });
        Ok(Self {
            row,
            key,
            delivery: new.delivery.clone(),
        })
    }
}

/// Write a batch of deliveries: one transaction, one answer per call.
pub(crate) fn enqueue_batch(
    conn: &mut DbConnection,
    batch: Vec<Enqueue>,
) -> Result<Vec<Answer<EnqueueOutcome>>, StoreError> {
    match write_enqueues(conn, &batch) {
        Ok(inserted) => Ok(batch
            .into_iter()
            .zip(inserted)
            .map(|(item, inserted)| {
                if inserted {
                    Ok(EnqueueOutcome::Created(item.delivery))
                } else {
                    resolve_key(conn, &item)
                }
            })
            .collect()),
        Err(e) => {
            let e = db_error("delivery")(e);
            if matches!(e, StoreError::Unavailable(_)) || batch.len() == 1 {
                return Err(e);
            }
            Ok(batch
                .into_iter()
                .map(|item| {
                    let inserted = write_enqueues(conn, std::slice::from_ref(&item))
                        .map_err(db_error("delivery"))?;
                    if inserted.first() == Some(&true) {
                        Ok(EnqueueOutcome::Created(item.delivery))
                    } else {
                        resolve_key(conn, &item)
                    }
                })
                .collect())
        }
    }
}

/// Keys, then the deliveries whose key was new (or that have none), in one
/// transaction (one statement on Postgres when no call has a key). Whether
/// each call's delivery was inserted, in order.
fn write_enqueues(conn: &mut DbConnection, batch: &[Enqueue]) -> Result<Vec<bool>, DieselError> {
    if let DbConnection::Pg(pg) = conn
        && batch.iter().all(|item| item.key.is_none())
    {
        let rows: Vec<&DeliveryRow> = batch.iter().map(|item| &item.row).collect();
        EnqueueAll::of(WAKE_CHANNEL, &rows).execute(pg)?;
        return Ok(vec![true; batch.len()]);
    }
    conn.transaction::<_, DieselError, _>(|c| {
        let keys: Vec<Option<&IdempotencyRow>> =
            batch.iter().map(|item| item.key.as_ref()).collect();
        let inserted = claim_keys(c, &keys)?;
        let rows: Vec<&DeliveryRow> = batch
            .iter()
            .zip(&inserted)
            .filter(|(_, ok)| **ok)
            .map(|(item, _)| &item.row)
            .collect();
        insert_deliveries(c, &rows)?;
        Ok(inserted)
    })
}

/// Insert deliveries (none: nothing) and, on Postgres, wake the workers of
/// every instance once the transaction commits.
pub(crate) fn insert_deliveries(
    c: &mut DbConnection,
    rows: &[&DeliveryRow],
) -> Result<(), DieselError> {
    if rows.is_empty() {
        return Ok(());
    }
    match c {
        DbConnection::Pg(pg) => EnqueueAll::of(WAKE_CHANNEL, rows).execute(pg)?,
        DbConnection::Sqlite(lite) => diesel::insert_into(deliveries::table)
            .values(rows.to_vec())
            .execute(lite)?,
    };
    Ok(())
}

/// A call whose key was there already: what the key's first request made.
pub(crate) fn resolve_key(conn: &mut DbConnection, item: &Enqueue) -> Answer<EnqueueOutcome> {
    let Some(k) = &item.key else {
        return Err(StoreError::Other(
            "a delivery without a key was left out of its batch".into(),
        ));
    };
    let (org_id, resource_id) = match key_state(conn, k, "delivery")? {
        KeyState::InProgress => return Ok(EnqueueOutcome::InProgress),
        KeyState::Reused => return Ok(EnqueueOutcome::KeyReused),
        KeyState::Answered {
            org_id,
            resource_id,
        } => (org_id, resource_id),
    };
    let found = deliveries::table
        .filter(deliveries::org_id.eq(&org_id))
        .filter(deliveries::id.eq(&resource_id))
        .select(DeliveryRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(db_error("delivery"))?;
    match found {
        Some(row) => decode_delivery(row).map(EnqueueOutcome::Replayed),
        None => Ok(EnqueueOutcome::InProgress),
    }
}

/// An attempt to record, and the delivery's next state.
pub(crate) struct Finish {
    pub(crate) id: String,
    pub(crate) owner: String,
    pub(crate) attempt: AttemptRow,
    pub(crate) next: AttemptNext,
    /// It carries a group send: its step settles in the same transaction.
    pub(crate) in_group: bool,
}

/// Record a batch of attempts: one transaction; per call, whether its
/// worker still held the lease (its attempt is recorded either way).
pub(crate) fn finish_batch(
    conn: &mut DbConnection,
    mut batch: Vec<Finish>,
) -> Result<Vec<Answer<bool>>, StoreError> {
    // Answers go back in the callers' order; rows are written in id order.
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by(|a, b| batch[*a].id.cmp(&batch[*b].id));
    match write_finishes(conn, &batch, &order) {
        Ok(held) => Ok(held.into_iter().map(Ok).collect()),
        Err(e) => {
            let e = db_error("delivery")(e);
            if matches!(e, StoreError::Unavailable(_)) || batch.len() == 1 {
                return Err(e);
            }
            Ok(batch
                .drain(..)
                .map(|item| {
                    write_finishes(conn, std::slice::from_ref(&item), &[0])
                        .map(|held| held.first().copied().unwrap_or(false))
                        .map_err(db_error("delivery"))
                })
                .collect())
        }
    }
}

fn write_finishes(
    conn: &mut DbConnection,
    batch: &[Finish],
    order: &[usize],
) -> Result<Vec<bool>, DieselError> {
    // No group send to settle: one statement on Postgres, atomic by itself.
    if let DbConnection::Pg(pg) = conn
        && batch.iter().all(|f| !f.in_group)
    {
        let written = finish_all_pg(pg, batch, order)?;
        return Ok(held_of(batch, &written));
    }
    conn.transaction::<_, DieselError, _>(|c| {
        let written: Vec<(String, Option<String>)> = match c {
            DbConnection::Pg(pg) => finish_all_pg(pg, batch, order)?,
            DbConnection::Sqlite(lite) => {
                let attempts: Vec<&AttemptRow> = order.iter().map(|i| &batch[*i].attempt).collect();
                diesel::insert_into(delivery_attempts::table)
                    .values(attempts)
                    .execute(lite)?;
                let mut written = Vec::new();
                for &i in order {
                    let f = &batch[i];
                    let next = NextState::of(f);
                    let rows: Vec<Option<String>> = diesel::update(
                        deliveries::table
                            .filter(deliveries::id.eq(&f.id))
                            .filter(deliveries::status.eq(DeliveryStatus::Sending.as_str()))
                            .filter(deliveries::lease_owner.eq(&f.owner)),
                    )
                    .set((
                        deliveries::status.eq(next.status.as_str()),
                        deliveries::attempts.eq(f.attempt.number),
                        deliveries::next_attempt_at.eq(next.next_at),
                        deliveries::lease_owner.eq(None::<String>),
                        deliveries::lease_until.eq(None::<NaiveDateTime>),
                        deliveries::last_error.eq(&f.attempt.error),
                        deliveries::last_code.eq(&f.attempt.code),
                        deliveries::provider_message_id.eq(&next.provider_message_id),
                        deliveries::updated_at.eq(f.attempt.finished_at),
                        deliveries::completed_at.eq(next.completed_at),
                    ))
                    .returning(deliveries::group_send_id)
                    .get_results(lite)?;
                    written.extend(rows.into_iter().map(|g| (f.id.clone(), g)));
                }
                written
            }
        };
        // Group sends settle last, in id order (see the module doc).
        let by_id: BTreeMap<&str, usize> =
            order.iter().map(|i| (batch[*i].id.as_str(), *i)).collect();
        let mut settles: BTreeMap<&str, Vec<(usize, bool)>> = BTreeMap::new();
        for (id, send) in &written {
            let (Some(send), Some(&i)) = (send, by_id.get(id.as_str())) else {
                continue;
            };
            let status = NextState::of(&batch[i]).status;
            if status.is_final() {
                settles
                    .entry(send.as_str())
                    .or_default()
                    .push((i, status == DeliveryStatus::Delivered));
            }
        }
        for (send, members) in settles {
            for (i, delivered) in members {
                let f = &batch[i];
                settle_member(
                    c,
                    send,
                    &f.id,
                    delivered,
                    f.attempt.error.as_deref(),
                    f.attempt.finished_at,
                )?;
            }
        }
        Ok(held_of(batch, &written))
    })
}

/// Whether each call's worker still held the lease (its row was written).
fn held_of(batch: &[Finish], written: &[(String, Option<String>)]) -> Vec<bool> {
    let ids: std::collections::BTreeSet<&str> = written.iter().map(|(id, _)| id.as_str()).collect();
    batch.iter().map(|f| ids.contains(f.id.as_str())).collect()
}

/// A delivery's state after an attempt, as written.
struct NextState {
    status: DeliveryStatus,
    next_at: NaiveDateTime,
    completed_at: Option<NaiveDateTime>,
    provider_message_id: Option<String>,
}

impl NextState {
    fn of(f: &Finish) -> Self {
        let finished = f.attempt.finished_at;
        match &f.next {
            AttemptNext::Delivered {
                provider_message_id,
            } => NextState {
                status: DeliveryStatus::Delivered,
                next_at: finished,
                completed_at: Some(finished),
                provider_message_id: provider_message_id.clone(),
            },
            AttemptNext::Retry { at } => NextState {
                status: DeliveryStatus::Queued,
                next_at: to_db_time(*at),
                completed_at: None,
                provider_message_id: None,
            },
            AttemptNext::Failed => NextState {
                status: DeliveryStatus::Failed,
                next_at: finished,
                completed_at: Some(finished),
                provider_message_id: None,
            },
        }
    }
}

/// Every attempt and every delivery's next state in one statement (one
/// round trip, not one per delivery), each state only where its worker
/// still holds the lease. The updated rows' ids and group sends.
fn finish_all_pg(
    pg: &mut diesel::PgConnection,
    batch: &[Finish],
    order: &[usize],
) -> Result<Vec<(String, Option<String>)>, DieselError> {
    use diesel::sql_types::{Nullable, Text};
    #[derive(QueryableByName)]
    struct Written {
        #[diesel(sql_type = Text)]
        id: String,
        #[diesel(sql_type = Nullable<Text>)]
        group_send_id: Option<String>,
    }
    let items: Vec<&Finish> = order.iter().map(|i| &batch[*i]).collect();
    let nexts: Vec<NextState> = items.iter().map(|f| NextState::of(f)).collect();
    let rows: Vec<Written> = FinishAll {
        ids: items.iter().map(|f| f.id.clone()).collect(),
        owners: items.iter().map(|f| f.owner.clone()).collect(),
        statuses: nexts.iter().map(|n| n.status.as_str()).collect(),
        attempts: items.iter().map(|f| f.attempt.number).collect(),
        next_ats: nexts.iter().map(|n| n.next_at).collect(),
        errors: items.iter().map(|f| f.attempt.error.clone()).collect(),
        codes: items.iter().map(|f| f.attempt.code.clone()).collect(),
        message_ids: nexts
            .iter()
            .map(|n| n.provider_message_id.clone())
            .collect(),
        finished: items.iter().map(|f| f.attempt.finished_at).collect(),
        completed: nexts.iter().map(|n| n.completed_at).collect(),
        attempt_ids: items.iter().map(|f| f.attempt.id.clone()).collect(),
        started: items.iter().map(|f| f.attempt.started_at).collect(),
        outcomes: items.iter().map(|f| f.attempt.outcome.clone()).collect(),
        status_classes: items
            .iter()
            .map(|f| f.attempt.status_class.clone())
            .collect(),
        latencies: items.iter().map(|f| f.attempt.latency_ms).collect(),
        attempt_message_ids: items
            .iter()
            .map(|f| f.attempt.provider_message_id.clone())
            .collect(),
        retry_after_ms: items.iter().map(|f| f.attempt.retry_after_ms).collect(),
        retry_ats: items.iter().map(|f| f.attempt.retry_at).collect(),
    }
    .load(pg)?;
    Ok(rows.into_iter().map(|w| (w.id, w.group_send_id)).collect())
}
