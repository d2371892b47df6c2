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

mod message;
mod metrics;
mod model;
mod pacing;
mod retry;
mod service;
mod store;

pub use message::{check_member_message, check_message, request_hash};
pub use metrics::{DeliveryMetrics, Histogram, escape_label};
pub use model::{
    Attempt, AttemptNext, AttemptOutcome, Claimed, Delivery, DeliveryListQuery, DeliveryStatus,
    EnqueueOutcome, IdempotencyClaim, NewDelivery, SendSlot, status_class,
};
pub use pacing::{Pacer, pacing_interval};
pub use retry::RetryPolicy;
pub use service::{Accepted, DeliveryError, DeliveryReport, DeliveryService, DeliverySettings};
pub use store::{DeliveryStore, NoSignal, QueueSignal};
