//! Rows to domain values and back. Integration secrets are sealed on the way
//! in and opened on the way out, bound to their organization and id (see
//! `crypto`). A stored value that does not decode is an error naming the
//! field and the row, never quoting the value.

use patchbay_domain::audit::{AuditAction, AuditEvent, NewAuditEvent};
use patchbay_domain::auth::{ApiKeyRecord, Organization, Scopes};
use patchbay_domain::catalogue::IntegrationType;
use patchbay_domain::delivery::{Attempt, AttemptOutcome, Delivery, DeliveryStatus};
use patchbay_domain::group::{
    FailoverBounds, GroupLink, GroupSend, GroupSendStatus, Handoff, IntegrationGroup, RouteStep,
    StepState, Strategy,
};
use patchbay_domain::health::{Health, HealthState};
use patchbay_domain::{
    Config, Environment, Integration, IntegrationId, Message, OrgId, Status, StoreError, TestResult,
};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::crypto::{Keyring, integration_context};
use crate::error::corrupt;
use crate::rows::{
    ApiKeyRow, AttemptRow, AuditRow, DeliveryRow, GroupRow, GroupSendRow, GroupValues,
    IntegrationRow, MemberRow, NewAuditRow, OrganizationRow, StepRow,
};
use crate::time::{from_db_time, to_db_time};

/// Seal the secret half of a config for this row; `None` when it has none.
pub(crate) fn seal_secrets(
    keyring: &Keyring,
    org: &OrgId,
    id: &IntegrationId,
    config: &Config,
) -> Result<Option<Vec<u8>>, StoreError> {
    if !config.has_secrets() {
        return Ok(None);
    }
    let plaintext = Zeroizing::new(
        serde_json::to_vec(&config.expose_secrets_for_encryption())
            .map_err(|e| StoreError::Other(format!("serialising secrets: {e}")))?,
    );
    keyring
        .seal(&plaintext, &integration_context(org, id))
        .map(Some)
        .map_err(|e| StoreError::Crypto(format!("integration {id}: {e}")))
}

pub(crate) fn open_secrets(
    keyring: &Keyring,
    org: &OrgId,
    id: &IntegrationId,
    envelope: &[u8],
) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    keyring
        .open(envelope, &integration_context(org, id))
        .map_err(|e| StoreError::Crypto(format!("integration {id}: {e}")))
}

pub(crate) fn decode_integration(
    row: IntegrationRow,
    keyring: &Keyring,
) -> Result<Integration, StoreError> {
    decode_row(row, Some(keyring))
}

/// A row as listed: its non-secret config only. A list needs no secret, so
/// it opens none, and a row whose secrets cannot be opened (a damaged
/// envelope, a key gone from the keyring) is listed like any other; reading
/// that row is what reports it.
pub(crate) fn decode_listed_integration(row: IntegrationRow) -> Result<Integration, StoreError> {
    decode_row(row, None)
}

/// With a keyring, the secrets are opened into the config; without, left
/// sealed.
fn decode_row(row: IntegrationRow, keyring: Option<&Keyring>) -> Result<Integration, StoreError> {
    let id: IntegrationId = row.id.parse().map_err(|_| corrupt("id", &row.id))?;
    let org_id: OrgId = row
        .org_id
        .parse()
        .map_err(|_| corrupt("organization", &row.id))?;
    let kind = IntegrationType::from_slug(&row.type_slug)
        .ok_or_else(|| unregistered_type(&row.type_slug, &row.id))?;
    let environment =
        Environment::parse(&row.environment).ok_or_else(|| corrupt("environment", &row.id))?;
    let status = Status::parse(&row.status).ok_or_else(|| corrupt("status", &row.id))?;
    let plain: Map<String, Value> =
        serde_json::from_str(&row.config).map_err(|_| corrupt("config", &row.id))?;
    let secrets: Map<String, Value> = match (&row.secrets, keyring) {
        (None, _) | (_, None) => Map::new(),
        (Some(envelope), Some(keyring)) => {
            let plaintext = open_secrets(keyring, &org_id, &id, envelope)?;
            // Authenticated but unparseable means a bug, not tampering; the
            // message still must not quote the plaintext.
            serde_json::from_slice(&plaintext).map_err(|_| corrupt("secrets", &row.id))?
        }
    };
    let last_test = match (
        row.last_test_success,
        row.last_test_message,
        row.last_test_latency_ms,
        row.last_test_at,
    ) {
        (Some(success), Some(message), Some(latency_ms), Some(at)) => Some(TestResult {
            success,
            message,
            latency_ms,
            tested_at: from_db_time(at),
        }),
        _ => None,
    };
    Ok(Integration {
        id,
        seq: row.seq,
        org_id,
        name: row.name,
        kind,
        environment,
        status,
        is_managed: row.is_managed,
        managed_key: row.managed_key,
        config: Config::from_parts(plain, secrets),
        last_test,
        recorded_health: match (row.health_state, row.health_changed_at) {
            (Some(state), Some(at)) => Some(Health {
                state: HealthState::parse(&state).unwrap_or(HealthState::Unknown),
                reason: row.health_reason,
                changed_at: Some(from_db_time(at)),
            }),
            _ => None,
        },
        send_hold_until: row.send_hold_until.map(from_db_time),
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}

pub(crate) fn decode_organization(row: OrganizationRow) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: row.id.parse().map_err(|_| corrupt("id", &row.id))?,
        name: row.name,
        created_at: from_db_time(row.created_at),
    })
}

