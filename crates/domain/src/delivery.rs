//! Message delivery: the outbox model, the `DeliveryStore` contract, the
//! retry policy, pacing rules, integration health and the send use cases.
//!
//! Everything here is pure (no clock, no timer, no database): the worker in
//! `patchbay-delivery` supplies time and randomness, storage implements the
//! store, and the API maps HTTP onto [`DeliveryService`].
//!
//! Guarantees (see docs/delivery.md): a delivery accepted with 202 is a row
//! in the same database as the integration, written before the answer; it is
//! attempted at least once per claim, retried with exponential backoff and
//! jitter, never sooner than a provider's hint, and stops at once on a
//! permanent outcome.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalogue::{Category, IntegrationType};
use crate::ids::{DeliveryId, IntegrationId, OrgId};
use crate::model::Status;
use crate::provider::{Message, PermanentKind, SendOutcome};
use crate::store::{IntegrationStore, StoreError};
use crate::validation::ValidationErrors;

// ---------------------------------------------------------------- model

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (the first, or a retry).
    Queued,
    /// Claimed by a worker: an attempt is under way (under a lease).
    Sending,
    Delivered,
    /// Stopped: a permanent outcome, or retries exhausted.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(DeliveryStatus::Queued),
            "sending" => Some(DeliveryStatus::Sending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, DeliveryStatus::Delivered | DeliveryStatus::Failed)
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptOutcome {
    Delivered,
    Retryable,
    Permanent,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retryable => "retryable",
            AttemptOutcome::Permanent => "permanent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "delivered" => Some(AttemptOutcome::Delivered),
            "retryable" => Some(AttemptOutcome::Retryable),
            "permanent" => Some(AttemptOutcome::Permanent),
            _ => None,
        }
    }
}

/// One queued message and its state.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: DeliveryId,
    pub org_id: OrgId,
    pub integration_id: IntegrationId,
    pub kind: IntegrationType,
    pub message: Message,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    pub max_attempts: i64,
    /// When the next attempt is due (meaningful while queued).
    pub next_attempt_at: DateTime<Utc>,
    /// No retry is scheduled after this time.
    pub deadline_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub last_code: Option<String>,
    pub provider_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub number: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// `success`, `rate_limited`, `server_error`, `network`, `redirect`,
    /// `auth`, `gone`, `rejected`, `unsupported`: see [`status_class`].
    pub status_class: String,
    pub latency_ms: i64,
    pub provider_message_id: Option<String>,
    pub error: Option<String>,
    pub code: Option<String>,
    /// The provider's hint, when it gave one.
    pub retry_after_ms: Option<i64>,
    /// When the next attempt was scheduled, after a retryable outcome.
    pub retry_at: Option<DateTime<Utc>>,
}

/// The provider status class of an outcome: a coarse, provider-neutral
/// category (the providers map HTTP statuses and API error codes to
/// outcomes; this keeps what an operator needs to tell them apart).
pub fn status_class(outcome: &SendOutcome) -> &'static str {
    match outcome {
        SendOutcome::Delivered { .. } => "success",
        SendOutcome::Retryable {
            retry_after,
            reason,
        } => {
            let r = reason.to_ascii_lowercase();
            if retry_after.is_some() || r.contains("rate limit") || r.contains("429") {
                "rate_limited"
            } else if r.contains("server error") {
                "server_error"
            } else {
                "network"
            }
        }
        SendOutcome::Permanent { kind, code, .. } => {
            if code.as_deref() == Some("redirect") {
                return "redirect";
            }
            match kind {
                PermanentKind::Credential => "auth",
                PermanentKind::Gone => "gone",
                PermanentKind::Message => "rejected",
                PermanentKind::Unsupported => "unsupported",
            }
        }
    }
}

/// What a new delivery is made of.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub delivery: Delivery,
    pub idempotency: Option<IdempotencyClaim>,
}

/// An `Idempotency-Key` as stored: scoped to the organization.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub key: String,
    /// SHA-256 (hex) of what the request asked for.
    pub request_hash: String,
    /// The request is answered when its first attempt ends (`?wait=true`):
    /// until then a repeat is told the first is still in progress.
    pub completes_later: bool,
    /// A repeat is "in progress" no longer than this after the first.
    pub in_progress_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The answer of [`DeliveryStore::enqueue`].
