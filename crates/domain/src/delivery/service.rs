//! The send use cases: accept a message (optionally waiting for its first
//! attempt), read, list and retry deliveries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use super::message::{check_message, request_hash};
use super::model::{
    Attempt, Delivery, DeliveryListQuery, DeliveryStatus, EnqueueOutcome, IdempotencyClaim,
    NewDelivery,
};
use super::retry::RetryPolicy;
use super::store::{DeliveryStore, QueueSignal};
use crate::error::StoreError;
use crate::health::Health;
use crate::ids::{DeliveryId, GroupSendId, IntegrationId, OrgId};
use crate::model::{Integration, Status};
use crate::provider::Message;
use crate::store::IntegrationStore;
use crate::validation::ValidationErrors;

/// Knobs of the send use cases.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub retry: RetryPolicy,
    /// How long an idempotency key is remembered (at least 24 h).
    pub idempotency_ttl: Duration,
    /// How long a `?wait=true` request waits for the first attempt.
    pub max_wait: Duration,
}

impl DeliverySettings {
    /// A fresh delivery of `message` through `integration`, due now, with
    /// the whole retry budget and window.
    pub fn new_delivery(
        &self,
        integration: &Integration,
        message: Message,
        at: DateTime<Utc>,
    ) -> Delivery {
        let window = TimeDelta::from_std(self.retry.window).unwrap_or(TimeDelta::days(1));
        Delivery {
            id: DeliveryId::generate(),
            org_id: integration.org_id.clone(),
            integration_id: integration.id.clone(),
            kind: integration.kind,
            message,
            status: DeliveryStatus::Queued,
            attempts: 0,
            max_attempts: self.retry.max_attempts.max(1),
            next_attempt_at: at,
            deadline_at: at + window,
            last_error: None,
            last_code: None,
            provider_message_id: None,
            group: None,
            created_at: at,
            updated_at: at,
            completed_at: None,
        }
    }

    /// How an `Idempotency-Key` is stored: remembered for the TTL; with
    /// `wait`, a repeat is told the first is in progress until it answered
    /// (or for the wait bound and a margin).
    pub fn idempotency_claim(
        &self,
        key: String,
        request_hash: String,
        wait: bool,
        at: DateTime<Utc>,
    ) -> IdempotencyClaim {
        let ttl = TimeDelta::from_std(self.idempotency_ttl.max(Duration::from_secs(1)))
            .unwrap_or(TimeDelta::days(1));
        let wait_bound = TimeDelta::from_std(self.max_wait + Duration::from_secs(5))
            .unwrap_or(TimeDelta::seconds(15));
        IdempotencyClaim {
            key,
            request_hash,
            completes_later: wait,
            in_progress_until: at + wait_bound,
            expires_at: at + ttl,
        }
    }
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            idempotency_ttl: Duration::from_secs(24 * 3600),
            max_wait: Duration::from_secs(10),
        }
    }
}

