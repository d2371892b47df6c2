//! The worker: claims due deliveries under a lease and runs their attempts
//! with bounded concurrency; started and stopped by its owner.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchbay_domain::delivery::{
    Claimed, DeliveryMetrics, DeliveryStore, Pacer, QueueSignal, RetryPolicy,
};
use patchbay_domain::group::GroupStore;
use patchbay_domain::{
    Integration, IntegrationId, IntegrationService, IntegrationStore, OrgId, ProviderRegistry,
    StoreError,
};
use rand::Rng;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::config::WorkerConfig;
use crate::signal::WakeSignal;
use crate::to_delta;

/// How long a stopping worker may take to give back the deliveries it
/// still holds, after the grace of in-flight attempts.
pub const RELEASE_ALLOWANCE: Duration = Duration::from_secs(5);

/// A claimed batch's integrations, by organization and id; the missing
/// (deleted) are left out.
pub(crate) type Loaded = HashMap<(OrgId, IntegrationId), Result<Arc<Integration>, LoadFailure>>;

/// Why a claimed delivery's integration could not be loaded.
#[derive(Debug, Clone)]
pub(crate) enum LoadFailure {
    /// This process's keyring cannot open the integration's secrets; it
    /// will not next time either.
    Undecryptable(String),
    /// Anything else (the database): worth trying again soon.
    Unavailable(String),
}

/// Everything the workers use.
#[derive(Clone)]
pub struct Worker {
    pub(crate) store: Arc<dyn DeliveryStore>,
    pub(crate) integrations: Arc<dyn IntegrationStore>,
    pub(crate) providers: ProviderRegistry,
    pub(crate) service: IntegrationService,
    /// Integration groups: a failover member given up hands its message to
    /// the next. Without it, group deliveries are sent like any other.
    pub(crate) groups: Option<Arc<dyn GroupStore>>,
    pub(crate) policy: RetryPolicy,
    pub(crate) config: WorkerConfig,
    pub(crate) metrics: Arc<DeliveryMetrics>,
    pub(crate) signal: WakeSignal,
    pub(crate) owner: Arc<str>,
    pub(crate) pacer: Arc<Mutex<Pacer>>,
    /// Attempts in flight (or claimed and waiting for a slot) by
    /// integration, capped at `config.integration_concurrency`.
    pub(crate) in_flight: Arc<Mutex<HashMap<IntegrationId, usize>>>,
    pub(crate) stop: Arc<watch::Sender<bool>>,
    pub(crate) done: Arc<watch::Sender<bool>>,
}