#[derive(Debug, Clone)]
pub enum EnqueueOutcome {
    Created(Delivery),
    /// The key was used before with the same request: its delivery.
    Replayed(Delivery),
    /// The key was used before with another request.
    KeyReused,
    /// The first request with this key has not been answered yet.
    InProgress,
}

/// A delivery a worker holds under a lease.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub lease_until: DateTime<Utc>,
}

/// The answer to a send-slot reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendSlot {
    /// Reserved: send at `at` (now or soon).
    Reserved { at: DateTime<Utc> },
    /// The next free slot is at `at`, too far to wait for: nothing reserved.
    Later { at: DateTime<Utc> },
}

/// What to write after an attempt.
#[derive(Debug, Clone)]
pub enum AttemptNext {
    Delivered { provider_message_id: Option<String> },
    Retry { at: DateTime<Utc> },
    Failed,
}

/// An integration's health as deliveries and scheduled re-tests see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthState {
    Healthy,
    Unhealthy,
    Unknown,
}

impl HealthState {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Unhealthy => "unhealthy",
            HealthState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "healthy" => Some(HealthState::Healthy),
            "unhealthy" => Some(HealthState::Unhealthy),
            "unknown" => Some(HealthState::Unknown),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub state: HealthState,
    pub reason: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
}

impl Health {
    pub fn unknown() -> Self {
        Self {
            state: HealthState::Unknown,
            reason: None,
            changed_at: None,
        }
    }
}

/// An integration's health: the newer of its last credential test and the
/// last health event recorded by deliveries.
pub fn combine_health(
    last_test: Option<&crate::model::TestResult>,
    recorded: Option<&Health>,
) -> Health {
    let from_test = last_test.map(|t| Health {
        state: if t.success {
            HealthState::Healthy
        } else {
            HealthState::Unhealthy
        },
        reason: Some(if t.success {
            "the last credential test succeeded".to_string()
        } else {
            format!("the last credential test failed: {}", t.message)
        }),
        changed_at: Some(t.tested_at),
    });
    match (from_test, recorded.cloned()) {
        (Some(t), Some(r)) => {
            if r.changed_at >= t.changed_at {
                r
            } else {
                t
            }
        }
        (Some(t), None) => t,
        (None, Some(r)) => r,
        (None, None) => Health::unknown(),
    }
}

/// A page of one integration's deliveries, newest first.
#[derive(Debug, Clone, Default)]
pub struct DeliveryListQuery {
    /// The last id of the previous page.
    pub before: Option<DeliveryId>,
    pub limit: u32,
}

// ---------------------------------------------------------------- store

