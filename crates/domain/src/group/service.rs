//! The group use cases: create, read, list, update and delete groups, send
//! one message to a group, and read a group send with its route.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::model::{
    FailoverBounds, GroupLink, GroupSend, Handoff, IntegrationGroup, MAX_MEMBERS, RouteStep,
    StepState, Strategy,
};
use super::routing::{choose, status_of, unusable};
use super::store::{GroupEnqueueOutcome, GroupStore, NewGroupSend};
use crate::delivery::{
    DeliveryError, DeliverySettings, QueueSignal, check_member_message, request_hash,
};
use crate::error::{DomainError, StoreError};
use crate::ids::{GroupId, GroupSendId, IntegrationId, OrgId};
use crate::model::Integration;
use crate::names::check_name;
use crate::provider::Message;
use crate::service::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page, now};
use crate::store::{IntegrationStore, WriteOutcome};
use crate::validation::ValidationErrors;

/// A failover group's bounds as a request gives them; what is left out
/// takes the default (or, on update, stays).
#[derive(Debug, Clone, Copy, Default)]
pub struct FailoverInput {
    pub attempts: Option<u32>,
    pub after_secs: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct CreateGroup {
    pub name: String,
    pub strategy: Strategy,
    /// As the request gives them, so a malformed one is reported by place.
    pub integration_ids: Vec<String>,
    pub failover: Option<FailoverInput>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateGroup {
    pub name: Option<String>,
    pub strategy: Option<Strategy>,
    pub integration_ids: Option<Vec<String>>,
    pub failover: Option<FailoverInput>,
    /// From `If-Match`: refuse unless the stored version is this one.
    pub expected_version: Option<i64>,
}

/// The answer to an accepted group send.
#[derive(Debug, Clone)]
pub struct AcceptedGroupSend {
    pub send: GroupSend,
    /// The key matched an earlier request: nothing new was created.
    pub replayed: bool,
}

/// What a group use case can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// No such group (or group send) in this organization.
    #[error("no such integration group")]
    NotFound,
    #[error("no such group send")]
    SendNotFound,
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("the group was changed since the given version")]
    PreconditionFailed,
    #[error("conflict: {0}")]
    Conflict(String),
    /// Every member is deleted or inactive: nothing could carry a message.
    #[error("no member of the group can send: {0}")]
    NoUsableMember(String),
    #[error("the idempotency key was used with a different request")]
    KeyReused,
    #[error("a request with this idempotency key is still being processed")]
    InProgress,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DomainError> for GroupError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(v) => GroupError::Invalid(v),
            DomainError::Store(s) => GroupError::Store(s),
            other => GroupError::Conflict(other.to_string()),
        }
    }
}

impl From<DeliveryError> for GroupError {
    fn from(e: DeliveryError) -> Self {
        match e {
            DeliveryError::Invalid(v) => GroupError::Invalid(v),
            DeliveryError::Store(s) => GroupError::Store(s),
            DeliveryError::KeyReused => GroupError::KeyReused,
            DeliveryError::InProgress => GroupError::InProgress,
            other => GroupError::Conflict(other.to_string()),
        }
    }
}

/// How often an update re-reads and re-merges when a concurrent writer won.
const UPDATE_ATTEMPTS: usize = 32;

#[derive(Clone)]
pub struct GroupService {
    groups: Arc<dyn GroupStore>,
    integrations: Arc<dyn IntegrationStore>,
    signal: Arc<dyn QueueSignal>,
    settings: DeliverySettings,
}

impl GroupService {
    pub fn new(
        groups: Arc<dyn GroupStore>,
        integrations: Arc<dyn IntegrationStore>,
        signal: Arc<dyn QueueSignal>,
        settings: DeliverySettings,
    ) -> Self {
        Self {
            groups,
            integrations,
            signal,
            settings,
        }
    }

