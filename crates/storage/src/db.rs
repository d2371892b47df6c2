//! Connections and the pool. One `DbConnection` type covers both backends so
//! the store has a single code path; the variant is chosen from the URL
//! scheme here rather than by `MultiConnection::establish`, which tries every
//! backend in turn and replaces a refused Postgres' real message with
//! "invalid connection url".

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Run a diesel query on the backend's own connection. Through the
/// multi-connection, diesel renders the SQL text again on every execution,
/// cached statement or not: 16 % of the server's CPU in a SQLite read
/// benchmark. For the statements on the hot paths; the rest stay generic.
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use native;

use crate::error::StorageError;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Long enough to ride out a busy moment, short enough that a readiness probe
/// against a dead database answers before the orchestrator gives up.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

/// Any arbitrary constant works as long as every Patchbay process uses the
/// same one: it serialises migrations when several replicas start at once.
const PG_MIGRATION_LOCK: i64 = 0x7061_7463_6862_6179; // "patchbay"

/// SQLite settings every connection needs: WAL lets readers run beside the
/// writer, the busy timeout turns writer contention into waiting instead of
/// "database is locked", and foreign keys are off per connection by default.
/// `busy_timeout` comes first so switching to WAL waits for the lock too.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL;";

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "Postgres",
            Backend::Sqlite => "SQLite",
        })
    }
}

/// Where a URL points, decided from its scheme alone.
#[derive(Clone)]
enum Target {
    Postgres(String),
    Sqlite(PathBuf),
}

