//! The failed authentications this process remembers, shared by every
//! worker: API keys found unknown (answered again without a database
//! lookup), and refused keys per client address (answered 429 past a
//! limit, so a flood of bad keys cannot become database load). Both are
//! keyed by client input, so both are bounded: when full, the entries that
//! expire first go first.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a key found unknown (or revoked) is answered from memory.
/// Keys are random, so none becomes valid later; the bound only limits
/// how long an entry takes room.
const UNKNOWN_KEY_TTL: Duration = Duration::from_secs(300);
/// Most unknown keys remembered (a SHA-256 hex each).
const MAX_UNKNOWN_KEYS: usize = 10_000;
/// Most client addresses whose failures are counted.
const MAX_TRACKED_ADDRESSES: usize = 50_000;

/// The time source; tests inject their own.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// The failed authentications this process remembers (see the module
/// docs); one per process, shared by every worker.
pub struct FailedAuthentications {
    clock: Clock,
    unknown_keys: Mutex<Expiring<String, ()>>,
    /// Failures per client address bucket in the window that ends with
    /// the entry.
    failures: Mutex<Expiring<IpAddr, u32>>,
}

impl Default for FailedAuthentications {
    fn default() -> Self {
        Self::with_clock(Arc::new(Instant::now))
    }
}

impl std::fmt::Debug for FailedAuthentications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailedAuthentications")
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves a usable map.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FailedAuthentications {
    /// Empty, on the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty, on `clock`.
    pub fn with_clock(clock: Clock) -> Self {
        Self::with_capacity(clock, MAX_UNKNOWN_KEYS, MAX_TRACKED_ADDRESSES)
    }

    fn with_capacity(clock: Clock, keys: usize, addresses: usize) -> Self {
        Self {
            clock,
            unknown_keys: Mutex::new(Expiring::new(keys)),
            failures: Mutex::new(Expiring::new(addresses)),
        }
    }

    /// Whether this key hash was found unknown recently.
    pub(crate) fn is_unknown_key(&self, hash: &str) -> bool {
        let now = (self.clock)();
        lock(&self.unknown_keys).get(hash, now).is_some()
    }

    pub(crate) fn remember_unknown_key(&self, hash: String) {
        let now = (self.clock)();
        lock(&self.unknown_keys).insert(hash, (), now + UNKNOWN_KEY_TTL, now);
    }

    /// When `client` has had `limit` failures in its current window: how
    /// long until the window ends. `limit` 0 never throttles.
    pub(crate) fn throttled(&self, client: IpAddr, limit: u32) -> Option<Duration> {
        if limit == 0 {
            return None;
        }
        let now = (self.clock)();
        let mut failures = lock(&self.failures);
        let (count, ends) = failures.get(&client, now)?;
        (*count >= limit).then(|| ends.saturating_duration_since(now))
    }

    /// A refused key from `client`; its first failure starts a window.
    /// Returns the failures in the window so far.
    pub(crate) fn record_failure(&self, client: IpAddr, window: Duration) -> u32 {
        if window.is_zero() {
            return 0;
        }
        let now = (self.clock)();
        let mut failures = lock(&self.failures);
        if let Some((count, _)) = failures.get_mut(&client, now) {
            *count = count.saturating_add(1);
            *count
        } else {
            failures.insert(client, 1, now + window, now);
            1
        }
    }
}

/// A map whose entries expire, with a capacity. Entries are queued in
/// insertion order, which is also their expiry order as long as callers
/// insert with a fixed lifetime, so pruning takes only from the front.
struct Expiring<K, V> {
    capacity: usize,
    entries: HashMap<K, (V, Instant)>,
    order: VecDeque<(K, Instant)>,
}

