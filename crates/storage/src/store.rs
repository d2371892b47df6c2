//! The SQL store: one value holding the connection pool, the keyring that
//! seals secrets and the queue of point reads, and the way every store call
//! gets a connection. The domain's store traits are implemented for it in
//! `integrations`, `tenants`, `audit` and `deliveries`; key rotation is in
//! `rotation`.

use std::fmt;
use std::sync::Arc;

use patchbay_domain::StoreError;
use patchbay_domain::delivery::EnqueueOutcome;

use crate::backend::Backend;
use crate::coalesce::{Answer, Coalescer};
use crate::connection::DbConnection;
use crate::crypto::Keyring;
use crate::db::Database;
use crate::outbox::{Enqueue, Finish};
use crate::reads::ReadQueue;

/// The SQL store: a connection pool and the keyring that seals secrets.
#[derive(Clone)]
pub struct SqlStore {
    db: Database,
    keyring: Arc<Keyring>,
    pub(crate) reads: Arc<ReadQueue>,
    /// Deliveries to enqueue and attempts to record, each written many to a
    /// transaction under load (see `outbox`).
    pub(crate) enqueues: Arc<Coalescer<Enqueue, EnqueueOutcome>>,
    pub(crate) finishes: Arc<Coalescer<Finish, bool>>,
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
    /// A store over `db`, sealing and opening secrets with `keyring`.
    pub fn new(db: Database, keyring: Arc<Keyring>) -> SqlStore {
        // A quarter of the pool drains point reads: enough that an idle
        // service never queues one, few enough that reads arriving together
        // share a query and leave connections for writes.
        let reads = Arc::new(ReadQueue::new(db.pool_size() as usize / 4));
        // SQLite has one writer at a time; on Postgres a second batch can
        // be written while the first commits.
        let writers = match db.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        };
        SqlStore {
            db,
            keyring,
            reads,
            enqueues: Arc::new(Coalescer::new(writers)),
            finishes: Arc::new(Coalescer::new(writers)),
        }
    }

    /// The database it uses.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The keyring secrets are sealed and opened with.
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

    /// One call through `queue`: queued, and answered by a runner that
    /// writes (or reads) everything waiting with `work` on one connection.
    pub(crate) async fn coalesced<K, T, W>(
        &self,
        queue: &Arc<Coalescer<K, T>>,
        key: K,
        work: W,
    ) -> Result<T, StoreError>
    where
        K: Send + 'static,
        T: Send + 'static,
        W: Fn(&mut DbConnection, Vec<K>) -> Result<Vec<Answer<T>>, StoreError>
            + Clone
            + Send
            + Sync
            + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        if queue.push(key, reply) {
            let store = self.clone();
            let queue = queue.clone();
            tokio::spawn(async move {
                queue
                    .run(|keys| {
                        let work = work.clone();
                        store.run(move |conn, _| work(conn, keys))
                    })
                    .await;
            });
        }
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::Other("the store call was abandoned".into())))
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