impl Target {
    fn backend(&self) -> Backend {
        match self {
            Target::Postgres(_) => Backend::Postgres,
            Target::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// `postgres://` / `postgresql://` select Postgres; `sqlite://path`,
    /// `sqlite:path` or a bare file path select SQLite. Errors name at most
    /// the scheme: the rest of the URL may hold a password.
    fn parse(url: &str) -> Result<Self, StorageError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(StorageError::InvalidUrl("the database URL is empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_owned()));
        }
        let path = if let Some(rest) = url.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            rest
        } else if let Some((scheme, _)) = url.split_once("://") {
            let scheme: String = scheme.chars().take(20).collect();
            return Err(StorageError::InvalidUrl(format!(
                "unsupported scheme `{scheme}` (use postgres://, sqlite:// or a file path)"
            )));
        } else {
            url
        };
        if path.is_empty() {
            return Err(StorageError::InvalidUrl(
                "the SQLite URL names no file".into(),
            ));
        }
        // Every pooled connection to `:memory:` would get its own empty
        // database, so migrations would seem to vanish.
        if path == ":memory:" || path.contains("mode=memory") {
            return Err(StorageError::InvalidUrl(
                "in-memory SQLite cannot be shared by a connection pool; use a file path".into(),
            ));
        }
        Ok(Target::Sqlite(PathBuf::from(path)))
    }

    fn connect(&self) -> Result<DbConnection, StorageError> {
        match self {
            Target::Postgres(url) => {
                PgConnection::establish(url)
                    .map(DbConnection::Pg)
                    .map_err(|e| StorageError::Connect {
                        backend: Backend::Postgres,
                        message: e.to_string(),
                    })
            }
            Target::Sqlite(path) => {
                let connect_err = |message: String| StorageError::Connect {
                    backend: Backend::Sqlite,
                    message,
                };
                let path_str = path
                    .to_str()
                    .ok_or_else(|| connect_err("the SQLite file path is not valid UTF-8".into()))?;
                let mut conn = SqliteConnection::establish(path_str)
                    .map_err(|e| connect_err(e.to_string()))?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(|e| connect_err(format!("configuring the connection: {e}")))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// Open one connection outside any pool, configured as pooled ones are (for
/// tools and tests that need raw SQL).
pub fn establish(url: &str) -> Result<DbConnection, StorageError> {
    let target = Target::parse(url)?;
    if let Target::Sqlite(path) = &target {
        create_parent_dir(path)?;
    }
    target.connect()
}

fn create_parent_dir(path: &Path) -> Result<(), StorageError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|source| StorageError::CreateDir {
                path: parent.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// r2d2 manager that builds the variant from the scheme (see module docs).
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

    /// Apply the embedded migrations for this backend that are not applied
    /// yet. Safe when several processes start at once. Blocks.
    pub fn run_migrations(&self) -> Result<(), StorageError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| StorageError::Pool(e.to_string()))?;
        let migration_err =
            |e: Box<dyn std::error::Error + Send + Sync>| StorageError::Migration(e.to_string());
        let applied = match &mut **conn {
            DbConnection::Pg(pg) => {
                pg.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))
                    .map_err(|e| StorageError::Migration(e.to_string()))?;
                let result = pg
                    .run_pending_migrations(PG_MIGRATIONS)
                    .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                    .map_err(migration_err);
                // Session-level lock: release it even when a migration failed,
                // or the pooled connection would keep it.
                let unlock =
                    pg.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"));
                let applied = result?;
                unlock.map_err(|e| StorageError::Migration(e.to_string()))?;
                applied
            }
            DbConnection::Sqlite(sqlite) => {
                // IMMEDIATE takes the write lock before diesel reads which
                // migrations are pending, so two starting processes cannot
                // both decide to apply the same one.
                sqlite.immediate_transaction(|c| {
                    c.run_pending_migrations(SQLITE_MIGRATIONS)
                        .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                        .map_err(migration_err)
                })?
            }
        };
        for version in &applied {
            tracing::info!(backend = %self.backend, %version, "applied migration");
        }
        Ok(())
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
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct HealthRow {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        state: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        reason: Option<String>,
    }

    fn health(id: &str, state: Option<&str>, reason: Option<&str>) -> HealthRow {
        HealthRow {
            id: id.into(),
            state: state.map(Into::into),
            reason: reason.map(Into::into),
        }
    }

    // One body for both backends: the harness is implemented per connection
    // type, not for the multi-connection.
    macro_rules! health_survives_000004 {
        ($conn:expr, $migrations:expr) => {{
            let conn = $conn;
            for _ in 0..3 {
                conn.run_next_migration($migrations).unwrap();
            }
            conn.batch_execute(
                "INSERT INTO organizations (id, name, created_at) \
                   VALUES ('org_a', 'a', '2026-01-01 00:00:00'); \
                 INSERT INTO integrations (id, org_id, name, type_slug, environment, status, \
                   config, version, created_at, updated_at) VALUES \
                   ('int_a', 'org_a', 'a', 'webhook', 'production', 'active', '{}', 1, \
                    '2026-01-01 00:00:00', '2026-01-01 00:00:00'), \
                   ('int_b', 'org_a', 'b', 'webhook', 'production', 'active', '{}', 1, \
                    '2026-01-01 00:00:00', '2026-01-01 00:00:00'); \
                 INSERT INTO integration_health (integration_id, org_id, state, reason, changed_at) \
                   VALUES ('int_a', 'org_a', 'unhealthy', 'gone', '2026-01-02 03:04:05')",
            )
            .unwrap();
            conn.run_pending_migrations($migrations).unwrap();
            let moved: Vec<HealthRow> = diesel::sql_query(
                "SELECT id, health_state AS state, health_reason AS reason \
                 FROM integrations ORDER BY id",
            )
            .load(conn)
            .unwrap();
            assert_eq!(
                moved,
                [
                    health("int_a", Some("unhealthy"), Some("gone")),
                    health("int_b", None, None)
                ]
            );
            // And back: the revert restores the table with the same rows.
            conn.revert_last_migration($migrations).unwrap();
            let restored: Vec<HealthRow> = diesel::sql_query(
                "SELECT integration_id AS id, state, reason FROM integration_health",
            )
            .load(conn)
            .unwrap();
            assert_eq!(restored, [health("int_a", Some("unhealthy"), Some("gone"))]);
            conn.run_pending_migrations($migrations).unwrap();
        }};
    }

    #[test]
    fn migration_000004_keeps_recorded_health_both_ways() {
        let sqlite = crate::testing::TestDatabase::sqlite();
        match Target::parse(sqlite.url()).unwrap().connect().unwrap() {
            DbConnection::Sqlite(mut c) => health_survives_000004!(&mut c, SQLITE_MIGRATIONS),
            DbConnection::Pg(_) => unreachable!(),
        }
        if let Some(pg) = crate::testing::TestDatabase::postgres() {
            match Target::parse(pg.url()).unwrap().connect().unwrap() {
                DbConnection::Pg(mut c) => health_survives_000004!(&mut c, PG_MIGRATIONS),
                DbConnection::Sqlite(_) => unreachable!(),
            }
        }
    }

    #[test]
    fn urls_select_the_backend_by_scheme() {
        assert!(matches!(
            Target::parse("postgres://u@h/db"),
            Ok(Target::Postgres(_))
        ));
        assert!(matches!(
            Target::parse("postgresql://u@h/db"),
            Ok(Target::Postgres(_))
        ));
        for (url, path) in [
            ("sqlite://data/p.db", "data/p.db"),
            ("sqlite:///abs/p.db", "/abs/p.db"),
            ("sqlite:p.db", "p.db"),
            ("./data/p.db", "./data/p.db"),
        ] {
            match Target::parse(url) {
                Ok(Target::Sqlite(p)) => assert_eq!(p, PathBuf::from(path), "{url}"),
                _ => panic!("{url} should select SQLite"),
            }
        }
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        let err = Target::parse("mysql://root:hunter2@h/db")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("mysql"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(Target::parse("").is_err());
        assert!(Target::parse("sqlite://").is_err());
        assert!(Target::parse("sqlite::memory:").is_err());
    }

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
