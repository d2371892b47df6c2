//! `GroupStore` over either backend: integration groups and their members,
//! group sends with their route steps, and the failover hand-off.
//!
//! A member's step and its group send's status move with the member's
//! delivery, in the delivery's own transaction ([`settle_member`], called
//! when an attempt finishes it). Each such transaction first writes the
//! send's row, which on Postgres makes concurrent broadcast members wait
//! for each other there, so the last to finish sees every other step and
//! the status is never left behind; SQLite serialises writers anyway.

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use patchbay_domain::delivery::DeliveryStatus;
use patchbay_domain::group::{
    GroupEnqueueOutcome, GroupSend, GroupStore, HANDED_OFF, HandOff, IntegrationGroup,
    NewGroupSend, StepState, Strategy, routing,
};
use patchbay_domain::ids::{GroupId, GroupSendId};
use patchbay_domain::store::WriteOutcome;
use patchbay_domain::{IntegrationId, OrgId, StoreError};

use crate::connection::DbConnection;
use crate::convert::{
    decode_group, decode_group_send, decode_step, encode_delivery, encode_group_send, group_values,
    member_rows,
};
use crate::deliveries::attempt_row;
use crate::error::db_error;
use crate::idempotency::{KeyState, delete_expired_key, key_state};
use crate::outbox::notify_workers;
use crate::rows::{DeliveryRow, GroupRow, GroupSendRow, IdempotencyRow, MemberRow, StepRow};
use crate::schema::{
    deliveries, delivery_attempts, group_send_steps, group_sends, idempotency_keys,
    integration_group_members, integration_groups,
};
use crate::store::SqlStore;
use crate::time::to_db_time;

