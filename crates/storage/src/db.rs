//! The pool of connections to one database, and the permits that keep a
//! burst of calls from each taking a blocking thread while they wait.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::r2d2::R2D2Connection;
use secrecy::SecretString;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use crate::backend::Backend;
use crate::connection::{DbConnection, Target, create_parent_dir};
use crate::error::StorageError;
use crate::listen::WakeListener;

/// How long a store call waits for a connection (a free one, or a new one
/// to a database that may be down) and, on SQLite, for a lock, unless the
/// operator says otherwise: a request against a database that does not
/// answer is refused within this time rather than left waiting.
pub const DEFAULT_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// r2d2 manager that builds the variant from the scheme (see `connection`).
pub(crate) struct Manager {
    target: Target,
    /// SQLite's busy timeout: the same bound as a checkout.
    lock_timeout: Duration,
}

/// A pooled connection. The pool does not ping on every checkout (that
/// doubled the round trips of every request). Diesel already flags a Postgres
/// connection the server closed; as a second line, a caller whose work failed
/// pings once and marks the connection broken, and r2d2 drops it.
pub struct ManagedConnection {
    conn: DbConnection,
    pub(crate) broken: bool,
}

impl std::ops::Deref for ManagedConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for ManagedConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl ManagedConnection {
    /// After a failed call: keep the connection only if it still answers.
    pub(crate) fn check_after_error(&mut self) {
        if self.conn.ping().is_err() {
            self.broken = true;
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = ManagedConnection;
    type Error = StorageError;

    fn connect(&self) -> Result<ManagedConnection, StorageError> {
        Ok(ManagedConnection {
            conn: self.target.connect(self.lock_timeout)?,
            broken: false,
        })
    }

    fn is_valid(&self, conn: &mut ManagedConnection) -> Result<(), StorageError> {
        conn.conn.ping().map_err(|e| StorageError::Connect {
            backend: self.target.backend(),
            message: e.to_string(),
        })
    }

    fn has_broken(&self, conn: &mut ManagedConnection) -> bool {
        conn.broken || conn.conn.is_broken()
    }
}

pub(crate) type PooledConnection = r2d2::PooledConnection<Manager>;

/// A pool of connections to one database. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// One permit per pooled connection, taken before a blocking thread is.
    permits: Arc<Semaphore>,
    /// The longest a call waits for a permit and a connection together.
    checkout_timeout: Duration,
    /// Postgres: where [`Database::listen_for_wakes`] connects.
    url: Option<SecretString>,
}

impl fmt::Debug for Database {
    // Deliberately without the URL: it may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.pool.state();
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .finish()
    }
}

impl Database {
    /// Open a pool of up to `pool_size` connections. Blocks: call it from a
    /// blocking context. The first connection is made directly so that a
    /// refused or misconfigured database reports its own message at once
    /// instead of a pool timeout.
    pub fn connect(url: &str, pool_size: u32) -> Result<Database, StorageError> {
        Self::connect_with_timeout(url, pool_size, DEFAULT_CHECKOUT_TIMEOUT)
    }

    /// [`connect`](Self::connect) with the longest a store call waits for a
    /// connection (and, on SQLite, for a lock) before the database counts as
    /// unavailable (`StoreError::Unavailable`).
    pub fn connect_with_timeout(
        url: &str,
        pool_size: u32,
        checkout_timeout: Duration,
    ) -> Result<Database, StorageError> {
        Self::open(url, pool_size, 1, checkout_timeout)
    }

    /// A pool for a one-shot command: `min_idle` 0 means the pool never opens
    /// a spare connection in the background, so none is mid-handshake when
    /// the process exits (a TLS connect torn down by exit crashed libpq).
    pub fn connect_for_command(url: &str) -> Result<Database, StorageError> {
        Self::open(url, 2, 0, DEFAULT_CHECKOUT_TIMEOUT)
    }

    fn open(
        url: &str,
        pool_size: u32,
        min_idle: u32,
        checkout_timeout: Duration,
    ) -> Result<Database, StorageError> {
        let target = Target::parse(url)?;
        let backend = target.backend();
        let listen_url = match &target {
            Target::Postgres(url) => Some(SecretString::from(url.clone())),
            Target::Sqlite(_) => None,
        };
        if let Target::Sqlite(path) = &target {
            create_parent_dir(path)?;
        }
        // r2d2 refuses a zero timeout.
        let checkout_timeout = checkout_timeout.max(Duration::from_millis(1));
        drop(target.connect(checkout_timeout)?);
        let permits = Arc::new(Semaphore::new(pool_size.max(1) as usize));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            // Connections are opened on demand beyond the first; opening the
            // whole pool up front only slows start-up and tests.
            .min_idle(Some(min_idle))
            .test_on_check_out(false)
            // Also paces r2d2's reconnection attempts to a database that is
            // down (at most half of this apart), so it is back soon after
            // the database is.
            .connection_timeout(checkout_timeout)
            .build(Manager {
                target,
                lock_timeout: checkout_timeout,
            })
            .map_err(|e| StorageError::Pool(e.to_string()))?;
        Ok(Database {
            pool,
            backend,
            permits,
            checkout_timeout,
            url: listen_url,
        })
    }