    pub async fn create(
        &self,
        org: &OrgId,
        input: CreateGroup,
    ) -> Result<IntegrationGroup, GroupError> {
        let mut errors = ValidationErrors::default();
        check_name(&input.name, &mut errors);
        let members = self
            .check_members(org, &input.integration_ids, &mut errors)
            .await?;
        let failover = failover_bounds(
            input.strategy,
            FailoverBounds::default(),
            input.failover,
            &mut errors,
        );
        errors.into_result()?;
        let at = now();
        let group = IntegrationGroup {
            id: GroupId::generate(),
            seq: 0,
            org_id: org.clone(),
            name: input.name.trim().to_string(),
            strategy: input.strategy,
            members,
            failover,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        match self.groups.insert_group(&group).await {
            Err(StoreError::Reference(_)) => Err(member_vanished()),
            other => Ok(other?),
        }
    }

    pub async fn get(&self, org: &OrgId, id: &GroupId) -> Result<IntegrationGroup, GroupError> {
        self.groups
            .get_group(org, id)
            .await?
            .ok_or(GroupError::NotFound)
    }

    /// A page of groups in creation order; the cursor is the last group id.
    pub async fn list(
        &self,
        org: &OrgId,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page<IntegrationGroup>, GroupError> {
        let mut errors = ValidationErrors::default();
        let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
        if limit == 0 || limit > MAX_PAGE_LIMIT {
            errors.push("limit", format!("must be between 1 and {MAX_PAGE_LIMIT}"));
        }
        let after = match cursor {
            None => None,
            Some(c) => match c.parse::<GroupId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push("cursor", "is not a cursor this service issued");
                    None
                }
            },
        };
        errors.into_result()?;
        let mut items = self
            .groups
            .list_groups(org, after.as_ref(), limit + 1)
            .await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|g| g.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Apply the changes; concurrent writers are serialised by the version
    /// guard (a loser re-reads and re-applies). An update that changes
    /// nothing writes nothing.
    pub async fn update(
        &self,
        org: &OrgId,
        id: &GroupId,
        input: UpdateGroup,
    ) -> Result<IntegrationGroup, GroupError> {
        let mut errors = ValidationErrors::default();
        if let Some(name) = &input.name {
            check_name(name, &mut errors);
        }
        let members = match &input.integration_ids {
            Some(ids) => Some(self.check_members(org, ids, &mut errors).await?),
            None => None,
        };
        // Validated against the stored strategy below, once it is read.
        let mut checked_once = false;
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.get(org, id).await?;
            let strategy = input.strategy.unwrap_or(current.strategy);
            let mut bound_errors = ValidationErrors::default();
            let failover = failover_bounds(
                strategy,
                current.failover,
                input.failover,
                &mut bound_errors,
            );
            if !checked_once {
                errors.extend(bound_errors);
                std::mem::take(&mut errors).into_result()?;
                checked_once = true;
            }
            if input.expected_version.is_some_and(|v| v != current.version) {
                return Err(GroupError::PreconditionFailed);
            }
            let mut next = current.clone();
            if let Some(name) = &input.name {
                next.name = name.trim().to_string();
            }
            next.strategy = strategy;
            if let Some(m) = &members {
                next.members = m.clone();
            }
            next.failover = failover;
            if next == current {
                return Ok(current);
            }
            next.version = current.version + 1;
            next.updated_at = now();
            match self.groups.update_group(&next, current.version).await {
                Ok(WriteOutcome::Done(g)) => return Ok(g),
                Ok(WriteOutcome::NotFound) => return Err(GroupError::NotFound),
                Ok(WriteOutcome::VersionMismatch) if input.expected_version.is_some() => {
                    return Err(GroupError::PreconditionFailed);
                }
                Ok(WriteOutcome::VersionMismatch) => continue,
                Err(StoreError::Reference(_)) => return Err(member_vanished()),
                Err(e) => return Err(e.into()),
            }
        }
        Err(GroupError::Conflict(
            "the group is being changed by other requests; try again".into(),
        ))
    }