pub(crate) fn decode_api_key(row: ApiKeyRow) -> Result<ApiKeyRecord, StoreError> {
    Ok(ApiKeyRecord {
        id: row.id.parse().map_err(|_| corrupt("id", &row.id))?,
        org_id: row
            .org_id
            .parse()
            .map_err(|_| corrupt("organization", &row.id))?,
        name: row.name,
        display_prefix: row.display_prefix,
        scopes: Scopes::parse_csv(&row.scopes).map_err(|_| corrupt("scopes", &row.id))?,
        created_at: from_db_time(row.created_at),
        revoked_at: row.revoked_at.map(from_db_time),
    })
}

pub(crate) fn plain_config_json(config: &Config) -> Result<String, StoreError> {
    serde_json::to_string(&config.plain_json())
        .map_err(|e| StoreError::Other(format!("serialising config: {e}")))
}

pub(crate) fn decode_audit_event(row: AuditRow) -> Result<AuditEvent, StoreError> {
    let what = format!("audit event {}", row.id);
    let bad = |field: &str| corrupt(field, &what);
    Ok(AuditEvent {
        id: row.id,
        event: NewAuditEvent {
            org_id: row.org_id.parse().map_err(|_| bad("organization"))?,
            actor: row.actor,
            action: AuditAction::parse(&row.action).ok_or_else(|| bad("action"))?,
            integration_id: row
                .integration_id
                .map(|id| id.parse())
                .transpose()
                .map_err(|_| bad("integration id"))?,
            changed_fields: serde_json::from_str(&row.changed_fields)
                .map_err(|_| bad("changed fields"))?,
            detail: row.detail,
            at: from_db_time(row.created_at),
        },
    })
}

pub(crate) fn changed_fields_json(event: &NewAuditEvent) -> Result<String, StoreError> {
    serde_json::to_string(&event.changed_fields)
        .map_err(|e| StoreError::Other(format!("serialising changed fields: {e}")))
}

pub(crate) fn event_row<'a>(
    event: &'a NewAuditEvent,
    changed_fields_json: &'a str,
) -> NewAuditRow<'a> {
    NewAuditRow {
        org_id: event.org_id.as_str(),
        actor: &event.actor,
        action: event.action.as_str(),
        integration_id: event.integration_id.as_ref().map(|i| i.as_str()),
        changed_fields: changed_fields_json,
        detail: event.detail.as_deref(),
        created_at: to_db_time(event.at),
    }
}

/// A delivery's stored value that does not decode.
/// A row of a type this process has not registered (an embedding
/// service's own type, started without it).
fn unregistered_type(slug: &str, whose: &str) -> StoreError {
    StoreError::Other(format!(
        "stored type `{slug}` of {whose} is not in the catalogue: register that type before reading it"
    ))
}

fn corrupt_delivery(what: &str, id: &str) -> StoreError {
    corrupt(what, &format!("delivery {id}"))
}