#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// Write the delivery (and its idempotency key) in one transaction.
    async fn enqueue(&self, new: &NewDelivery) -> Result<EnqueueOutcome, StoreError>;

    /// Mark an idempotency key's first request answered.
    async fn complete_idempotency(&self, org: &OrgId, key: &str) -> Result<(), StoreError>;

    async fn get(&self, org: &OrgId, id: &DeliveryId) -> Result<Option<Delivery>, StoreError>;

    async fn attempts(&self, org: &OrgId, id: &DeliveryId) -> Result<Vec<Attempt>, StoreError>;

    async fn list(
        &self,
        org: &OrgId,
        integration: &IntegrationId,
        query: &DeliveryListQuery,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Claim up to `limit` due deliveries (queued and due, or sending with an
    /// expired lease) for `owner` until `lease_until`. Safe with several
    /// workers and processes: a row is claimed by one of them.
    async fn claim(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError>;

    /// Record an attempt and write the delivery's next state, if `owner`
    /// still holds the lease (false otherwise: the attempt is recorded, the
    /// state is left to the new owner).
    async fn finish_attempt(
        &self,
        id: &DeliveryId,
        owner: &str,
        attempt: &Attempt,
        next: &AttemptNext,
    ) -> Result<bool, StoreError>;

    /// Put a claimed delivery back without an attempt (pacing, shutdown).
    async fn release(
        &self,
        id: &DeliveryId,
        owner: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Release every lease `owner` holds (graceful shutdown).
    async fn release_all(&self, owner: &str, at: DateTime<Utc>) -> Result<u64, StoreError>;

    /// A failed delivery queued again with a fresh retry budget.
    async fn retry_failed(
        &self,
        org: &OrgId,
        id: &DeliveryId,
        now: DateTime<Utc>,
        deadline_at: DateTime<Utc>,
        max_attempts: i64,
    ) -> Result<Option<Delivery>, StoreError>;

    /// Record an integration's health (read back on the integration as
    /// `recorded_health`); does not change its version.
    async fn set_health(
        &self,
        org: &OrgId,
        integration: &IntegrationId,
        health: &Health,
    ) -> Result<(), StoreError>;

    /// Reserve the integration's next send slot, shared by every worker on
    /// the database: the slot starts at the latest of `now`, the end of the
    /// previous slot and any hold, and the slot after it `interval` later.
    /// Nothing is reserved when the slot is more than `max_wait` away.
    async fn reserve_send_slot(
        &self,
        integration: &IntegrationId,
        now: DateTime<Utc>,
        interval: Duration,
        max_wait: Duration,
    ) -> Result<SendSlot, StoreError>;

    /// No send through the integration starts before `until` (a provider's
    /// rate-limit hint); an existing later hold stays.
    async fn hold_sends(
        &self,
        integration: &IntegrationId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The integration's current hold, if any (see [`Self::hold_sends`]).
    async fn send_hold(
        &self,
        integration: &IntegrationId,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Queued or sending deliveries, by type slug.
    async fn queue_depth(&self) -> Result<Vec<(String, i64)>, StoreError>;

    /// Delete idempotency keys that expired before `now`.
    async fn purge_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Active integrations whose last test is older than `tested_before`
    /// (or never ran), at most `limit`, oldest first.
    async fn due_for_retest(
        &self,
        tested_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<(OrgId, IntegrationId)>, StoreError>;
}

/// Wakes the workers when a delivery is enqueued, so the first attempt does
/// not wait for the next poll.
pub trait QueueSignal: Send + Sync {
    fn notify(&self);
}

/// A signal that wakes nobody (workers poll).
pub struct NoSignal;

impl QueueSignal for NoSignal {
    fn notify(&self) {}
}

// ---------------------------------------------------------------- retry policy

/// Exponential backoff with jitter, bounded by attempts and a window.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the second attempt (before jitter).
    pub base: Duration,
    /// Each further retry waits this many times longer.
    pub factor: f64,
    /// Largest computed delay (a provider's hint may exceed it).
    pub max_delay: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: i64,
    /// No retry is scheduled later than this after acceptance.
    pub window: Duration,
    /// Each delay is multiplied by a random factor in `[1 - jitter, 1 + jitter]`.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            factor: 2.0,
            max_delay: Duration::from_secs(3600),
            max_attempts: 12,
            window: Duration::from_secs(24 * 3600),
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// The delay after attempt `n` (1-based) failed, before jitter.
    pub fn backoff(&self, n: i64) -> Duration {
        let exp = i32::try_from(n.saturating_sub(1).clamp(0, 60)).unwrap_or(60);
        let secs = self.base.as_secs_f64() * self.factor.max(1.0).powi(exp);
        let capped = secs.min(self.max_delay.as_secs_f64());
        Duration::from_secs_f64(capped.max(0.0))
    }

    /// The delay after attempt `n` failed, jittered by `unit` (a random
    /// number in `[0, 1)`), and never shorter than the provider's hint.
    pub fn delay(&self, n: i64, unit: f64, hint: Option<Duration>) -> Duration {
        let j = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + j * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        let jittered = Duration::from_secs_f64((self.backoff(n).as_secs_f64() * factor).max(0.0));
        match hint {
            Some(h) if h > jittered => h,
            _ => jittered,
        }
    }

    /// Decide what follows attempt number `n` of a delivery whose retry
    /// window ends at `deadline`.
    pub fn next(
        &self,
        outcome: &SendOutcome,
        n: i64,
        now: DateTime<Utc>,
        deadline: DateTime<Utc>,
        unit: f64,
    ) -> AttemptNext {
        match outcome {
            SendOutcome::Delivered {
                provider_message_id,
                ..
            } => AttemptNext::Delivered {
                provider_message_id: provider_message_id.clone(),
            },
            SendOutcome::Permanent { .. } => AttemptNext::Failed,
            SendOutcome::Retryable { retry_after, .. } => {
                if n >= self.max_attempts {
                    return AttemptNext::Failed;
                }
                let delay = self.delay(n, unit, *retry_after);
                let at = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX);
                // A hint is never undercut: if honouring it leaves the
                // window, the delivery fails rather than retrying early.
                if at > deadline {
                    AttemptNext::Failed
                } else {
                    AttemptNext::Retry { at }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- pacing

/// The least time between two sends through one integration, within each
/// provider's published rate, so a burst is queued rather than rejected.
/// An integration targets one channel, chat or endpoint, so per integration
/// is per channel. `None`: no pacing beyond what the provider answers.
pub fn pacing_interval(kind: IntegrationType) -> Option<Duration> {
    match kind {
        // About one message per second per channel / chat.
        IntegrationType::Slack | IntegrationType::Telegram => Some(Duration::from_millis(1000)),
        // Webhooks allow 5 requests per 2 s per webhook; the 429 answer and
        // its `retry_after` govern beyond that.
        IntegrationType::Discord => Some(Duration::from_millis(400)),
        // Resend's default is 2 requests per second per team.
        IntegrationType::Resend => Some(Duration::from_millis(500)),
        _ => None,
    }
}

/// This process's last actual send start per integration. Slots are
/// reserved in the store (shared by every worker); sends that slept for
/// neighbouring slots can still wake close together, so each start is also
/// checked against the previous start here.
#[derive(Debug, Default)]
pub struct Pacer {
    last_start: HashMap<IntegrationId, Instant>,
}

impl Pacer {
    pub fn new() -> Self {
        Self::default()
    }

    /// A send through `id` starts at `now` if at least `interval` passed
    /// since the last start; otherwise `Err(how long to wait)`.
    pub fn start(
        &mut self,
        id: &IntegrationId,
        interval: Duration,
        now: Instant,
    ) -> Result<(), Duration> {
        if let Some(last) = self.last_start.get(id) {
            let due = *last + interval;
            if now < due {
                return Err(due - now);
            }
        }
        self.last_start.insert(id.clone(), now);
        Ok(())
    }

    /// Forget starts long past.
    pub fn prune(&mut self, now: Instant) {
        let keep = Duration::from_secs(60);
        self.last_start.retain(|_, t| *t + keep > now);
    }
}

// ---------------------------------------------------------------- validation

/// Longest text each chat service takes (Patchbay never truncates).
const DISCORD_MAX: usize = 2000;
const TELEGRAM_MAX: usize = 4096;
const SLACK_MAX: usize = 40_000;
const MAX_RECIPIENTS: usize = 50;

/// Whether `kind` can carry `message`: field paths as the send request
/// names them.
pub fn check_message(kind: IntegrationType, message: &Message) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let present = |s: &Option<String>| s.as_deref().is_some_and(|v| !v.trim().is_empty());
    let chat_text_len = || {
        let s = message.subject.as_deref().unwrap_or("").trim();
        let t = message.text.as_deref().unwrap_or("");
        match (s.is_empty(), t.trim().is_empty()) {
            (false, false) => s.chars().count() + 2 + t.chars().count(),
            (false, true) => s.chars().count(),
            (true, _) => t.chars().count(),
        }
    };
    match kind.spec().category {
        Category::Chat => {
            if !present(&message.text) && !present(&message.subject) {
                errors.push("text", format!("is required for `{}`", kind.slug()));
            } else {
                let max = match kind {
                    IntegrationType::Discord => DISCORD_MAX,
                    IntegrationType::Telegram => TELEGRAM_MAX,
                    _ => SLACK_MAX,
                };
                let len = chat_text_len();
                if len > max {
                    errors.push(
                        "text",
                        format!(
                            "is {len} characters with the subject; `{}` accepts at most {max}",
                            kind.slug()
                        ),
                    );
                }
            }
            if !message.to.is_empty() {
                errors.push("to", format!("is not used by `{}`", kind.slug()));
            }
        }
        Category::Email => {
            if message.to.is_empty() {
                errors.push("to", "is required for email: at least one recipient");
            } else if message.to.len() > MAX_RECIPIENTS {
                errors.push("to", format!("has more than {MAX_RECIPIENTS} recipients"));
            }
            for (i, to) in message.to.iter().enumerate() {
                if !looks_like_email(to) {
                    errors.push(format!("to[{i}]"), "is not an email address");
                }
            }
            if !present(&message.subject) {
                errors.push("subject", "is required for email");
            }
            if !present(&message.text) && !present(&message.html) {
                errors.push("text", "or `html` is required for email");
            }
        }
        Category::Webhook => {
            if message.data.is_none()
                && !present(&message.text)
                && !present(&message.subject)
                && !present(&message.html)
            {
                errors.push("data", "is required for webhooks (or give `text`)");
            }
            if !message.to.is_empty() {
                errors.push("to", "is not used by webhooks");
            }
        }
        Category::Ai => {
            if !present(&message.text) {
                errors.push("text", "is required: it is the prompt");
            }
        }
        Category::Web3 => {}
    }
    if let Some(t) = &message.event_type
        && (t.is_empty()
            || t.len() > 200
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c)))
    {
        errors.push(
            "eventType",
            "must be 1-200 characters of letters, digits and . _ - : /",
        );
    }
    errors.into_result()
}

/// `addr@domain` or `Name <addr@domain>`: a shape check; the provider has
/// the last word.
fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    match addr.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !addr
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
        }
        None => false,
    }
}

/// The fingerprint of a send request, for idempotency: same integration and
/// same message give the same hash.
pub fn request_hash(integration: &IntegrationId, message: &Message) -> String {
    let mut h = Sha256::new();
    h.update(integration.as_str().as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(message).unwrap_or_default());
    hex::encode(h.finalize())
}

// ---------------------------------------------------------------- use cases

/// Knobs of the send use cases.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub retry: RetryPolicy,
    /// How long an idempotency key is remembered (at least 24 h).
    pub idempotency_ttl: Duration,
    /// How long a `?wait=true` request waits for the first attempt.
    pub max_wait: Duration,
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
    /// No such integration (or delivery) in this organization.
    #[error("not found")]
    NotFound,
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
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The answer to an accepted send.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub delivery: Delivery,
    /// The key matched an earlier request: nothing new was created.
    pub replayed: bool,
    pub health: Health,
}

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
    /// the delivery (and the idempotency key). `wait` marks the key as
    /// answered only later, by [`DeliveryService::complete_key`].
    pub async fn send(
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
            .ok_or(DeliveryError::NotFound)?;
        if !integration.kind.spec().capabilities.send {
            return Err(DeliveryError::CannotSend(integration.kind.slug()));
        }
        if integration.status != Status::Active {
            return Err(DeliveryError::Inactive);
        }
        check_message(integration.kind, &message)?;
        let at = crate::service::now();
        let ttl = TimeDelta::from_std(self.settings.idempotency_ttl.max(Duration::from_secs(1)))
            .unwrap_or(TimeDelta::days(1));
        let wait_bound = TimeDelta::from_std(self.settings.max_wait + Duration::from_secs(5))
            .unwrap_or(TimeDelta::seconds(15));
        let idempotency = idempotency_key.map(|key| IdempotencyClaim {
            request_hash: request_hash(integration_id, &message),
            key,
            completes_later: wait,
            in_progress_until: at + wait_bound,
            expires_at: at + ttl,
        });
        let window = TimeDelta::from_std(self.settings.retry.window).unwrap_or(TimeDelta::days(1));
        let delivery = Delivery {
            id: DeliveryId::generate(),
            org_id: org.clone(),
            integration_id: integration_id.clone(),
            kind: integration.kind,
            message,
            status: DeliveryStatus::Queued,
            attempts: 0,
            max_attempts: self.settings.retry.max_attempts.max(1),
            next_attempt_at: at,
            deadline_at: at + window,
            last_error: None,
            last_code: None,
            provider_message_id: None,
            created_at: at,
            updated_at: at,
            completed_at: None,
        };
        let outcome = self
            .store
            .enqueue(&NewDelivery {
                delivery,
                idempotency,
            })
            .await?;
        let (delivery, replayed) = match outcome {
            EnqueueOutcome::Created(d) => {
                self.signal.notify();
                (d, false)
            }
            EnqueueOutcome::Replayed(d) => (d, true),
            EnqueueOutcome::KeyReused => return Err(DeliveryError::KeyReused),
            EnqueueOutcome::InProgress => return Err(DeliveryError::InProgress),
        };
        let health = integration.health();
        Ok(Accepted {
            delivery,
            replayed,
            health,
        })
    }

    /// The first request with this key has been answered.
    pub async fn complete_key(&self, org: &OrgId, key: &str) -> Result<(), DeliveryError> {
        Ok(self.store.complete_idempotency(org, key).await?)
    }

    pub async fn get(&self, org: &OrgId, id: &DeliveryId) -> Result<DeliveryReport, DeliveryError> {
        let delivery = self
            .store
            .get(org, id)
            .await?
            .ok_or(DeliveryError::NotFound)?;
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
            .ok_or(DeliveryError::NotFound)?;
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
            .ok_or(DeliveryError::NotFound)?;
        if current.status != DeliveryStatus::Failed {
            return Err(DeliveryError::NotRetryable(current.status.as_str()));
        }
        let integration = self
            .integrations
            .get(org, &current.integration_id)
            .await?
            .ok_or(DeliveryError::NotFound)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(2),
            factor: 2.0,
            max_delay: Duration::from_secs(60),
            max_attempts: 5,
            window: Duration::from_secs(3600),
            jitter: 0.2,
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = policy();
        assert_eq!(p.backoff(1), Duration::from_secs(2));
        assert_eq!(p.backoff(2), Duration::from_secs(4));
        assert_eq!(p.backoff(3), Duration::from_secs(8));
        assert_eq!(p.backoff(10), Duration::from_secs(60));
        assert_eq!(p.backoff(1000), Duration::from_secs(60));
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = policy();
        for unit in [0.0, 0.25, 0.5, 0.999] {
            let d = p.delay(2, unit, None).as_secs_f64();
            assert!((3.2..=4.8).contains(&d), "{d}");
        }
    }

    #[test]
    fn a_hint_is_never_undercut() {
        let p = policy();
        let d = p.delay(1, 0.0, Some(Duration::from_secs(30)));
        assert_eq!(d, Duration::from_secs(30));
        // A shorter hint does not shorten the backoff.
        let d = p.delay(3, 0.5, Some(Duration::from_secs(1)));
        assert_eq!(d, Duration::from_secs(8));
    }

    #[test]
    fn outcomes_decide_the_next_step() {
        let p = policy();
        let now = crate::service::now();
        let deadline = now + TimeDelta::hours(1);
        let retry = SendOutcome::Retryable {
            reason: "x".into(),
            retry_after: None,
        };
        assert!(matches!(
            p.next(&retry, 1, now, deadline, 0.5),
            AttemptNext::Retry { at } if at == now + TimeDelta::seconds(2)
        ));
        assert!(matches!(
            p.next(&retry, 5, now, deadline, 0.5),
            AttemptNext::Failed
        ));
        let permanent = SendOutcome::Permanent {
            reason: "gone".into(),
            kind: PermanentKind::Gone,
            code: None,
        };
        assert!(matches!(
            p.next(&permanent, 1, now, deadline, 0.5),
            AttemptNext::Failed
        ));
        // A hint beyond the window fails rather than retrying early.
        let hinted = SendOutcome::Retryable {
            reason: "x".into(),
            retry_after: Some(Duration::from_secs(7200)),
        };
        assert!(matches!(
            p.next(&hinted, 1, now, deadline, 0.5),
            AttemptNext::Failed
        ));
        let ok = SendOutcome::Delivered {
            provider_message_id: Some("m1".into()),
            hold_for: None,
        };
        assert!(matches!(
            p.next(&ok, 1, now, deadline, 0.5),
            AttemptNext::Delivered { provider_message_id: Some(m) } if m == "m1"
        ));
    }

    #[test]
    fn pacer_spaces_actual_starts() {
        let mut pacer = Pacer::new();
        let id = IntegrationId::generate();
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        assert_eq!(pacer.start(&id, s, t0), Ok(()));
        // Another integration is not held back by this one.
        assert_eq!(pacer.start(&IntegrationId::generate(), s, t0), Ok(()));
        let early = t0 + Duration::from_millis(400);
        assert_eq!(pacer.start(&id, s, early), Err(Duration::from_millis(600)));
        assert_eq!(pacer.start(&id, s, t0 + s), Ok(()));
    }

    #[test]
    fn messages_are_checked_per_type() {
        let text = Message {
            text: Some("hi".into()),
            ..Message::default()
        };
        assert!(check_message(IntegrationType::Slack, &text).is_ok());
        assert!(check_message(IntegrationType::Webhook, &text).is_ok());
        assert!(check_message(IntegrationType::AiGateway, &text).is_ok());
        let err = check_message(IntegrationType::Sendgrid, &text).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["to", "subject"]);
        let email = Message {
            subject: Some("s".into()),
            text: Some("t".into()),
            to: vec!["a@example.com".into(), "Bob <b@example.com>".into()],
            ..Message::default()
        };
        assert!(check_message(IntegrationType::Resend, &email).is_ok());
        let bad = Message {
            to: vec!["nope".into()],
            ..email.clone()
        };
        assert!(check_message(IntegrationType::Resend, &bad).is_err());
        assert!(check_message(IntegrationType::Discord, &Message::default()).is_err());
        let long = Message {
            text: Some("x".repeat(2001)),
            ..Message::default()
        };
        assert!(check_message(IntegrationType::Discord, &long).is_err());
        assert!(check_message(IntegrationType::Telegram, &long).is_ok());
    }

    #[test]
    fn request_hash_depends_on_integration_and_message() {
        let a = IntegrationId::generate();
        let b = IntegrationId::generate();
        let m = Message {
            text: Some("hi".into()),
            ..Message::default()
        };
        assert_eq!(request_hash(&a, &m), request_hash(&a, &m));
        assert_ne!(request_hash(&a, &m), request_hash(&b, &m));
        let m2 = Message {
            text: Some("ho".into()),
            ..Message::default()
        };
        assert_ne!(request_hash(&a, &m), request_hash(&a, &m2));
    }

    #[test]
    fn status_classes() {
        assert_eq!(
            status_class(&SendOutcome::Retryable {
                reason: "r".into(),
                retry_after: Some(Duration::from_secs(1))
            }),
            "rate_limited"
        );
        assert_eq!(
            status_class(&SendOutcome::Permanent {
                reason: "r".into(),
                kind: PermanentKind::Gone,
                code: Some("redirect".into())
            }),
            "redirect"
        );
    }

    #[test]
    fn health_is_the_newer_of_test_and_deliveries() {
        let now = crate::service::now();
        let test = crate::model::TestResult {
            success: true,
            message: "ok".into(),
            latency_ms: 1,
            tested_at: now,
        };
        let older = Health {
            state: HealthState::Unhealthy,
            reason: Some("gone".into()),
            changed_at: Some(now - TimeDelta::seconds(5)),
        };
        assert_eq!(
            combine_health(Some(&test), Some(&older)).state,
            HealthState::Healthy
        );
        let newer = Health {
            changed_at: Some(now + TimeDelta::seconds(5)),
            ..older
        };
        assert_eq!(
            combine_health(Some(&test), Some(&newer)).state,
            HealthState::Unhealthy
        );
        assert_eq!(combine_health(None, None).state, HealthState::Unknown);
    }
}