    /// Delete a group; its sends and their deliveries stay readable.
    pub async fn delete(
        &self,
        org: &OrgId,
        id: &GroupId,
        expected_version: Option<i64>,
    ) -> Result<(), GroupError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.get(org, id).await?;
            if expected_version.is_some_and(|v| v != current.version) {
                return Err(GroupError::PreconditionFailed);
            }
            match self
                .groups
                .delete_group(org, id, Some(current.version))
                .await?
            {
                WriteOutcome::Done(()) => return Ok(()),
                WriteOutcome::NotFound => return Err(GroupError::NotFound),
                WriteOutcome::VersionMismatch if expected_version.is_some() => {
                    return Err(GroupError::PreconditionFailed);
                }
                WriteOutcome::VersionMismatch => continue,
            }
        }
        Err(GroupError::Conflict(
            "the group is being changed by other requests; try again".into(),
        ))
    }

    /// Accept a message for the group: every member that may carry it must
    /// be able to (checked before anything is queued), then one transaction
    /// writes the send, its route and its first deliveries.
    pub async fn send(
        &self,
        org: &OrgId,
        id: &GroupId,
        message: Message,
        idempotency_key: Option<String>,
    ) -> Result<AcceptedGroupSend, GroupError> {
        let (group, members) = self.load_for_send(org, id).await?;
        let new = self.prepare_send(&group, &members, message, idempotency_key)?;
        let accepted = Self::answer(self.groups.enqueue_group_send(&new).await?)?;
        if !accepted.replayed {
            self.signal.notify();
        }
        Ok(accepted)
    }

    /// The group and its members, as a send reads them.
    pub async fn load_for_send(
        &self,
        org: &OrgId,
        id: &GroupId,
    ) -> Result<(IntegrationGroup, HashMap<IntegrationId, Integration>), GroupError> {
        let group = self.get(org, id).await?;
        let ids: Vec<(OrgId, IntegrationId)> = group
            .members
            .iter()
            .map(|m| (org.clone(), m.clone()))
            .collect();
        let members = self
            .integrations
            .get_many(&ids)
            .await?
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        Ok((group, members))
    }

    /// The send, route and first deliveries a send to `group` would write,
    /// after every check that needs no write.
    pub fn prepare_send(
        &self,
        group: &IntegrationGroup,
        members: &HashMap<IntegrationId, Integration>,
        message: Message,
        idempotency_key: Option<String>,
    ) -> Result<NewGroupSend, GroupError> {
        let org = &group.org_id;
        check_fits(group, members, &message)?;
        let at = now();
        let send_id = GroupSendId::generate();
        let mut route: Vec<RouteStep> = group
            .members
            .iter()
            .enumerate()
            .map(|(position, member)| RouteStep {
                position: u32::try_from(position).unwrap_or(u32::MAX),
                integration_id: member.clone(),
                kind: members.get(member).map(|i| i.kind),
                state: StepState::Waiting,
                delivery_id: None,
                started_at: None,
                ended_at: None,
                note: None,
                reason: None,
            })
            .collect();
        let mut deliveries = Vec::new();
        match group.strategy {
            Strategy::Failover => {
                let choice = choose(&route, members, at);
                for (position, reason) in &choice.unusable {
                    end_step(&mut route, *position, StepState::Failed, reason, at);
                }
                for (position, note) in &choice.passed_over {
                    if let Some(step) = route.get_mut(*position as usize) {
                        step.note = Some(format!("passed over for now: {note}"));
                    }
                }
                let Some((position, note)) = choice.chosen else {
                    return Err(GroupError::NoUsableMember(reasons(&route)));
                };
                let step = &mut route[position as usize];
                let integration = &members[&step.integration_id];
                let mut d = self.settings.new_delivery(integration, message.clone(), at);
                d.group = Some(GroupLink {
                    send_id: send_id.clone(),
                    handoff: Some(handoff_from(&group.failover, at)),
                });
                start_step(step, &d.id, note, at);
                deliveries.push(d);
            }
            Strategy::Broadcast => {
                for step in &mut route {
                    let integration = members.get(&step.integration_id);
                    if let Some(reason) = unusable(integration) {
                        step.state = StepState::Failed;
                        step.reason = Some(reason);
                        step.ended_at = Some(at);
                        continue;
                    }
                    let Some(integration) = integration else {
                        continue;
                    };
                    let mut d = self.settings.new_delivery(integration, message.clone(), at);
                    d.group = Some(GroupLink {
                        send_id: send_id.clone(),
                        handoff: None,
                    });
                    start_step(step, &d.id, "every member gets the message".into(), at);
                    deliveries.push(d);
                }
                if deliveries.is_empty() {
                    return Err(GroupError::NoUsableMember(reasons(&route)));
                }
            }
        }
        let status = status_of(group.strategy, &route);
        let send = GroupSend {
            id: send_id,
            org_id: org.clone(),
            group_id: group.id.clone(),
            strategy: group.strategy,
            status,
            message: message.clone(),
            route,
            created_at: at,
            updated_at: at,
            completed_at: status.is_final().then_some(at),
        };
        let idempotency = idempotency_key.map(|key| {
            self.settings.idempotency_claim(
                key,
                request_hash(group.id.as_str(), &message),
                false,
                at,
            )
        });
        Ok(NewGroupSend {
            send,
            deliveries,
            idempotency,
        })
    }

    /// What an enqueue's outcome tells the caller: the send and whether it
    /// is a replay, or the key's error.
    pub fn answer(outcome: GroupEnqueueOutcome) -> Result<AcceptedGroupSend, GroupError> {
        match outcome {
            GroupEnqueueOutcome::Created(send) => Ok(AcceptedGroupSend {
                send,
                replayed: false,
            }),
            GroupEnqueueOutcome::Replayed(send) => Ok(AcceptedGroupSend {
                send,
                replayed: true,
            }),
            GroupEnqueueOutcome::KeyReused => Err(GroupError::KeyReused),
            GroupEnqueueOutcome::InProgress => Err(GroupError::InProgress),
        }
    }

    /// A send of this group, with its route.
    pub async fn get_send(
        &self,
        org: &OrgId,
        group: &GroupId,
        id: &GroupSendId,
    ) -> Result<GroupSend, GroupError> {
        match self.groups.get_group_send(org, id).await? {
            Some(send) if &send.group_id == group => Ok(send),
            _ => Err(GroupError::SendNotFound),
        }
    }

    /// Members as the request names them: 1 to [`MAX_MEMBERS`] distinct
    /// integrations of the organization whose types can send, each problem
    /// on its place (`integrationIds[2]`).
    async fn check_members(
        &self,
        org: &OrgId,
        raw: &[String],
        errors: &mut ValidationErrors,
    ) -> Result<Vec<IntegrationId>, GroupError> {
        if raw.is_empty() || raw.len() > MAX_MEMBERS {
            errors.push(
                "integrationIds",
                format!("must list 1 to {MAX_MEMBERS} integrations"),
            );
            return Ok(Vec::new());
        }
        let mut ids: Vec<IntegrationId> = Vec::with_capacity(raw.len());
        let mut places: Vec<usize> = Vec::with_capacity(raw.len());
        for (i, s) in raw.iter().enumerate() {
            let field = format!("integrationIds[{i}]");
            match s.parse::<IntegrationId>() {
                Err(_) => errors.push(field, "is not an integration id (`int_…`)"),
                Ok(id) => match ids.iter().position(|known| *known == id) {
                    Some(j) => errors.push(
                        field,
                        format!("repeats integrationIds[{}]: each member once", places[j]),
                    ),
                    None => {
                        ids.push(id);
                        places.push(i);
                    }
                },
            }
        }
        let wanted: Vec<(OrgId, IntegrationId)> =
            ids.iter().map(|id| (org.clone(), id.clone())).collect();
        let found: HashMap<IntegrationId, Integration> = self
            .integrations
            .get_many(&wanted)
            .await?
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        for (id, place) in ids.iter().zip(&places) {
            let field = format!("integrationIds[{place}]");
            match found.get(id) {
                None => errors.push(field, "no such integration"),
                Some(i) if !i.kind.spec().capabilities.send => errors.push(
                    field,
                    format!(
                        "integrations of type `{}` cannot send messages",
                        i.kind.slug()
                    ),
                ),
                Some(_) => {}
            }
        }
        Ok(ids)
    }
}

