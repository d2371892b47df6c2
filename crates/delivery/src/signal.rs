//! The in-process wake-up: a send wakes this process's workers at once,
//! so the first attempt does not wait for the next poll.

use std::sync::Arc;

use patchbay_domain::delivery::QueueSignal;
use tokio::sync::Notify;

/// Wakes the workers of this process when a delivery is enqueued.
#[derive(Clone, Default)]
pub struct WakeSignal(Arc<Notify>);

impl WakeSignal {
    /// A signal no one has raised yet.
    pub fn new() -> Self {
        Self::default()
    }
}

impl QueueSignal for WakeSignal {
    fn notify(&self) {
        self.0.notify_one();
    }
}

impl WakeSignal {
    /// Resolves at the next notification (or at once if one is pending).
    pub(crate) async fn notified(&self) {
        self.0.notified().await;
    }
}
