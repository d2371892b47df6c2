//! Patchbay's delivery workers.
//!
//! A [`Worker`] claims due deliveries from the outbox (the `DeliveryStore`)
//! under a lease, sends each through its provider, records the attempt and
//! schedules the next one by the [`RetryPolicy`]. Several workers, in one
//! process or many, share one queue: the store hands each due row to one
//! claimant, and a lease that expires (a crashed process) makes the row due
//! again, so every accepted delivery is attempted at least once.
//!
//! The crate knows the domain and tokio only: no database, no HTTP.

#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use patchbay_domain::delivery::DeliveryMetrics;
use patchbay_domain::delivery::{
    Attempt, AttemptNext, AttemptOutcome, Claimed, DeliveryStore, Health, HealthState, Pacer,
    QueueSignal, RetryPolicy, SendSlot, pacing_interval, status_class,
};
use patchbay_domain::{
    Actor, Integration, IntegrationId, IntegrationService, IntegrationStore, OrgId, PermanentKind,
    ProviderContext, ProviderRegistry, SendOutcome, Status,
};
use rand::Rng;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinHandle;

/// A claimed batch's integrations, by organization and id.
type Loaded = HashMap<(OrgId, IntegrationId), Arc<Integration>>;

/// Wakes the workers of this process when a delivery is enqueued.
#[derive(Clone, Default)]
pub struct WakeSignal(Arc<Notify>);

impl WakeSignal {
    pub fn new() -> Self {
        Self::default()
    }
}

impl QueueSignal for WakeSignal {
    fn notify(&self) {
        self.0.notify_one();
    }
}

/// How the workers run.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Attempts in flight at once in this process.
    pub concurrency: usize,
    /// How often to look for due deliveries when not woken.
    pub poll_interval: Duration,
    /// How long a claim holds a delivery; a crashed worker's deliveries are
    /// taken again after this. Attempts are cut off before it ends.
    pub lease: Duration,
    /// Deliveries claimed per query.
    pub batch: u32,
    /// Space sends per integration within each provider's rate.
    pub pacing: bool,
    /// On shutdown, how long in-flight attempts may finish before their
    /// deliveries are released.
    pub shutdown_grace: Duration,
    /// Re-test active integrations whose last test is older than this;
    /// `None` disables the scheduled re-test.
    pub retest_interval: Option<Duration>,
    /// Integrations re-tested per tick (spreads the load).
    pub retest_batch: u32,
    /// How often expired idempotency keys are deleted.
    pub purge_interval: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            batch: 16,
            pacing: true,
            shutdown_grace: Duration::from_secs(20),
            retest_interval: None,
            retest_batch: 10,
            purge_interval: Duration::from_secs(300),
        }
    }
}

/// Everything the workers use.
#[derive(Clone)]
pub struct Worker {
    store: Arc<dyn DeliveryStore>,
    integrations: Arc<dyn IntegrationStore>,
    providers: ProviderRegistry,
    service: IntegrationService,
    policy: RetryPolicy,
    config: WorkerConfig,
    metrics: Arc<DeliveryMetrics>,
    signal: WakeSignal,
    owner: Arc<str>,
    pacer: Arc<Mutex<Pacer>>,
    stop: Arc<watch::Sender<bool>>,
    done: Arc<watch::Sender<bool>>,
}

/// Stops a worker (from anywhere, before or after it started).
#[derive(Clone)]
pub struct WorkerControl {
    stop: Arc<watch::Sender<bool>>,
    done: watch::Receiver<bool>,
}

impl WorkerControl {
    /// Stop claiming, let in-flight attempts finish within the grace period,
    /// release what is still held, and return once the worker has stopped.
    /// Waits for a worker that never started forever: pair it with a
    /// timeout when unsure.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let mut done = self.done.clone();
        let _ = done.wait_for(|d| *d).await;
    }

    /// Ask the worker to stop without waiting.
    pub fn request_stop(&self) {
        self.stop.send_replace(true);
    }
}