/// What a send use case can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// No such integration in this organization.
    #[error("no such integration")]
    IntegrationNotFound,
    /// No such delivery in this organization (or its integration is gone).
    #[error("no such delivery")]
    DeliveryNotFound,
    #[error("the integration is inactive")]
    Inactive,
    #[error("integrations of type `{0}` cannot send messages")]
    CannotSend(&'static str),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("the idempotency key was used with a different request")]
    KeyReused,
    #[error("a request with this idempotency key is still being processed")]
    InProgress,
    #[error("only a failed delivery can be retried (this one is {0})")]
    NotRetryable(&'static str),
    /// A group send's member delivery is retried by its group's rules, not
    /// by hand (a failover group has moved on; a broadcast's other
    /// members would not be counted again).
    #[error("the delivery belongs to group send {0}")]
    InGroupSend(GroupSendId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The answer to an accepted send.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The delivery as accepted, or as the wait for its first attempt left it.
    pub delivery: Delivery,
    /// The key matched an earlier request: nothing new was created.
    pub replayed: bool,
    pub health: Health,
    /// The first attempt, when the send waited and saw it end.
    pub first_attempt: Option<Attempt>,
}

/// How long a waiting send sleeps between looks at its delivery.
const WAIT_POLL: Duration = Duration::from_millis(25);

/// A delivery with its attempts.
#[derive(Debug, Clone)]
pub struct DeliveryReport {
    pub delivery: Delivery,
    pub attempts: Vec<Attempt>,
}

#[derive(Clone)]
pub struct DeliveryService {
    integrations: Arc<dyn IntegrationStore>,
    store: Arc<dyn DeliveryStore>,
    signal: Arc<dyn QueueSignal>,
    settings: DeliverySettings,
}

impl DeliveryService {
    pub fn new(
        integrations: Arc<dyn IntegrationStore>,
        store: Arc<dyn DeliveryStore>,
        signal: Arc<dyn QueueSignal>,
        settings: DeliverySettings,
    ) -> Self {
        Self {
            integrations,
            store,
            signal,
            settings,
        }
    }

    pub fn settings(&self) -> &DeliverySettings {
        &self.settings
    }

    pub fn store(&self) -> &Arc<dyn DeliveryStore> {
        &self.store
    }

    /// Accept a message for delivery: checks, then one transaction writes
    /// the delivery (and the idempotency key). With `wait`, the answer
    /// waits (up to the settings' `max_wait`) for the first attempt to end,
    /// and only then is the idempotency key marked answered: until then a
    /// repeat with the same key is told the first is still in progress.
    pub async fn send(
        &self,
        org: &OrgId,
        integration_id: &IntegrationId,
        message: Message,
        idempotency_key: Option<String>,
        wait: bool,
    ) -> Result<Accepted, DeliveryError> {
        let key = idempotency_key.clone();
        let mut accepted = self
            .accept(org, integration_id, message, idempotency_key, wait)
            .await?;
        if wait && !accepted.replayed {
            let (delivery, first_attempt) = self.first_attempt(org, &accepted.delivery).await?;
            accepted.delivery = delivery;
            accepted.first_attempt = first_attempt;
            if let Some(key) = &key {
                self.store.complete_idempotency(org, key).await?;
            }
        }
        Ok(accepted)
    }

    /// The delivery once its first attempt ended (with that attempt), or as
    /// it stands when the wait bound runs out.
    async fn first_attempt(
        &self,
        org: &OrgId,
        accepted: &Delivery,
    ) -> Result<(Delivery, Option<Attempt>), DeliveryError> {
        let bound = self.settings.max_wait;
        let started = Instant::now();
        let mut current = accepted.clone();
        while started.elapsed() < bound {
            tokio::time::sleep(WAIT_POLL).await;
            let report = self.get(org, &current.id).await?;
            // The row's own count, not the attempts list: the row and its
            // attempts are written in one transaction but read in two
            // queries (row first), so a counted attempt is always listed.
            if report.delivery.attempts > 0 || report.delivery.status.is_final() {
                let first = report.attempts.into_iter().next();
                return Ok((report.delivery, first));
            }
            current = report.delivery;
        }
        Ok((current, None))
    }

    async fn accept(
        &self,
        org: &OrgId,
        integration_id: &IntegrationId,
        message: Message,
        idempotency_key: Option<String>,
        wait: bool,
    ) -> Result<Accepted, DeliveryError> {
        let integration = self
            .integrations
            .get(org, integration_id)
            .await?
            .ok_or(DeliveryError::IntegrationNotFound)?;
        let new = self.prepare(&integration, message, idempotency_key, wait)?;
        let (delivery, replayed) = Self::answer(self.store.enqueue(&new).await?)?;
        if !replayed {
            self.signal.notify();
        }
        Ok(Accepted {
            delivery,
            replayed,
            health: integration.health(),
            first_attempt: None,
        })
    }

    /// The delivery a send would write, after every check that needs no
    /// write: the type can send, the integration is active, the message
    /// fits the type.
    pub fn prepare(
        &self,
        integration: &Integration,
        message: Message,
        idempotency_key: Option<String>,
        wait: bool,
    ) -> Result<NewDelivery, DeliveryError> {
        if !integration.kind.spec().capabilities.send {
            return Err(DeliveryError::CannotSend(integration.kind.slug()));
        }
        if integration.status != Status::Active {
            return Err(DeliveryError::Inactive);
        }
        check_message(integration.kind, &message)?;
        let at = crate::service::now();
        let idempotency = idempotency_key.map(|key| {
            self.settings.idempotency_claim(
                key,
                request_hash(integration.id.as_str(), &message),
                wait,
                at,
            )
        });
        let delivery = self.settings.new_delivery(integration, message, at);
        Ok(NewDelivery {
            delivery,
            idempotency,
        })
    }

    /// What an enqueue's outcome tells the caller: the delivery and whether
    /// it is a replay, or the key's error.
    pub fn answer(outcome: EnqueueOutcome) -> Result<(Delivery, bool), DeliveryError> {
        match outcome {
            EnqueueOutcome::Created(d) => Ok((d, false)),
            EnqueueOutcome::Replayed(d) => Ok((d, true)),
            EnqueueOutcome::KeyReused => Err(DeliveryError::KeyReused),
            EnqueueOutcome::InProgress => Err(DeliveryError::InProgress),
        }
    }

    /// The integrations the sends read.
    pub fn integrations(&self) -> &Arc<dyn IntegrationStore> {
        &self.integrations
    }

    /// The signal that wakes the workers after an enqueue.
    pub fn signal(&self) -> &Arc<dyn QueueSignal> {
        &self.signal
    }

    pub async fn get(&self, org: &OrgId, id: &DeliveryId) -> Result<DeliveryReport, DeliveryError> {
        let delivery = self
            .store
            .get(org, id)
            .await?
            .ok_or(DeliveryError::DeliveryNotFound)?;
        let attempts = self.store.attempts(org, id).await?;
        Ok(DeliveryReport { delivery, attempts })
    }

    /// A page of an integration's deliveries, newest first; the cursor is
    /// the last id of the page when another page exists.
    pub async fn list(
        &self,
        org: &OrgId,
        integration_id: &IntegrationId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<(Vec<Delivery>, Option<String>), DeliveryError> {
        self.integrations
            .get(org, integration_id)
            .await?
            .ok_or(DeliveryError::IntegrationNotFound)?;
        let mut items = self
            .store
            .list(
                org,
                integration_id,
                &DeliveryListQuery {
                    before,
                    limit: limit + 1,
                },
            )
            .await?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|d| d.id.to_string())
        } else {
            None
        };
        Ok((items, next))
    }

    /// Queue a failed delivery again with a fresh retry budget and window.
    pub async fn retry(&self, org: &OrgId, id: &DeliveryId) -> Result<Delivery, DeliveryError> {
        let current = self
            .store
            .get(org, id)
            .await?
            .ok_or(DeliveryError::DeliveryNotFound)?;
        if current.status != DeliveryStatus::Failed {
            return Err(DeliveryError::NotRetryable(current.status.as_str()));
        }
        if let Some(link) = current.group {
            return Err(DeliveryError::InGroupSend(link.send_id));
        }
        let integration = self
            .integrations
            .get(org, &current.integration_id)
            .await?
            .ok_or(DeliveryError::DeliveryNotFound)?;
        if integration.status != Status::Active {
            return Err(DeliveryError::Inactive);
        }
        let now = crate::service::now();
        let window = TimeDelta::from_std(self.settings.retry.window).unwrap_or(TimeDelta::days(1));
        match self
            .store
            .retry_failed(
                org,
                id,
                now,
                now + window,
                current.attempts + self.settings.retry.max_attempts.max(1),
            )
            .await?
        {
            Some(d) => {
                self.signal.notify();
                Ok(d)
            }
            // Changed meanwhile (another retry won).
            None => Err(DeliveryError::NotRetryable("no longer failed")),
        }
    }
}
