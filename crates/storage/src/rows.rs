//! Diesel row structs: the columns a query reads or writes, as diesel maps
//! them. Turning them into domain values and back is `convert`'s job.
//!
//! Insertable rows with optional columns bind `None` as NULL rather than
//! writing DEFAULT (`treat_none_as_default_value = false`), which keeps each
//! INSERT one fixed statement that the connection can prepare once and reuse.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{
    api_keys, audit_events, deliveries, delivery_attempts, group_send_steps, group_sends,
    idempotency_keys, integration_group_members, integration_groups, integrations, organizations,
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = integrations)]
pub(crate) struct IntegrationRow {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) name: String,
    pub(crate) type_slug: String,
    pub(crate) environment: String,
    pub(crate) status: String,
    pub(crate) is_managed: bool,
    pub(crate) config: String,
    pub(crate) secrets: Option<Vec<u8>>,
    #[allow(dead_code)] // selected for completeness; the envelope names its key
    pub(crate) key_id: Option<String>,
    pub(crate) last_test_success: Option<bool>,
    pub(crate) last_test_message: Option<String>,
    pub(crate) last_test_latency_ms: Option<i64>,
    pub(crate) last_test_at: Option<NaiveDateTime>,
    pub(crate) version: i64,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
    pub(crate) managed_key: Option<String>,
    pub(crate) health_state: Option<String>,
    pub(crate) health_reason: Option<String>,
    pub(crate) health_changed_at: Option<NaiveDateTime>,
    // The delivery workers' pacing state, read by them alone.
    #[allow(dead_code)]
    pub(crate) send_not_before: Option<NaiveDateTime>,
    pub(crate) send_hold_until: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = integrations, treat_none_as_default_value = false)]
pub(crate) struct NewIntegrationRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) type_slug: &'a str,
    pub(crate) environment: &'a str,
    pub(crate) status: &'a str,
    pub(crate) is_managed: bool,
    pub(crate) config: &'a str,
    pub(crate) secrets: Option<&'a [u8]>,
    pub(crate) key_id: Option<&'a str>,
    pub(crate) last_test_success: Option<bool>,
    pub(crate) last_test_message: Option<&'a str>,
    pub(crate) last_test_latency_ms: Option<i64>,
    pub(crate) last_test_at: Option<NaiveDateTime>,
    pub(crate) version: i64,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
    pub(crate) managed_key: Option<&'a str>,
}

#[derive(AsChangeset)]
#[diesel(table_name = integrations, treat_none_as_null = true)]
pub(crate) struct IntegrationChanges<'a> {
    pub(crate) name: &'a str,
    pub(crate) environment: &'a str,
    pub(crate) status: &'a str,
    pub(crate) config: &'a str,
    pub(crate) secrets: Option<&'a [u8]>,
    pub(crate) key_id: Option<&'a str>,
    pub(crate) version: i64,
    pub(crate) updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub(crate) struct OrganizationRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub(crate) struct ApiKeyRow {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) name: String,
    pub(crate) display_prefix: String,
    pub(crate) scopes: String,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) revoked_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = api_keys, treat_none_as_default_value = false)]
pub(crate) struct NewApiKeyRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) display_prefix: &'a str,
    pub(crate) key_hash: &'a str,
    pub(crate) scopes: &'a str,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) revoked_at: Option<NaiveDateTime>,
}

/// What rotation needs of a row: enough to re-seal it and to guard the write.
#[derive(Queryable, Selectable)]
#[diesel(table_name = integrations)]
pub(crate) struct SealedRow {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) secrets: Option<Vec<u8>>,
    pub(crate) key_id: Option<String>,
    pub(crate) version: i64,
}

#[derive(Queryable, Selectable, QueryableByName, Insertable)]
#[diesel(table_name = deliveries, treat_none_as_default_value = false)]
pub(crate) struct DeliveryRow {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) integration_id: String,
    pub(crate) type_slug: String,
    pub(crate) message: String,
    pub(crate) status: String,
    pub(crate) attempts: i64,
    pub(crate) max_attempts: i64,
    pub(crate) next_attempt_at: NaiveDateTime,
    pub(crate) deadline_at: NaiveDateTime,
    pub(crate) lease_owner: Option<String>,
    pub(crate) lease_until: Option<NaiveDateTime>,
    pub(crate) last_error: Option<String>,
    pub(crate) last_code: Option<String>,
    pub(crate) provider_message_id: Option<String>,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
    pub(crate) completed_at: Option<NaiveDateTime>,
    pub(crate) group_send_id: Option<String>,
    pub(crate) handoff_after_attempts: Option<i64>,
    pub(crate) handoff_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = delivery_attempts, treat_none_as_default_value = false)]
pub(crate) struct AttemptRow {
    pub(crate) id: String,
    pub(crate) delivery_id: String,
    pub(crate) number: i64,
    pub(crate) started_at: NaiveDateTime,
    pub(crate) finished_at: NaiveDateTime,
    pub(crate) outcome: String,
    pub(crate) status_class: String,
    pub(crate) latency_ms: i64,
    pub(crate) provider_message_id: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) retry_after_ms: Option<i64>,
    pub(crate) retry_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys, treat_none_as_default_value = false)]
pub(crate) struct IdempotencyRow {
    pub(crate) org_id: String,
    pub(crate) idem_key: String,
    pub(crate) request_hash: String,
    /// The delivery or group send the key's first request created.
    pub(crate) resource_id: String,
    pub(crate) completed_at: Option<NaiveDateTime>,
    pub(crate) in_progress_until: NaiveDateTime,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) expires_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub(crate) struct AuditRow {
    pub(crate) id: i64,
    pub(crate) org_id: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) integration_id: Option<String>,
    pub(crate) changed_fields: String,
    pub(crate) detail: Option<String>,
    pub(crate) created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub(crate) struct NewAuditRow<'a> {
    pub(crate) org_id: &'a str,
    pub(crate) actor: &'a str,
    pub(crate) action: &'a str,
    pub(crate) integration_id: Option<&'a str>,
    pub(crate) changed_fields: &'a str,
    pub(crate) detail: Option<&'a str>,
    pub(crate) created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = integration_groups)]
pub(crate) struct GroupRow {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) name: String,
    pub(crate) strategy: String,
    pub(crate) failover_attempts: i64,
    pub(crate) failover_after_ms: i64,
    pub(crate) version: i64,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = integration_groups)]
pub(crate) struct GroupValues<'a> {
    pub(crate) id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) strategy: &'a str,
    pub(crate) failover_attempts: i64,
    pub(crate) failover_after_ms: i64,
    pub(crate) version: i64,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = integration_group_members)]
pub(crate) struct MemberRow {
    pub(crate) group_id: String,
    pub(crate) position: i64,
    pub(crate) integration_id: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = group_sends, treat_none_as_default_value = false)]
pub(crate) struct GroupSendRow {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) group_id: String,
    pub(crate) strategy: String,
    pub(crate) status: String,
    pub(crate) message: String,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
    pub(crate) completed_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable, Clone)]
#[diesel(table_name = group_send_steps, treat_none_as_default_value = false)]
pub(crate) struct StepRow {
    pub(crate) send_id: String,
    pub(crate) position: i64,
    pub(crate) integration_id: String,
    pub(crate) type_slug: Option<String>,
    pub(crate) state: String,
    pub(crate) delivery_id: Option<String>,
    pub(crate) started_at: Option<NaiveDateTime>,
    pub(crate) ended_at: Option<NaiveDateTime>,
    pub(crate) note: Option<String>,
    pub(crate) reason: Option<String>,
}
