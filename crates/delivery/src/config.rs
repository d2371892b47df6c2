//! How the workers run: concurrency, polling, leases, pacing, shutdown,
//! housekeeping intervals and retention.

use std::time::Duration;

/// How the workers run.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Attempts in flight at once in this process.
    pub concurrency: usize,
    /// Attempts in flight at once in this process through one integration:
    /// a slow or hanging endpoint holds at most this many of the
    /// `concurrency` slots, and the others keep delivering.
    pub integration_concurrency: usize,
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
    /// How often expired idempotency keys and deliveries past their
    /// retention are deleted.
    pub purge_interval: Duration,
    /// How long finished deliveries (with their attempts) and group sends
    /// are kept; `None` keeps them forever.
    pub retention: Option<Duration>,
    /// Deliveries deleted per transaction by the retention purge: small, so
    /// a purge never holds locks long enough to slow sends.
    pub purge_batch: u32,
}

/// How long finished deliveries are kept by default: a month of history to
/// look into, with the tables bounded by a month of traffic.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            integration_concurrency: 8,
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            batch: 16,
            pacing: true,
            shutdown_grace: Duration::from_secs(20),
            retest_interval: None,
            retest_batch: 10,
            purge_interval: Duration::from_secs(300),
            retention: Some(DEFAULT_RETENTION),
            purge_batch: 500,
        }
    }
}