impl<K: Hash + Eq + Clone, V> Expiring<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The live entry for `key` with its expiry; an expired one is removed.
    fn get<Q>(&mut self, key: &Q, now: Instant) -> Option<(&V, Instant)>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_mut(key, now).map(|(v, expires)| (&*v, expires))
    }

    fn get_mut<Q>(&mut self, key: &Q, now: Instant) -> Option<(&mut V, Instant)>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.entries.get(key).is_some_and(|(_, e)| *e <= now) {
            self.entries.remove(key);
        }
        self.entries.get_mut(key).map(|(v, e)| (v, *e))
    }

    fn insert(&mut self, key: K, value: V, expires: Instant, now: Instant) {
        self.prune(now);
        self.order.push_back((key.clone(), expires));
        self.entries.insert(key, (value, expires));
    }

    /// Drops expired entries and, when full, the ones expiring first, so
    /// that one more fits.
    fn prune(&mut self, now: Instant) {
        while let Some((key, expires)) = self.order.front() {
            let current = self.entries.get(key).is_some_and(|(_, e)| e == expires);
            if current && *expires > now && self.entries.len() < self.capacity {
                break;
            }
            if current {
                self.entries.remove(key);
            }
            self.order.pop_front();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len().max(self.order.len())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// A clock that moves only when told to.
    fn manual_clock() -> (Clock, Arc<AtomicU64>) {
        let start = Instant::now();
        let offset_ms = Arc::new(AtomicU64::new(0));
        let offset = offset_ms.clone();
        let clock: Clock =
            Arc::new(move || start + Duration::from_millis(offset.load(Ordering::SeqCst)));
        (clock, offset_ms)
    }

    fn ip(n: u32) -> IpAddr {
        IpAddr::from(n.to_be_bytes())
    }

    #[test]
    fn failures_throttle_until_the_window_ends() {
        let (clock, offset) = manual_clock();
        let f = FailedAuthentications::with_clock(clock);
        let window = Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(f.throttled(ip(1), 3), None);
            f.record_failure(ip(1), window);
        }
        assert_eq!(f.throttled(ip(1), 3), Some(window));
        assert_eq!(f.throttled(ip(2), 3), None, "per address");
        assert_eq!(f.throttled(ip(1), 0), None, "0 turns the limit off");
        offset.store(45_000, Ordering::SeqCst);
        assert_eq!(f.throttled(ip(1), 3), Some(Duration::from_secs(15)));
        offset.store(60_000, Ordering::SeqCst);
        assert_eq!(f.throttled(ip(1), 3), None);
        // A new window starts with the next failure.
        f.record_failure(ip(1), window);
        assert_eq!(f.throttled(ip(1), 1), Some(window));
    }

    #[test]
    fn unknown_keys_are_remembered_for_a_while() {
        let (clock, offset) = manual_clock();
        let f = FailedAuthentications::with_clock(clock);
        f.remember_unknown_key("h1".into());
        assert!(f.is_unknown_key("h1"));
        assert!(!f.is_unknown_key("h2"));
        offset.store(UNKNOWN_KEY_TTL.as_millis() as u64, Ordering::SeqCst);
        assert!(!f.is_unknown_key("h1"));
    }

    #[test]
    fn memory_is_bounded_by_the_capacity() {
        let (clock, offset) = manual_clock();
        let f = FailedAuthentications::with_capacity(clock, 8, 8);
        for n in 0..1_000 {
            offset.store(n, Ordering::SeqCst);
            f.record_failure(ip(n as u32), Duration::from_secs(60));
            f.remember_unknown_key(format!("h{n}"));
        }
        assert!(lock(&f.failures).len() <= 8);
        assert!(lock(&f.unknown_keys).len() <= 8);
        // The newest are kept; the oldest went first.
        assert!(f.is_unknown_key("h999") && !f.is_unknown_key("h0"));
        assert_eq!(f.throttled(ip(999), 1), Some(Duration::from_millis(60_000)));
        assert_eq!(f.throttled(ip(0), 1), None);
    }

    #[test]
    fn a_restarted_window_replaces_the_old_entry() {
        let (clock, offset) = manual_clock();
        let f = FailedAuthentications::with_capacity(clock, 4, 4);
        for n in 0..100u64 {
            offset.store(n * 61_000, Ordering::SeqCst);
            f.record_failure(ip(1), Duration::from_secs(60));
        }
        assert_eq!(lock(&f.failures).len(), 1);
    }
}