/// The bounds a group gets: only a failover group has them.
fn failover_bounds(
    strategy: Strategy,
    current: FailoverBounds,
    input: Option<FailoverInput>,
    errors: &mut ValidationErrors,
) -> FailoverBounds {
    let Some(input) = input else {
        return current;
    };
    if strategy != Strategy::Failover {
        errors.push("failover", "applies to the failover strategy only");
        return current;
    }
    let mut bounds = current;
    if let Some(n) = input.attempts {
        if (1..=FailoverBounds::MAX_ATTEMPTS).contains(&n) {
            bounds.attempts = n;
        } else {
            errors.push(
                "failover.attempts",
                format!("must be between 1 and {}", FailoverBounds::MAX_ATTEMPTS),
            );
        }
    }
    if let Some(secs) = input.after_secs {
        let after = Duration::from_secs(secs);
        if (FailoverBounds::MIN_AFTER..=FailoverBounds::MAX_AFTER).contains(&after) {
            bounds.after = after;
        } else {
            errors.push(
                "failover.afterSecs",
                format!(
                    "must be between {} and {}",
                    FailoverBounds::MIN_AFTER.as_secs(),
                    FailoverBounds::MAX_AFTER.as_secs()
                ),
            );
        }
    }
    bounds
}

/// A member's bounds when the message is handed to it at `at`.
pub fn handoff_from(bounds: &FailoverBounds, at: DateTime<Utc>) -> Handoff {
    Handoff {
        after_attempts: i64::from(bounds.attempts.max(1)),
        at: at + TimeDelta::from_std(bounds.after).unwrap_or(TimeDelta::seconds(30)),
    }
}

