//! What the workers do besides deliveries: scheduled re-tests of active
//! integrations, the purge of expired idempotency keys, and the retention
//! purge of finished deliveries.

use std::time::{Duration, Instant};

use patchbay_domain::Actor;
use rand::Rng;
use tokio::sync::watch;

use crate::to_delta;

/// Between two purge batches: sends queued meanwhile get the database.
const PURGE_PAUSE: Duration = Duration::from_millis(20);
use crate::worker::Worker;

impl Worker {
    /// Scheduled re-tests of active integrations and the idempotency purge.
    pub(crate) async fn housekeeping(self, mut stop: watch::Receiver<bool>) {
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
                if let Some(retention) = self.config.retention
                    && !self.purge_finished(retention, &stop).await
                {
                    return;
                }
            }
            if let Some(every) = self.config.retest_interval {
                self.retest(every).await;
            }
        }
    }

    /// Delete what finished longer than `retention` ago, batch by batch
    /// until none is left, pausing between batches so sends keep the
    /// database. False when told to stop meanwhile.
    async fn purge_finished(&self, retention: Duration, stop: &watch::Receiver<bool>) -> bool {
        let before = patchbay_domain::service::now() - to_delta(retention);
        let batch = self.config.purge_batch.max(1);
        let mut total = 0u64;
        loop {
            if *stop.borrow() {
                return false;
            }
            match self.store.purge_finished(before, batch).await {
                Ok(n) => {
                    total += n;
                    if n < u64::from(batch) {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "purging finished deliveries failed");
                    break;
                }
            }
            tokio::time::sleep(PURGE_PAUSE).await;
        }
        if total > 0 {
            self.metrics.record_purged(total);
            tracing::info!(
                purged = total,
                "finished deliveries past their retention deleted"
            );
        }
        true
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
}