impl Worker {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn DeliveryStore>,
        integrations: Arc<dyn IntegrationStore>,
        providers: ProviderRegistry,
        service: IntegrationService,
        policy: RetryPolicy,
        config: WorkerConfig,
        metrics: Arc<DeliveryMetrics>,
        signal: WakeSignal,
    ) -> Self {
        let owner = format!(
            "w-{}-{:08x}",
            std::process::id(),
            rand::thread_rng().r#gen::<u32>()
        );
        Self {
            store,
            integrations,
            providers,
            service,
            policy,
            config,
            metrics,
            signal,
            owner: owner.into(),
            pacer: Arc::new(Mutex::new(Pacer::new())),
            stop: Arc::new(watch::channel(false).0),
            done: Arc::new(watch::channel(false).0),
        }
    }

    /// A handle that stops this worker.
    pub fn control(&self) -> WorkerControl {
        WorkerControl {
            stop: self.stop.clone(),
            done: self.done.subscribe(),
        }
    }

    /// This worker's lease owner id.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Start the claim loop (and the re-test and purge loops) on the
    /// current tokio runtime; stop it through [`Worker::control`].
    pub fn start(self) -> JoinHandle<()> {
        let rx = self.stop.subscribe();
        let done = self.done.clone();
        tokio::spawn(async move {
            self.run(rx).await;
            done.send_replace(true);
        })
    }

    async fn run(self, mut stop: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let housekeeping = tokio::spawn(self.clone().housekeeping(stop.clone()));
        tracing::info!(owner = %self.owner, "delivery worker started");
        loop {
            if *stop.borrow() {
                break;
            }
            let free = permits.available_permits();
            let mut claimed_full = false;
            if free > 0 {
                let want = u32::try_from(free)
                    .unwrap_or(u32::MAX)
                    .min(self.config.batch.max(1));
                let now = patchbay_domain::service::now();
                let lease_until = now + to_delta(self.config.lease);
                match self.store.claim(&self.owner, now, lease_until, want).await {
                    Ok(claimed) => {
                        claimed_full = claimed.len() as u32 == want;
                        // One query for the batch's integrations, not one
                        // per delivery.
                        let loaded = self.load_integrations(&claimed).await;
                        for c in claimed {
                            let Ok(permit) = permits.clone().acquire_owned().await else {
                                break;
                            };
                            let integration = match &loaded {
                                Ok(found) => Ok(found
                                    .get(&(
                                        c.delivery.org_id.clone(),
                                        c.delivery.integration_id.clone(),
                                    ))
                                    .cloned()),
                                Err(e) => Err(e.clone()),
                            };
                            let worker = self.clone();
                            tokio::spawn(async move {
                                worker.process(c, integration).await;
                                drop(permit);
                                // A freed slot means more can be claimed now,
                                // not at the next poll (the bench saw one
                                // batch per poll interval while work queued).
                                worker.signal.notify();
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming deliveries failed"),
                }
            }
            if claimed_full {
                continue;
            }
            tokio::select! {
                _ = self.signal.0.notified() => {}
                _ = tokio::time::sleep(self.config.poll_interval) => {}
                _ = stop.changed() => {}
            }
        }
        housekeeping.abort();
        // Let in-flight attempts finish, then give back what is still held.
        let all = u32::try_from(self.config.concurrency.max(1)).unwrap_or(u32::MAX);
        let drained =
            tokio::time::timeout(self.config.shutdown_grace, permits.acquire_many(all)).await;
        if drained.is_err() {
            tracing::warn!("in-flight delivery attempts did not finish in the grace period");
        }
        match self
            .store
            .release_all(&self.owner, patchbay_domain::service::now())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "released deliveries on shutdown"),
            Err(e) => tracing::warn!(error = %e, "releasing deliveries on shutdown failed"),
        }
        tracing::info!(owner = %self.owner, "delivery worker stopped");
    }

    /// Scheduled re-tests of active integrations and the idempotency purge.
    async fn housekeeping(self, mut stop: watch::Receiver<bool>) {
        let tick = match self.config.retest_interval {
            // Spread: a few integrations per tick, ticks well inside the
            // interval, with jitter so instances do not align.
            Some(every) => (every / 10).clamp(Duration::from_millis(200), Duration::from_secs(60)),
            None => self.config.purge_interval,
        };
        let mut last_purge = Instant::now();
        loop {
            let jitter = rand::thread_rng().gen_range(0.8..1.2);
            tokio::select! {
                _ = tokio::time::sleep(tick.mul_f64(jitter)) => {}
                _ = stop.changed() => return,
            }
            if last_purge.elapsed() >= self.config.purge_interval {
                last_purge = Instant::now();
                if let Err(e) = self
                    .store
                    .purge_idempotency(patchbay_domain::service::now())
                    .await
                {
                    tracing::warn!(error = %e, "purging idempotency keys failed");
                }
            }
            if let Some(every) = self.config.retest_interval {
                self.retest(every).await;
            }
        }
    }

    async fn retest(&self, every: Duration) {
        let before = patchbay_domain::service::now() - to_delta(every);
        let due = match self
            .store
            .due_for_retest(before, self.config.retest_batch)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "listing integrations to re-test failed");
                return;
            }
        };
        for (org, id) in due {
            match self
                .service
                .test_saved(&org, &Actor::Operator, &id, None)
                .await
            {
                Ok(report) => tracing::debug!(
                    integration = %id,
                    success = report.outcome.is_success(),
                    "scheduled re-test"
                ),
                Err(e) => tracing::warn!(integration = %id, error = %e, "scheduled re-test failed"),
            }
        }
    }

    async fn load_integrations(&self, claimed: &[Claimed]) -> Result<Loaded, String> {
        let mut ids: Vec<(OrgId, IntegrationId)> = claimed
            .iter()
            .map(|c| (c.delivery.org_id.clone(), c.delivery.integration_id.clone()))
            .collect();
        ids.sort();
        ids.dedup();
        let found = self
            .integrations
            .get_many(&ids)
            .await
            .map_err(|e| e.to_string())?;
        Ok(found
            .into_iter()
            .map(|i| ((i.org_id.clone(), i.id.clone()), Arc::new(i)))
            .collect())
    }

    /// One claimed delivery: pace, send, record, schedule. `integration` is
    /// its integration as loaded with the batch (`None`: deleted).
    async fn process(
        &self,
        claimed: Claimed,
        integration: Result<Option<Arc<Integration>>, String>,
    ) {
        let d = claimed.delivery;
        let kind = d.kind.slug();
        let integration = match integration {
            Ok(Some(i)) => i,
            Ok(None) => {
                let outcome = SendOutcome::Permanent {
                    reason: "the integration was deleted".into(),
                    kind: PermanentKind::Gone,
                    code: Some("integration_deleted".into()),
                };
                self.record(&d, utc_now(), Duration::ZERO, outcome, None)
                    .await;
                return;
            }
            Err(e) => {
                tracing::warn!(delivery = %d.id, error = %e, "loading the integration failed");
                self.back_off(&d, Duration::from_secs(1)).await;
                return;
            }
        };
        if integration.status != Status::Active {
            let outcome = SendOutcome::Permanent {
                reason: "the integration is inactive".into(),
                kind: PermanentKind::Unsupported,
                code: Some("integration_inactive".into()),
            };
            self.record(&d, utc_now(), Duration::ZERO, outcome, None)
                .await;
            return;
        }
        let Some(provider) = self.providers.get(d.kind).cloned() else {
            let outcome = SendOutcome::Permanent {
                reason: format!("no provider for type `{kind}` is available in this build"),
                kind: PermanentKind::Unsupported,
                code: Some("provider_unavailable".into()),
            };
            self.record(&d, utc_now(), Duration::ZERO, outcome, None)
                .await;
            return;
        };
        // Pacing: wait for this integration's slot when it is near, or put
        // the delivery back for later (a burst is queued, not rejected). The
        // slot is reserved in the database, so every instance shares it.
        let paced = if self.config.pacing {
            pacing_interval(d.kind)
        } else {
            None
        };
        if let Some(interval) = paced {
            let max_wait = self.config.lease / 4;
            match self
                .store
                .reserve_send_slot(&d.integration_id, utc_now(), interval, max_wait)
                .await
            {
                Ok(SendSlot::Reserved { at }) => {
                    if let Ok(wait) = (at - utc_now()).to_std()
                        && !wait.is_zero()
                    {
                        tokio::time::sleep(wait).await;
                        // A hold can arrive while waiting (the previous
                        // send's answer emptied the provider's bucket).
                        match self.store.send_hold(&d.integration_id).await {
                            Ok(Some(until)) if until > utc_now() => {
                                self.back_off_until(&d, until).await;
                                return;
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(delivery = %d.id, error = %e, "reading a send hold failed");
                                self.back_off(&d, Duration::from_secs(1)).await;
                                return;
                            }
                        }
                    }
                }
                Ok(SendSlot::Later { at }) => {
                    self.back_off_until(&d, at).await;
                    return;
                }
                Err(e) => {
                    tracing::warn!(delivery = %d.id, error = %e, "reserving a send slot failed");
                    self.back_off(&d, Duration::from_secs(1)).await;
                    return;
                }
            }
        }
        let ctx = ProviderContext {
            environment: integration.environment,
            integration_id: Some(integration.id.clone()),
            // The same on every attempt: a webhook's `webhook-id`.
            message_id: Some(d.id.to_string()),
        };
        // The slot was reserved before waiting; sends that waited for
        // neighbouring slots may still wake close together, so each start
        // is checked against the integration's last actual start too.
        let started_at = match paced {
            None => utc_now(),
            Some(interval) => loop {
                // (The guard must not live across the sleep: take an Option.)
                let start = self.pacer.lock().ok().map(|mut p| {
                    p.prune(Instant::now());
                    p.start(&d.integration_id, interval, Instant::now())
                        .map(|()| utc_now())
                });
                match start {
                    Some(Ok(at)) => break at,
                    Some(Err(wait)) => tokio::time::sleep(wait).await,
                    None => break utc_now(),
                }
            },
        };
        let started = Instant::now();
        // Cut the attempt off well before the lease ends (pacing waited at
        // most a quarter of it), so no other worker takes the delivery while
        // this one still sends it.
        let cutoff = self.config.lease.mul_f64(0.7);
        let outcome = match tokio::time::timeout(
            cutoff,
            provider.send(&ctx, &integration.config, &d.message),
        )
        .await
        {
            Ok(o) => o,
            Err(_) => SendOutcome::Retryable {
                reason: format!(
                    "the attempt did not finish within {} ms",
                    cutoff.as_millis()
                ),
                retry_after: None,
            },
        };
        let latency = started.elapsed();
        // The provider's word on its limit holds back this integration's
        // other queued messages too (paced types: the others retry alone).
        let hold = match &outcome {
            SendOutcome::Retryable { retry_after, .. } => *retry_after,
            SendOutcome::Delivered { hold_for, .. } => *hold_for,
            SendOutcome::Permanent { .. } => None,
        };
        if let (Some(_), Some(hold)) = (paced, hold)
            && let Err(e) = self
                .store
                .hold_sends(&d.integration_id, utc_now() + to_delta(hold))
                .await
        {
            tracing::warn!(integration = %d.integration_id, error = %e, "recording a rate-limit hold failed");
        }
        self.record(&d, started_at, latency, outcome, Some(&integration))
            .await;
    }

    /// Put a delivery back without an attempt.
    async fn back_off(&self, d: &patchbay_domain::delivery::Delivery, wait: Duration) {
        self.back_off_until(d, utc_now() + to_delta(wait)).await;
    }

    async fn back_off_until(&self, d: &patchbay_domain::delivery::Delivery, at: DateTime<Utc>) {
        if let Err(e) = self.store.release(&d.id, &self.owner, at).await {
            tracing::warn!(delivery = %d.id, error = %e, "releasing a delivery failed");
        }
    }

    async fn record(
        &self,
        d: &patchbay_domain::delivery::Delivery,
        started_at: DateTime<Utc>,
        latency: Duration,
        outcome: SendOutcome,
        // The integration the provider was called for; `None` when the
        // attempt ended before a call.
        called: Option<&Integration>,
    ) {
        let kind = d.kind.slug();
        let number = d.attempts + 1;
        let finished_at = utc_now();
        let unit: f64 = rand::thread_rng().r#gen();
        let next = self
            .policy
            .next(&outcome, number, finished_at, d.deadline_at, unit);
        let (attempt_outcome, error, code, hint, pmid) = match &outcome {
            SendOutcome::Delivered {
                provider_message_id,
                ..
            } => (
                AttemptOutcome::Delivered,
                None,
                None,
                None,
                provider_message_id.clone(),
            ),
            SendOutcome::Retryable {
                reason,
                retry_after,
            } => (
                AttemptOutcome::Retryable,
                Some(reason.clone()),
                None,
                retry_after.map(|h| i64::try_from(h.as_millis()).unwrap_or(i64::MAX)),
                None,
            ),
            SendOutcome::Permanent { reason, code, .. } => (
                AttemptOutcome::Permanent,
                Some(reason.clone()),
                code.clone(),
                None,
                None,
            ),
        };
        let attempt = Attempt {
            number,
            started_at,
            finished_at,
            outcome: attempt_outcome,
            status_class: status_class(&outcome).to_string(),
            latency_ms: i64::try_from(latency.as_millis()).unwrap_or(i64::MAX),
            provider_message_id: pmid,
            error,
            code,
            retry_after_ms: hint,
            retry_at: match &next {
                AttemptNext::Retry { at } => Some(*at),
                _ => None,
            },
        };
        if called.is_some() {
            self.metrics
                .attempt(kind, attempt_outcome.as_str(), latency);
        }
        // Health first: whoever sees the delivery finished sees its effect
        // on the integration's health too.
        if let Some(integration) = called {
            self.update_health(integration, &outcome).await;
        }
        match self
            .store
            .finish_attempt(&d.id, &self.owner, &attempt, &next)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                delivery = %d.id,
                "the lease was lost before the attempt was recorded; another worker owns the delivery"
            ),
            Err(e) => {
                // The lease will expire and the delivery be attempted again:
                // at least once, never lost.
                tracing::error!(delivery = %d.id, error = %e, "recording an attempt failed");
                return;
            }
        }
        match &next {
            AttemptNext::Delivered { .. } => self.metrics.delivery_finished(kind, "delivered"),
            AttemptNext::Failed => self.metrics.delivery_finished(kind, "failed"),
            AttemptNext::Retry { .. } => {}
        }
        tracing::info!(
            delivery = %d.id,
            integration = %d.integration_id,
            r#type = kind,
            attempt = number,
            outcome = attempt_outcome.as_str(),
            latency_ms = attempt.latency_ms,
            "delivery attempt"
        );
    }

    async fn update_health(&self, integration: &Integration, outcome: &SendOutcome) {
        let health = match outcome {
            SendOutcome::Permanent {
                kind: PermanentKind::Credential | PermanentKind::Gone,
                reason,
                ..
            } => Health {
                state: HealthState::Unhealthy,
                reason: Some(format!("a delivery failed permanently: {reason}")),
                changed_at: Some(utc_now()),
            },
            // Healthy already (as loaded for this attempt): no write.
            SendOutcome::Delivered { .. } if integration.health().state == HealthState::Healthy => {
                return;
            }
            SendOutcome::Delivered { .. } => Health {
                state: HealthState::Healthy,
                reason: Some("a delivery succeeded".into()),
                changed_at: Some(utc_now()),
            },
            _ => return,
        };
        if let Err(e) = self
            .store
            .set_health(&integration.org_id, &integration.id, &health)
            .await
        {
            tracing::warn!(integration = %integration.id, error = %e, "recording health failed");
        }
    }
}

fn utc_now() -> DateTime<Utc> {
    patchbay_domain::service::now()
}

fn to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}