/// Every member that may carry the message must be able to: a problem is
/// reported on the message's field, naming the member.
fn check_fits(
    group: &IntegrationGroup,
    members: &HashMap<IntegrationId, Integration>,
    message: &Message,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    for (position, id) in group.members.iter().enumerate() {
        let Some(integration) = members.get(id) else {
            continue;
        };
        if unusable(Some(integration)).is_some() {
            continue;
        }
        if let Err(problems) = check_member_message(integration.kind, message) {
            for p in problems.0 {
                errors.push(
                    p.field,
                    format!(
                        "{} (member {} of the group: {}, `{}`)",
                        p.message,
                        position + 1,
                        id,
                        integration.kind.slug()
                    ),
                );
            }
        }
    }
    errors.into_result()
}

fn start_step(
    step: &mut RouteStep,
    delivery: &crate::ids::DeliveryId,
    note: String,
    at: DateTime<Utc>,
) {
    step.state = StepState::Sending;
    step.delivery_id = Some(delivery.clone());
    step.started_at = Some(at);
    step.note = Some(note);
}

fn end_step(
    route: &mut [RouteStep],
    position: u32,
    state: StepState,
    reason: &str,
    at: DateTime<Utc>,
) {
    if let Some(step) = route.get_mut(position as usize) {
        step.state = state;
        step.reason = Some(reason.to_string());
        step.ended_at = Some(at);
    }
}

/// Each member's reason, for a send no member can carry.
fn reasons(route: &[RouteStep]) -> String {
    route
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s.integration_id,
                s.reason.as_deref().unwrap_or("cannot send")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn member_vanished() -> GroupError {
    let mut errors = ValidationErrors::default();
    errors.push(
        "integrationIds",
        "an integration was deleted while the group was being saved",
    );
    GroupError::Invalid(errors)
}
