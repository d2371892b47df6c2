//! Stopping on SIGTERM or SIGINT within a known bound: the workers stop
//! claiming at once, in-flight requests and in-flight attempts then finish
//! side by side (each within its own grace), claims still held are given
//! back, and the whole fits [`ShutdownPlan::bound`], whatever hangs.

use std::future::Future;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use patchbay_delivery::{RELEASE_ALLOWANCE, WorkerControl};

/// How long each part of a shutdown may take.
#[derive(Debug, Clone, Copy)]
pub struct ShutdownPlan {
    /// In-flight HTTP requests (`http.shutdown_timeout_secs`).
    pub http_drain: Duration,
    /// In-flight delivery attempts (`delivery.shutdown_grace_ms`).
    pub attempts_grace: Duration,
}

impl ShutdownPlan {
    /// The longest a shutdown takes: the longer of the two graces (they run
    /// at once), then the release of held claims.
    pub fn bound(&self) -> Duration {
        self.http_drain.max(self.attempts_grace) + RELEASE_ALLOWANCE
    }
}

/// The first SIGTERM or SIGINT.
pub async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            tracing::warn!("cannot listen for SIGTERM; stopping on Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Serve with `server` until `stop` resolves (or the server ends on its
/// own), then shut down by `plan`.
pub async fn serve_until(
    server: Server,
    workers: Option<WorkerControl>,
    plan: ShutdownPlan,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let handle = server.handle();
    let mut server = std::pin::pin!(server);
    let ended = tokio::select! {
        result = &mut server => Some(result),
        () = stop => None,
    };
    let started = Instant::now();
    // Claiming stops now, not once the HTTP drain is over.
    if let Some(w) = &workers {
        w.request_stop();
    }
    let bound = plan.bound();
    tracing::info!(bound_ms = bound.as_millis() as u64, "shutting down");
    let http = async {
        match ended {
            Some(result) => result,
            None => {
                let (_, result) = tokio::join!(handle.stop(true), server);
                result
            }
        }
    };
    let attempts = async {
        if let Some(w) = &workers {
            w.shutdown().await;
        }
    };
    match tokio::time::timeout(bound, async { tokio::join!(http, attempts).0 }).await {
        Ok(result) => {
            tracing::info!(took_ms = started.elapsed().as_millis() as u64, "shut down");
            result
        }
        Err(_) => {
            tracing::warn!(
                bound_ms = bound.as_millis() as u64,
                "shutdown did not finish within its bound; exiting anyway"
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    #[test]
    fn the_default_bound_fits_kubernetes_default_grace_period() {
        let settings = Settings::load_from(None, Some(Default::default())).unwrap();
        let bound = crate::app::shutdown_plan(&settings).bound();
        assert_eq!(bound, Duration::from_secs(25));
        assert!(bound < Duration::from_secs(30));
    }
}
