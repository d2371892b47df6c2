//! Cross-instance wake-ups on Postgres: every transaction that queues work
//! also runs `NOTIFY patchbay_deliveries` (see `outbox`), delivered at its
//! commit; [`WakeListener`] holds one connection that `LISTEN`s on that
//! channel and wakes this process's workers, so a message accepted by one
//! instance is claimed by an idle worker of another at once rather than at
//! its next poll.
//!
//! The listener is an optimisation, never a dependency: while it is
//! disconnected the workers keep polling, and it wakes them once after
//! every (re)connection in case a notification was missed meanwhile.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::outbox::WAKE_CHANNEL;

/// The first wait before reconnecting; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Listens while it lives (the task stops when this is dropped).
pub struct WakeListener {
    task: JoinHandle<()>,
}

impl Drop for WakeListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WakeListener {
    /// Start listening on the database at `url` (Postgres), calling `wake`
    /// for every notification. Must be called within a tokio runtime.
    pub(crate) fn start(url: SecretString, wake: Arc<dyn Fn() + Send + Sync>) -> Self {
        let task = tokio::spawn(async move {
            let mut backoff = FIRST_BACKOFF;
            loop {
                match listen(url.expose_secret(), &*wake).await {
                    // A connection that worked starts the backoff afresh.
                    Ok(()) => backoff = FIRST_BACKOFF,
                    Err(e) => tracing::warn!(
                        error = %e,
                        retry_in_ms = backoff.as_millis() as u64,
                        "cannot listen for delivery wake-ups; the workers poll meanwhile"
                    ),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        });
        Self { task }
    }
}

/// One connection's life: LISTEN, then wake on every notification until it
/// ends (`Ok` when it had been listening).
async fn listen(url: &str, wake: &(dyn Fn() + Send + Sync)) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let listen = format!("LISTEN {WAKE_CHANNEL}");
    // The connection must be driven for the LISTEN to be answered, and
    // notifications arrive through the same driver.
    let mut answered = std::pin::pin!(client.batch_execute(&listen));
    let mut listening = false;
    loop {
        tokio::select! {
            result = &mut answered, if !listening => {
                result?;
                listening = true;
                tracing::debug!(channel = WAKE_CHANNEL, "listening for delivery wake-ups");
                // Whatever was queued before the LISTEN took effect.
                wake();
            }
            message = std::future::poll_fn(|cx| connection.poll_message(cx)) => match message {
                Some(Ok(AsyncMessage::Notification(_))) => wake(),
                Some(Ok(_)) => {}
                Some(Err(e)) if listening => {
                    tracing::warn!(error = %e, "the delivery wake-up connection ended");
                    wake();
                    return Ok(());
                }
                Some(Err(e)) => return Err(e),
                None => {
                    wake();
                    return Ok(());
                }
            },
        }
    }
}
