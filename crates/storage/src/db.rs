//! The pool of connections to one database, and the permits that keep a
//! burst of calls from each taking a blocking thread while they wait.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use diesel::r2d2::R2D2Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use crate::backend::Backend;
use crate::connection::{DbConnection, Target, create_parent_dir};
use crate::error::StorageError;

/// Long enough to ride out a busy moment, short enough that a readiness probe
/// against a dead database answers before the orchestrator gives up.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

/// r2d2 manager that builds the variant from the scheme (see `connection`).
pub(crate) struct Manager {
    target: Target,
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
            conn: self.target.connect()?,
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
        Self::connect_with_min_idle(url, pool_size, 1)
    }

    /// A pool for a one-shot command: `min_idle` 0 means the pool never opens
    /// a spare connection in the background, so none is mid-handshake when
    /// the process exits (a TLS connect torn down by exit crashed libpq).
    pub fn connect_for_command(url: &str) -> Result<Database, StorageError> {
        Self::connect_with_min_idle(url, 2, 0)
    }

    fn connect_with_min_idle(
        url: &str,
        pool_size: u32,
        min_idle: u32,
    ) -> Result<Database, StorageError> {
        let target = Target::parse(url)?;
        let backend = target.backend();
        if let Target::Sqlite(path) = &target {
            create_parent_dir(path)?;
        }
        drop(target.connect()?);
        let permits = Arc::new(Semaphore::new(pool_size.max(1) as usize));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            // Connections are opened on demand beyond the first; opening the
            // whole pool up front only slows start-up and tests.
            .min_idle(Some(min_idle))
            .test_on_check_out(false)
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build(Manager { target })
            .map_err(|e| StorageError::Pool(e.to_string()))?;
        Ok(Database {
            pool,
            backend,
            permits,
        })
    }

    /// The most connections the pool opens.
    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection; an unreachable database is an error after the
    /// checkout timeout, never a hang.
    pub(crate) fn get(&self) -> Result<PooledConnection, r2d2::Error> {
        self.pool.get()
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
    pub(crate) async fn permit(&self) -> Result<OwnedSemaphorePermit, String> {
        // Uncontended, the usual case: no timer to arm.
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(permit);
        }
        match tokio::time::timeout(CHECKOUT_TIMEOUT, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err("the connection pool is closed".into()),
            Err(_) => Err(format!(
                "no database connection became free within {} s",
                CHECKOUT_TIMEOUT.as_secs()
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
