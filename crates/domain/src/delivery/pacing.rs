//! How sends through one integration are spaced: the interval comes from
//! the type catalogue, slots are reserved in the store (shared by every
//! worker) and each process checks its own actual starts.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::catalogue::IntegrationType;
use crate::ids::IntegrationId;

/// The least time between two sends through one integration of `kind`
/// (the catalogue's `pacing`).
pub fn pacing_interval(kind: IntegrationType) -> Option<Duration> {
    kind.spec().pacing
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
    /// No send started yet.
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
}