pub(crate) fn decode_delivery(row: DeliveryRow) -> Result<Delivery, StoreError> {
    let message: Message =
        serde_json::from_str(&row.message).map_err(|_| corrupt_delivery("message", &row.id))?;
    Ok(Delivery {
        id: row
            .id
            .parse()
            .map_err(|_| corrupt_delivery("id", &row.id))?,
        org_id: row
            .org_id
            .parse()
            .map_err(|_| corrupt_delivery("organization", &row.id))?,
        integration_id: row
            .integration_id
            .parse()
            .map_err(|_| corrupt_delivery("integration", &row.id))?,
        kind: IntegrationType::from_slug(&row.type_slug)
            .ok_or_else(|| unregistered_type(&row.type_slug, &format!("delivery {}", row.id)))?,
        message,
        status: DeliveryStatus::parse(&row.status)
            .ok_or_else(|| corrupt_delivery("status", &row.id))?,
        attempts: row.attempts,
        max_attempts: row.max_attempts,
        next_attempt_at: from_db_time(row.next_attempt_at),
        deadline_at: from_db_time(row.deadline_at),
        last_error: row.last_error,
        last_code: row.last_code,
        provider_message_id: row.provider_message_id,
        group: match row.group_send_id {
            None => None,
            Some(send) => Some(GroupLink {
                send_id: send
                    .parse()
                    .map_err(|_| corrupt_delivery("group send", &row.id))?,
                handoff: match (row.handoff_after_attempts, row.handoff_at) {
                    (Some(after_attempts), Some(at)) => Some(Handoff {
                        after_attempts,
                        at: from_db_time(at),
                    }),
                    _ => None,
                },
            }),
        },
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
        completed_at: row.completed_at.map(from_db_time),
    })
}

pub(crate) fn decode_attempt(row: AttemptRow) -> Result<Attempt, StoreError> {
    Ok(Attempt {
        number: row.number,
        started_at: from_db_time(row.started_at),
        finished_at: from_db_time(row.finished_at),
        outcome: AttemptOutcome::parse(&row.outcome)
            .ok_or_else(|| corrupt_delivery("attempt outcome", &row.delivery_id))?,
        status_class: row.status_class,
        latency_ms: row.latency_ms,
        provider_message_id: row.provider_message_id,
        error: row.error,
        code: row.code,
        retry_after_ms: row.retry_after_ms,
        retry_at: row.retry_at.map(from_db_time),
    })
}

pub(crate) fn encode_delivery(d: &Delivery) -> Result<DeliveryRow, StoreError> {
    Ok(DeliveryRow {
        id: d.id.to_string(),
        org_id: d.org_id.to_string(),
        integration_id: d.integration_id.to_string(),
        type_slug: d.kind.slug().to_string(),
        message: serde_json::to_string(&d.message)
            .map_err(|e| StoreError::Other(format!("serialising a message: {e}")))?,
        status: d.status.as_str().to_string(),
        attempts: d.attempts,
        max_attempts: d.max_attempts,
        next_attempt_at: to_db_time(d.next_attempt_at),
        deadline_at: to_db_time(d.deadline_at),
        lease_owner: None,
        lease_until: None,
        last_error: d.last_error.clone(),
        last_code: d.last_code.clone(),
        provider_message_id: d.provider_message_id.clone(),
        created_at: to_db_time(d.created_at),
        updated_at: to_db_time(d.updated_at),
        completed_at: d.completed_at.map(to_db_time),
        group_send_id: d.group.as_ref().map(|g| g.send_id.to_string()),
        handoff_after_attempts: d
            .group
            .as_ref()
            .and_then(|g| g.handoff)
            .map(|h| h.after_attempts),
        handoff_at: d
            .group
            .as_ref()
            .and_then(|g| g.handoff)
            .map(|h| to_db_time(h.at)),
    })
}

