//! Patchbay's delivery workers.
//!
//! A [`Worker`] claims due deliveries from the outbox (the `DeliveryStore`)
//! under a lease, sends each through its provider, records the attempt and
//! schedules the next one by the [`RetryPolicy`](patchbay_domain::delivery::RetryPolicy). Several workers, in one
//! process or many, share one queue: the store hands each due row to one
//! claimant, and a lease that expires (a crashed process) makes the row due
//! again, so every accepted delivery is attempted at least once.
//!
//! The crate knows the domain and tokio only: no database, no HTTP.

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod attempt;
mod config;
mod failover;
mod housekeeping;
mod signal;
mod worker;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

pub use attempt::SECRETS_UNDECRYPTABLE;
pub use config::WorkerConfig;
pub use signal::WakeSignal;
pub use worker::{RELEASE_ALLOWANCE, Worker, WorkerControl};

fn utc_now() -> DateTime<Utc> {
    patchbay_domain::service::now()
}

fn to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}