/// One of an integration's in-flight places; given back when dropped.
struct InFlight {
    counts: Arc<Mutex<HashMap<IntegrationId, usize>>>,
    integration: IntegrationId,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.integration) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.integration);
            }
        }
    }
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
    /// A worker over these stores and providers, not yet started (see
    /// [`Worker::start`]); `signal` wakes it when a send is accepted.
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
            groups: None,
            policy,
            config,
            metrics,
            signal,
            owner: owner.into(),
            pacer: Arc::new(Mutex::new(Pacer::new())),
            in_flight: Arc::new(Mutex::new(HashMap::new())),
            stop: Arc::new(watch::channel(false).0),
            done: Arc::new(watch::channel(false).0),
        }
    }

    /// Hand failover groups' messages on through this store.
    pub fn with_groups(mut self, groups: Arc<dyn GroupStore>) -> Self {
        self.groups = Some(groups);
        self
    }

    /// The signal that wakes this worker (raise it when work was queued
    /// elsewhere, e.g. by another instance on the same database).
    pub fn signal(&self) -> &WakeSignal {
        &self.signal
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
                // A whole batch, not only as many as are free: one query then
                // feeds many attempts, each started as a slot frees (within
                // its lease; see `process`).
                let want = self.config.batch.max(1);
                let now = patchbay_domain::service::now();
                let lease_until = now + to_delta(self.config.lease);
                // Integrations at their cap are left out of the claim, so
                // one slow endpoint cannot take every slot.
                let saturated = self.saturated();
                match self
                    .store
                    .claim(&self.owner, now, lease_until, want, &saturated)
                    .await
                {
                    // Stopped while claiming: nothing is started; what was
                    // just claimed is released below with the rest.
                    Ok(_) if *stop.borrow() => break,
                    Ok(claimed) => {
                        claimed_full = claimed.len() as u32 >= want;
                        // One query for the batch's integrations, not one
                        // per delivery.
                        let loaded = self.load_integrations(&claimed).await;
                        for c in claimed {
                            // More of one integration than its room left in
                            // one batch: the rest goes back to the queue.
                            let Some(place) = self.take_place(&c.delivery.integration_id) else {
                                let worker = self.clone();
                                tokio::spawn(async move {
                                    worker.back_off(&c.delivery, Duration::ZERO).await;
                                });
                                continue;
                            };
                            let Ok(permit) = permits.clone().acquire_owned().await else {
                                break;
                            };
                            let key =
                                (c.delivery.org_id.clone(), c.delivery.integration_id.clone());
                            let integration = match &loaded {
                                Ok(found) => found.get(&key).cloned().transpose(),
                                Err(e) => Err(e.clone()),
                            };
                            let worker = self.clone();
                            tokio::spawn(async move {
                                worker.process(c, integration).await;
                                drop(place);
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
                _ = self.signal.notified() => {}
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
        let released = tokio::time::timeout(
            RELEASE_ALLOWANCE,
            self.store
                .release_all(&self.owner, patchbay_domain::service::now()),
        )
        .await;
        // Unreleased claims are not lost: their leases expire.
        match released {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(released = n, "released deliveries on shutdown"),
            Ok(Err(e)) => tracing::warn!(error = %e, "releasing deliveries on shutdown failed"),
            Err(_) => tracing::warn!("releasing deliveries on shutdown timed out"),
        }
        tracing::info!(owner = %self.owner, "delivery worker stopped");
    }

    /// Integrations with as many attempts in flight as they may have.
    fn saturated(&self) -> Vec<IntegrationId> {
        let cap = self.config.integration_concurrency.max(1);
        let counts = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        counts
            .iter()
            .filter(|(_, n)| **n >= cap)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// One of the integration's in-flight places, if it has one free.
    fn take_place(&self, integration: &IntegrationId) -> Option<InFlight> {
        let cap = self.config.integration_concurrency.max(1);
        let mut counts = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(integration.clone()).or_default();
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(InFlight {
            counts: self.in_flight.clone(),
            integration: integration.clone(),
        })
    }

    /// The batch's integrations with one query. When some cannot be
    /// decrypted, each is read alone, so one integration's secrets fail
    /// only its own deliveries.
    pub(crate) async fn load_integrations(
        &self,
        claimed: &[Claimed],
    ) -> Result<Loaded, LoadFailure> {
        let mut ids: Vec<(OrgId, IntegrationId)> = claimed
            .iter()
            .map(|c| (c.delivery.org_id.clone(), c.delivery.integration_id.clone()))
            .collect();
        ids.sort();
        ids.dedup();
        match self.integrations.get_many(&ids).await {
            Ok(found) => Ok(found
                .into_iter()
                .map(|i| ((i.org_id.clone(), i.id.clone()), Ok(Arc::new(i))))
                .collect()),
            Err(StoreError::Crypto(_)) => {
                let mut loaded = Loaded::new();
                for (org, id) in ids {
                    let one = match self.integrations.get(&org, &id).await {
                        Ok(None) => continue,
                        Ok(Some(i)) => Ok(Arc::new(i)),
                        Err(e) => Err(LoadFailure::from(e)),
                    };
                    loaded.insert((org, id), one);
                }
                Ok(loaded)
            }
            Err(e) => Err(LoadFailure::from(e)),
        }
    }
}

impl From<StoreError> for LoadFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Crypto(cause) => LoadFailure::Undecryptable(cause),
            other => LoadFailure::Unavailable(other.to_string()),
        }
    }
}