pub(crate) fn decode_group(
    row: GroupRow,
    members: Vec<MemberRow>,
) -> Result<IntegrationGroup, StoreError> {
    let what = format!("integration group {}", row.id);
    let bad = |field: &str| corrupt(field, &what);
    let mut members = members;
    members.sort_by_key(|m| m.position);
    Ok(IntegrationGroup {
        id: row.id.parse().map_err(|_| bad("id"))?,
        seq: row.seq,
        org_id: row.org_id.parse().map_err(|_| bad("organization"))?,
        name: row.name,
        strategy: Strategy::parse(&row.strategy).ok_or_else(|| bad("strategy"))?,
        members: members
            .iter()
            .map(|m| m.integration_id.parse())
            .collect::<Result<_, _>>()
            .map_err(|_| bad("member"))?,
        failover: FailoverBounds {
            attempts: u32::try_from(row.failover_attempts).map_err(|_| bad("failover attempts"))?,
            after: std::time::Duration::from_millis(
                u64::try_from(row.failover_after_ms).map_err(|_| bad("failover time"))?,
            ),
        },
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}

pub(crate) fn group_values(g: &IntegrationGroup) -> GroupValues<'_> {
    GroupValues {
        id: g.id.as_str(),
        org_id: g.org_id.as_str(),
        name: &g.name,
        strategy: g.strategy.as_str(),
        failover_attempts: i64::from(g.failover.attempts),
        failover_after_ms: i64::try_from(g.failover.after.as_millis()).unwrap_or(i64::MAX),
        version: g.version,
        created_at: to_db_time(g.created_at),
        updated_at: to_db_time(g.updated_at),
    }
}

pub(crate) fn member_rows(g: &IntegrationGroup) -> Vec<MemberRow> {
    g.members
        .iter()
        .enumerate()
        .map(|(position, id)| MemberRow {
            group_id: g.id.to_string(),
            position: i64::try_from(position).unwrap_or(i64::MAX),
            integration_id: id.to_string(),
        })
        .collect()
}

pub(crate) fn encode_group_send(
    send: &GroupSend,
) -> Result<(GroupSendRow, Vec<StepRow>), StoreError> {
    let row = GroupSendRow {
        id: send.id.to_string(),
        org_id: send.org_id.to_string(),
        group_id: send.group_id.to_string(),
        strategy: send.strategy.as_str().to_string(),
        status: send.status.as_str().to_string(),
        message: serde_json::to_string(&send.message)
            .map_err(|e| StoreError::Other(format!("serialising a message: {e}")))?,
        created_at: to_db_time(send.created_at),
        updated_at: to_db_time(send.updated_at),
        completed_at: send.completed_at.map(to_db_time),
    };
    let steps = send
        .route
        .iter()
        .map(|s| encode_step(&send.id.to_string(), s))
        .collect();
    Ok((row, steps))
}

pub(crate) fn encode_step(send_id: &str, s: &RouteStep) -> StepRow {
    StepRow {
        send_id: send_id.to_string(),
        position: i64::from(s.position),
        integration_id: s.integration_id.to_string(),
        type_slug: s.kind.map(|k| k.slug().to_string()),
        state: s.state.as_str().to_string(),
        delivery_id: s.delivery_id.as_ref().map(ToString::to_string),
        started_at: s.started_at.map(to_db_time),
        ended_at: s.ended_at.map(to_db_time),
        note: s.note.clone(),
        reason: s.reason.clone(),
    }
}

pub(crate) fn decode_step(row: StepRow) -> Result<RouteStep, StoreError> {
    let what = format!("group send {}", row.send_id);
    let bad = |field: &str| corrupt(field, &what);
    Ok(RouteStep {
        position: u32::try_from(row.position).map_err(|_| bad("step position"))?,
        integration_id: row
            .integration_id
            .parse()
            .map_err(|_| bad("step integration"))?,
        // A type this build does not know reads as unknown, not as an error.
        kind: row
            .type_slug
            .as_deref()
            .and_then(IntegrationType::from_slug),
        state: StepState::parse(&row.state).ok_or_else(|| bad("step state"))?,
        delivery_id: row
            .delivery_id
            .map(|d| d.parse())
            .transpose()
            .map_err(|_| bad("step delivery"))?,
        started_at: row.started_at.map(from_db_time),
        ended_at: row.ended_at.map(from_db_time),
        note: row.note,
        reason: row.reason,
    })
}

pub(crate) fn decode_group_send(
    row: GroupSendRow,
    steps: Vec<StepRow>,
) -> Result<GroupSend, StoreError> {
    let what = format!("group send {}", row.id);
    let bad = |field: &str| corrupt(field, &what);
    let mut route: Vec<RouteStep> = steps
        .into_iter()
        .map(decode_step)
        .collect::<Result<_, _>>()?;
    route.sort_by_key(|s| s.position);
    Ok(GroupSend {
        id: row.id.parse().map_err(|_| bad("id"))?,
        org_id: row.org_id.parse().map_err(|_| bad("organization"))?,
        group_id: row.group_id.parse().map_err(|_| bad("group"))?,
        strategy: Strategy::parse(&row.strategy).ok_or_else(|| bad("strategy"))?,
        status: GroupSendStatus::parse(&row.status).ok_or_else(|| bad("status"))?,
        message: serde_json::from_str(&row.message).map_err(|_| bad("message"))?,
        route,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
        completed_at: row.completed_at.map(from_db_time),
    })
}