fn load_group(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<Option<IntegrationGroup>, StoreError> {
    let Some(row) = integration_groups::table
        .filter(integration_groups::org_id.eq(org))
        .filter(integration_groups::id.eq(id))
        .select(GroupRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(db_error("integration group"))?
    else {
        return Ok(None);
    };
    let members = integration_group_members::table
        .filter(integration_group_members::group_id.eq(id))
        .select(MemberRow::as_select())
        .load(conn)
        .map_err(db_error("integration group"))?;
    decode_group(row, members).map(Some)
}

fn load_send(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<Option<GroupSend>, StoreError> {
    let Some(row) = group_sends::table
        .filter(group_sends::org_id.eq(org))
        .filter(group_sends::id.eq(id))
        .select(GroupSendRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(db_error("group send"))?
    else {
        return Ok(None);
    };
    let steps = group_send_steps::table
        .filter(group_send_steps::send_id.eq(id))
        .select(StepRow::as_select())
        .load(conn)
        .map_err(db_error("group send"))?;
    decode_group_send(row, steps).map(Some)
}

/// Whether the group is missing or at another version (after a write that
/// matched no row).
fn missing_or_stale<T>(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<WriteOutcome<T>, StoreError> {
    let exists: i64 = integration_groups::table
        .filter(integration_groups::org_id.eq(org))
        .filter(integration_groups::id.eq(id))
        .count()
        .get_result(conn)
        .map_err(db_error("integration group"))?;
    Ok(if exists > 0 {
        WriteOutcome::VersionMismatch
    } else {
        WriteOutcome::NotFound
    })
}

/// A group send encoded: its row, route steps, first deliveries and key.
pub(crate) struct GroupSendRows {
    send: GroupSendRow,
    steps: Vec<StepRow>,
    deliveries: Vec<DeliveryRow>,
    pub(crate) key: Option<IdempotencyRow>,
}

impl GroupSendRows {
    pub(crate) fn new(new: &NewGroupSend) -> Result<Self, StoreError> {
        let (send, steps) = encode_group_send(&new.send)?;
        let deliveries = new
            .deliveries
            .iter()
            .map(encode_delivery)
            .collect::<Result<Vec<_>, _>>()?;
        let key = new.idempotency.as_ref().map(|k| IdempotencyRow {
            org_id: send.org_id.clone(),
            idem_key: k.key.clone(),
            request_hash: k.request_hash.clone(),
            resource_id: send.id.clone(),
            completed_at: (!k.completes_later).then_some(send.created_at),
            in_progress_until: to_db_time(k.in_progress_until),
            created_at: send.created_at,
            expires_at: to_db_time(k.expires_at),
        });
        Ok(Self {
            send,
            steps,
            deliveries,
            key,
        })
    }

    /// The send, its steps and its deliveries (not the key).
    pub(crate) fn insert(&self, c: &mut DbConnection) -> Result<(), DieselError> {
        diesel::insert_into(group_sends::table)
            .values(&self.send)
            .execute(c)?;
        for s in &self.steps {
            diesel::insert_into(group_send_steps::table)
                .values(s)
                .execute(c)?;
        }
        for d in &self.deliveries {
            diesel::insert_into(deliveries::table)
                .values(d)
                .execute(c)?;
        }
        Ok(())
    }

    /// The send as written.
    pub(crate) fn load(&self, conn: &mut DbConnection) -> Result<GroupEnqueueOutcome, StoreError> {
        load_send(conn, &self.send.org_id, &self.send.id)?
            .map(GroupEnqueueOutcome::Created)
            .ok_or_else(|| StoreError::Other("a written group send vanished".into()))
    }
}

/// A group send whose key was there already: what the key's first request
/// made.
pub(crate) fn resolve_group_key(
    conn: &mut DbConnection,
    k: &IdempotencyRow,
) -> Result<GroupEnqueueOutcome, StoreError> {
    Ok(match key_state(conn, k, "group send")? {
        KeyState::InProgress => GroupEnqueueOutcome::InProgress,
        KeyState::Reused => GroupEnqueueOutcome::KeyReused,
        KeyState::Answered {
            org_id,
            resource_id,
        } => load_send(conn, &org_id, &resource_id)?
            .map(GroupEnqueueOutcome::Replayed)
            .unwrap_or(GroupEnqueueOutcome::InProgress),
    })
}

/// Inside a delivery's transaction: the member's delivery ended, delivered
/// or failed (`reason`). Settles its step, what that means for the other
/// steps, and the send's status.
pub(crate) fn settle_member(
    c: &mut DbConnection,
    send_id: &str,
    delivery_id: &str,
    delivered: bool,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), DieselError> {
    // First statement writes the send's row: concurrent members queue here.
    let locked = diesel::update(group_sends::table.filter(group_sends::id.eq(send_id)))
        .set(group_sends::updated_at.eq(at))
        .execute(c)?;
    if locked == 0 {
        return Ok(());
    }
    let strategy: String = group_sends::table
        .filter(group_sends::id.eq(send_id))
        .select(group_sends::strategy)
        .get_result(c)?;
    let strategy = Strategy::parse(&strategy).unwrap_or(Strategy::Broadcast);
    let (state, why) = if delivered {
        (StepState::Delivered, None)
    } else {
        (StepState::Failed, reason)
    };
    diesel::update(
        group_send_steps::table
            .filter(group_send_steps::send_id.eq(send_id))
            .filter(group_send_steps::delivery_id.eq(delivery_id))
            .filter(group_send_steps::state.eq(StepState::Sending.as_str())),
    )
    .set((
        group_send_steps::state.eq(state.as_str()),
        group_send_steps::ended_at.eq(Some(at)),
        group_send_steps::reason.eq(why),
    ))
    .execute(c)?;
    if strategy == Strategy::Failover {
        // Delivered: the members after it are not needed. Failed through
        // its own retries: no member was left to hand the message to, so
        // any still waiting could not send.
        let (left_state, left_reason) = if delivered {
            (StepState::Unused, "another member delivered the message")
        } else {
            (
                StepState::Failed,
                "not tried: no member left could send when the last one failed",
            )
        };
        diesel::update(
            group_send_steps::table
                .filter(group_send_steps::send_id.eq(send_id))
                .filter(group_send_steps::state.eq(StepState::Waiting.as_str())),
        )
        .set((
            group_send_steps::state.eq(left_state.as_str()),
            group_send_steps::ended_at.eq(Some(at)),
            group_send_steps::reason.eq(Some(left_reason)),
        ))
        .execute(c)?;
    }
    write_status(c, send_id, strategy, at)
}

/// The send's status from its steps as they now stand.
fn write_status(
    c: &mut DbConnection,
    send_id: &str,
    strategy: Strategy,
    at: NaiveDateTime,
) -> Result<(), DieselError> {
    let steps: Vec<StepRow> = group_send_steps::table
        .filter(group_send_steps::send_id.eq(send_id))
        .select(StepRow::as_select())
        .load(c)?;
    let route: Vec<_> = steps
        .into_iter()
        .filter_map(|s| decode_step(s).ok())
        .collect();
    let status = routing::status_of(strategy, &route);
    diesel::update(group_sends::table.filter(group_sends::id.eq(send_id)))
        .set((
            group_sends::status.eq(status.as_str()),
            group_sends::completed_at.eq(status.is_final().then_some(at)),
        ))
        .execute(c)?;
    Ok(())
}

#[async_trait]
impl GroupStore for SqlStore {
    async fn insert_group(&self, group: &IntegrationGroup) -> Result<IntegrationGroup, StoreError> {
        let group = group.clone();
        self.run(move |conn, _| {
            let seq = conn
                .transaction::<_, DieselError, _>(|c| {
                    let seq: i64 = diesel::insert_into(integration_groups::table)
                        .values(group_values(&group))
                        .returning(integration_groups::seq)
                        .get_result(c)?;
                    for m in member_rows(&group) {
                        diesel::insert_into(integration_group_members::table)
                            .values(&m)
                            .execute(c)?;
                    }
                    Ok(seq)
                })
                .map_err(db_error("integration group"))?;
            Ok(IntegrationGroup { seq, ..group })
        })
        .await
    }

    async fn get_group(
        &self,
        org: &OrgId,
        id: &GroupId,
    ) -> Result<Option<IntegrationGroup>, StoreError> {
        let (org, id) = (org.to_string(), id.to_string());
        self.run(move |conn, _| load_group(conn, &org, &id)).await
    }

    async fn list_groups(
        &self,
        org: &OrgId,
        after: Option<&GroupId>,
        limit: u32,
    ) -> Result<Vec<IntegrationGroup>, StoreError> {
        let org = org.to_string();
        let after = after.map(ToString::to_string);
        let limit = i64::from(limit.max(1));
        self.run(move |conn, _| {
            let map = db_error("integration group");
            // The cursor row's place; a deleted one continues after the
            // newest row whose id sorts before it.
            let after_seq: i64 = match &after {
                None => 0,
                Some(a) => {
                    let own: Option<i64> = integration_groups::table
                        .filter(integration_groups::org_id.eq(&org))
                        .filter(integration_groups::id.eq(a))
                        .select(integration_groups::seq)
                        .get_result(conn)
                        .optional()
                        .map_err(&map)?;
                    match own {
                        Some(s) => s,
                        None => integration_groups::table
                            .filter(integration_groups::org_id.eq(&org))
                            .filter(integration_groups::id.lt(a))
                            .select(diesel::dsl::max(integration_groups::seq))
                            .get_result::<Option<i64>>(conn)
                            .map_err(&map)?
                            .unwrap_or(0),
                    }
                }
            };
            let rows: Vec<GroupRow> = integration_groups::table
                .filter(integration_groups::org_id.eq(&org))
                .filter(integration_groups::seq.gt(after_seq))
                .order(integration_groups::seq.asc())
                .limit(limit)
                .select(GroupRow::as_select())
                .load(conn)
                .map_err(&map)?;
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            let mut members: Vec<MemberRow> = integration_group_members::table
                .filter(integration_group_members::group_id.eq_any(&ids))
                .select(MemberRow::as_select())
                .load(conn)
                .map_err(&map)?;
            rows.into_iter()
                .map(|r| {
                    let (mine, rest): (Vec<MemberRow>, Vec<MemberRow>) =
                        members.drain(..).partition(|m| m.group_id == r.id);
                    members = rest;
                    decode_group(r, mine)
                })
                .collect()
        })
        .await
    }

    async fn update_group(
        &self,
        group: &IntegrationGroup,
        expected_version: i64,
    ) -> Result<WriteOutcome<IntegrationGroup>, StoreError> {
        let group = group.clone();
        self.run(move |conn, _| {
            let (org, id) = (group.org_id.to_string(), group.id.to_string());
            let written = conn
                .transaction::<_, DieselError, _>(|c| {
                    let n =
                        diesel::update(
                            integration_groups::table
                                .filter(integration_groups::org_id.eq(&org))
                                .filter(integration_groups::id.eq(&id))
                                .filter(integration_groups::version.eq(expected_version)),
                        )
                        .set((
                            integration_groups::name.eq(&group.name),
                            integration_groups::strategy.eq(group.strategy.as_str()),
                            integration_groups::failover_attempts
                                .eq(i64::from(group.failover.attempts)),
                            integration_groups::failover_after_ms
                                .eq(i64::try_from(group.failover.after.as_millis())
                                    .unwrap_or(i64::MAX)),
                            integration_groups::version.eq(group.version),
                            integration_groups::updated_at.eq(to_db_time(group.updated_at)),
                        ))
                        .execute(c)?;
                    if n == 0 {
                        return Ok(false);
                    }
                    diesel::delete(
                        integration_group_members::table
                            .filter(integration_group_members::group_id.eq(&id)),
                    )
                    .execute(c)?;
                    for m in member_rows(&group) {
                        diesel::insert_into(integration_group_members::table)
                            .values(&m)
                            .execute(c)?;
                    }
                    Ok(true)
                })
                .map_err(db_error("integration group"))?;
            if !written {
                return missing_or_stale(conn, &org, &id);
            }
            Ok(match load_group(conn, &org, &id)? {
                Some(g) => WriteOutcome::Done(g),
                None => WriteOutcome::NotFound,
            })
        })
        .await
    }

    async fn delete_group(
        &self,
        org: &OrgId,
        id: &GroupId,
        expected_version: Option<i64>,
    ) -> Result<WriteOutcome<()>, StoreError> {
        let (org, id) = (org.to_string(), id.to_string());
        self.run(move |conn, _| {
            let target = integration_groups::table
                .filter(integration_groups::org_id.eq(&org))
                .filter(integration_groups::id.eq(&id));
            let deleted = match expected_version {
                Some(v) => {
                    diesel::delete(target.filter(integration_groups::version.eq(v))).execute(conn)
                }
                None => diesel::delete(target).execute(conn),
            }
            .map_err(db_error("integration group"))?;
            if deleted > 0 {
                Ok(WriteOutcome::Done(()))
            } else {
                missing_or_stale(conn, &org, &id)
            }
        })
        .await
    }

    async fn enqueue_group_send(
        &self,
        new: &NewGroupSend,
    ) -> Result<GroupEnqueueOutcome, StoreError> {
        let rows = GroupSendRows::new(new)?;
        self.run(move |conn, _| {
            if let Some(k) = &rows.key {
                delete_expired_key(conn, k).map_err(db_error("group send"))?;
            }
            let written = conn.transaction::<_, DieselError, _>(|c| {
                if let Some(k) = &rows.key {
                    diesel::insert_into(idempotency_keys::table)
                        .values(k)
                        .execute(c)?;
                }
                rows.insert(c)?;
                notify_workers(c)
            });
            match (written, &rows.key) {
                (Ok(()), _) => rows.load(conn),
                (
                    Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)),
                    Some(k),
                ) => resolve_group_key(conn, k),
                (Err(e), _) => Err(db_error("group send")(e)),
            }
        })
        .await
    }

    async fn get_group_send(
        &self,
        org: &OrgId,
        id: &GroupSendId,
    ) -> Result<Option<GroupSend>, StoreError> {
        let (org, id) = (org.to_string(), id.to_string());
        self.run(move |conn, _| load_send(conn, &org, &id)).await
    }

    async fn hand_off(&self, h: &HandOff) -> Result<bool, StoreError> {
        let next = encode_delivery(&h.next)?;
        let attempt = h
            .attempt
            .as_ref()
            .map(|a| attempt_row(h.delivery_id.as_str(), a));
        let (send_id, given_up, owner) = (
            h.send_id.to_string(),
            h.delivery_id.to_string(),
            h.owner.clone(),
        );
        let reason = h.reason.clone();
        let (unusable, passed_over) = (h.unusable.clone(), h.passed_over.clone());
        let (next_position, next_note) = (i64::from(h.next_position), h.next_note.clone());
        let at = next.created_at;
        self.run(move |conn, _| {
            let written = conn.transaction::<_, DieselError, _>(|c| {
                // The delivery first, then the send: the order every
                // transaction that finishes a member's delivery takes them.
                let target = deliveries::table
                    .filter(deliveries::id.eq(&given_up))
                    .filter(deliveries::status.eq(DeliveryStatus::Sending.as_str()))
                    .filter(deliveries::lease_owner.eq(&owner));
                let n = match &attempt {
                    Some(a) => diesel::update(target)
                        .set((
                            deliveries::attempts.eq(a.number),
                            deliveries::updated_at.eq(at),
                        ))
                        .execute(c)?,
                    None => diesel::update(target)
                        .set(deliveries::updated_at.eq(at))
                        .execute(c)?,
                };
                if n == 0 {
                    // Another worker owns it now: it decides.
                    return Err(DieselError::RollbackTransaction);
                }
                diesel::update(group_sends::table.filter(group_sends::id.eq(&send_id)))
                    .set(group_sends::updated_at.eq(at))
                    .execute(c)?;
                if let Some(a) = &attempt {
                    diesel::insert_into(delivery_attempts::table)
                        .values(a)
                        .execute(c)?;
                }
                diesel::update(deliveries::table.filter(deliveries::id.eq(&given_up)))
                    .set((
                        deliveries::status.eq(DeliveryStatus::Failed.as_str()),
                        deliveries::lease_owner.eq(None::<String>),
                        deliveries::lease_until.eq(None::<NaiveDateTime>),
                        deliveries::last_error.eq(Some(&reason)),
                        deliveries::last_code.eq(Some(HANDED_OFF)),
                        deliveries::completed_at.eq(Some(at)),
                    ))
                    .execute(c)?;
                let steps =
                    || group_send_steps::table.filter(group_send_steps::send_id.eq(&send_id));
                diesel::update(
                    steps()
                        .filter(group_send_steps::delivery_id.eq(&given_up))
                        .filter(group_send_steps::state.eq(StepState::Sending.as_str())),
                )
                .set((
                    group_send_steps::state.eq(StepState::Failed.as_str()),
                    group_send_steps::ended_at.eq(Some(at)),
                    group_send_steps::reason.eq(Some(&reason)),
                ))
                .execute(c)?;
                for (position, why) in &unusable {
                    diesel::update(
                        steps()
                            .filter(group_send_steps::position.eq(i64::from(*position)))
                            .filter(group_send_steps::state.eq(StepState::Waiting.as_str())),
                    )
                    .set((
                        group_send_steps::state.eq(StepState::Failed.as_str()),
                        group_send_steps::ended_at.eq(Some(at)),
                        group_send_steps::reason.eq(Some(why)),
                    ))
                    .execute(c)?;
                }
                for (position, why) in &passed_over {
                    diesel::update(
                        steps()
                            .filter(group_send_steps::position.eq(i64::from(*position)))
                            .filter(group_send_steps::state.eq(StepState::Waiting.as_str())),
                    )
                    .set(group_send_steps::note.eq(Some(format!("passed over for now: {why}"))))
                    .execute(c)?;
                }
                diesel::insert_into(deliveries::table)
                    .values(&next)
                    .execute(c)?;
                let started = diesel::update(
                    steps()
                        .filter(group_send_steps::position.eq(next_position))
                        .filter(group_send_steps::state.eq(StepState::Waiting.as_str())),
                )
                .set((
                    group_send_steps::state.eq(StepState::Sending.as_str()),
                    group_send_steps::delivery_id.eq(Some(&next.id)),
                    group_send_steps::started_at.eq(Some(at)),
                    group_send_steps::note.eq(Some(&next_note)),
                ))
                .execute(c)?;
                if started == 0 {
                    return Err(DieselError::RollbackTransaction);
                }
                notify_workers(c)?;
                Ok(())
            });
            match written {
                Ok(()) => Ok(true),
                Err(DieselError::RollbackTransaction) => Ok(false),
                Err(e) => Err(db_error("group send")(e)),
            }
        })
        .await
    }

    async fn fail_steps(
        &self,
        send_id: &GroupSendId,
        failed: &[(u32, String)],
    ) -> Result<(), StoreError> {
        if failed.is_empty() {
            return Ok(());
        }
        let send_id = send_id.to_string();
        let failed = failed.to_vec();
        let at = to_db_time(patchbay_domain::service::now());
        self.run(move |conn, _| {
            conn.transaction::<_, DieselError, _>(|c| {
                for (position, why) in &failed {
                    diesel::update(
                        group_send_steps::table
                            .filter(group_send_steps::send_id.eq(&send_id))
                            .filter(group_send_steps::position.eq(i64::from(*position)))
                            .filter(group_send_steps::state.eq(StepState::Waiting.as_str())),
                    )
                    .set((
                        group_send_steps::state.eq(StepState::Failed.as_str()),
                        group_send_steps::ended_at.eq(Some(at)),
                        group_send_steps::reason.eq(Some(why)),
                    ))
                    .execute(c)?;
                }
                Ok(())
            })
            .map_err(db_error("group send"))
        })
        .await
    }
}

impl SqlStore {
    /// The integration groups (id and name) that list this integration.
    pub(crate) async fn groups_listing(
        &self,
        org: &OrgId,
        integration: &IntegrationId,
    ) -> Result<Vec<(GroupId, String)>, StoreError> {
        let (org, integration) = (org.to_string(), integration.to_string());
        self.run(move |conn, _| {
            let rows: Vec<(String, String)> = integration_groups::table
                .inner_join(
                    integration_group_members::table
                        .on(integration_group_members::group_id.eq(integration_groups::id)),
                )
                .filter(integration_groups::org_id.eq(&org))
                .filter(integration_group_members::integration_id.eq(&integration))
                .order(integration_groups::seq.asc())
                .select((integration_groups::id, integration_groups::name))
                .load(conn)
                .map_err(db_error("integration group"))?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, name)| Some((id.parse().ok()?, name)))
                .collect())
        })
        .await
    }
}
