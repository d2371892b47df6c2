//! The SQL store: one value holding the connection pool, the keyring that
//! seals secrets and the queue of point reads, and the way every store call
//! gets a connection. The domain's store traits are implemented for it in
//! `integrations`, `tenants`, `audit` and `deliveries`; key rotation is in
//! `rotation`.

use std::fmt;
use std::sync::Arc;

use patchbay_domain::StoreError;

use crate::backend::Backend;
use crate::connection::DbConnection;
use crate::crypto::Keyring;
use crate::db::Database;
use crate::reads::ReadQueue;

/// The SQL store: a connection pool and the keyring that seals secrets.
#[derive(Clone)]
pub struct SqlStore {
    db: Database,
    keyring: Arc<Keyring>,
    pub(crate) reads: Arc<ReadQueue>,
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("db", &self.db)
            .field("keyring", &self.keyring)
            .finish()
    }
}

impl SqlStore {
    pub fn new(db: Database, keyring: Arc<Keyring>) -> SqlStore {
        // A quarter of the pool drains point reads: enough that an idle
        // service never queues one, few enough that reads arriving together
        // share a query and leave connections for writes.
        let reads = Arc::new(ReadQueue::new(db.pool_size() as usize / 4));
        SqlStore { db, keyring, reads }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn keyring(&self) -> &Arc<Keyring> {
        &self.keyring
    }

    /// Run blocking diesel work on tokio's blocking pool with a pooled
    /// connection.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Keyring) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        let keyring = self.keyring.clone();
        let deadline = db.checkout_deadline();
        let permit = db.permit(deadline).await.map_err(StoreError::Unavailable)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = db
                .get_by(deadline)
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let result = work(&mut conn, &keyring);
            if result.is_err() {
                conn.check_after_error();
            }
            result
        })
        .await
        .map_err(|e| StoreError::Other(format!("storage task failed: {e}")))?
    }

    /// [`run`](Self::run) for a batch of point reads. On SQLite, with a
    /// connection free at once, on the calling thread: in WAL mode a read
    /// never waits for a writer, and a few cached lookups take less than the
    /// hand-off to a blocking thread, which was most of a read's cost.
    /// Postgres reads wait on the network, so they always hand off.
    pub(crate) async fn run_reads<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Keyring) -> Result<T, StoreError> + Send + 'static,
    {
        if self.db.backend() == Backend::Sqlite
            && let Some((_permit, mut conn)) = self.db.try_checkout()
        {
            let result = work(&mut conn, &self.keyring);
            if result.is_err() {
                conn.check_after_error();
            }
            return result;
        }
        self.run(work).await
    }
}