    /// The most connections the pool opens.
    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// Which engine the pool talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Call `wake` whenever any instance on this database queues work
    /// (Postgres `LISTEN`; see [`WakeListener`]), for as long as the
    /// listener lives. `None` on SQLite, where this process is the only
    /// writer and wakes its workers in memory. Within a tokio runtime.
    pub fn listen_for_wakes(
        &self,
        wake: impl Fn() + Send + Sync + 'static,
    ) -> Option<WakeListener> {
        let url = self.url.clone()?;
        Some(WakeListener::start(url, Arc::new(wake)))
    }

    /// When a call starting now must have its connection.
    pub(crate) fn checkout_deadline(&self) -> Instant {
        Instant::now() + self.checkout_timeout
    }

    /// A pooled connection; an unreachable database is an error after the
    /// checkout timeout, never a hang.
    pub(crate) fn get(&self) -> Result<PooledConnection, r2d2::Error> {
        self.pool.get()
    }

    /// A pooled connection by `deadline` (one try at least, so a free
    /// connection is never refused); an unreachable database is an error by
    /// then, never a hang.
    pub(crate) fn get_by(&self, deadline: Instant) -> Result<PooledConnection, r2d2::Error> {
        self.pool
            .get_timeout(deadline.saturating_duration_since(Instant::now()))
    }

    /// A permit and an idle connection, only if both are free right now.
    pub(crate) fn try_checkout(&self) -> Option<(OwnedSemaphorePermit, PooledConnection)> {
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        let conn = self.pool.try_get()?;
        Some((permit, conn))
    }

    /// Wait (asynchronously, first come first served) until a connection is
    /// free to be used by the holder of the permit. Waiting for one on a
    /// blocking thread instead let a burst of 1,000 requests occupy 500
    /// blocking threads, and every other request queued behind them.
    ///
    /// The wait ends at `deadline`, the same one the checkout after it keeps:
    /// while the database is down every connection is held by a call waiting
    /// for it, and a call queued behind them must not wait twice.
    pub(crate) async fn permit(&self, deadline: Instant) -> Result<OwnedSemaphorePermit, String> {
        // Uncontended, the usual case: no timer to arm.
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let acquire = self.permits.clone().acquire_owned();
        match tokio::time::timeout_at(deadline.into(), acquire).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err("the connection pool is closed".into()),
            Err(_) => Err(format!(
                "no database connection became free within {} ms",
                self.checkout_timeout.as_millis()
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn refused_postgres_keeps_its_own_message() {
        // Port 1 is never a Postgres server; the message must come from libpq,
        // not diesel's generic multi-connection text.
        let err = Database::connect("postgres://postgres@127.0.0.1:1/postgres", 1)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("Postgres"), "{err}");
        assert!(
            !err.to_lowercase().contains("invalid connection url"),
            "{err}"
        );
        assert!(
            err.contains("127.0.0.1") || err.contains("refused"),
            "{err}"
        );
    }

    #[test]
    fn sqlite_creates_parent_dirs_and_applies_pragmas() {
        use diesel::RunQueryDsl;
        use diesel::sql_types::{BigInt, Text};

        #[derive(diesel::QueryableByName)]
        struct Mode {
            #[diesel(sql_type = Text)]
            journal_mode: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Fk {
            #[diesel(sql_type = BigInt)]
            foreign_keys: i64,
        }

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/patchbay.db");
        let db = Database::connect(&format!("sqlite://{}", path.display()), 2).unwrap();
        assert_eq!(db.backend(), Backend::Sqlite);
        assert!(path.exists());
        db.run_migrations().unwrap();
        // Running again applies nothing and does not fail.
        db.run_migrations().unwrap();
        let mut conn = db.get().unwrap();
        let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(&mut **conn)
            .unwrap();
        assert_eq!(mode.journal_mode, "wal");
        let fk: Fk = diesel::sql_query("PRAGMA foreign_keys")
            .get_result(&mut **conn)
            .unwrap();
        assert_eq!(fk.foreign_keys, 1);
    }
}
