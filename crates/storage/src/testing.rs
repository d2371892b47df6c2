//! Test support shared by this crate's tests, the binary's tests and the
//! end-to-end tests (feature `testing`): throwaway databases (and a Postgres
//! server of a test's own, for tests that stop it), one macro that runs a
//! test on both backends, and a bounded poll for conditions.
//!
//! ```text
//! use patchbay_storage::testing::{TestDatabase, on_both_backends};
//!
//! async fn rows_round_trip(db: TestDatabase) {
//!     let store = db.connect();
//!     // ...
//! }
//! // Two tests: `rows_round_trip::sqlite` and `rows_round_trip::postgres`.
//! on_both_backends!(rows_round_trip);
//! ```
//!
//! Panics are deliberate here: this is test scaffolding, and a test that
//! cannot get its database must fail with a clear message.

use std::fmt;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use rand::Rng;

use crate::db::{Backend, Database};

mod postgres_server;
pub use postgres_server::{POSTGRES_BIN_ENV, PostgresServer};

/// Where the tests find a Postgres server they may create databases on.
pub const POSTGRES_URL_ENV: &str = "PATCHBAY_TEST_POSTGRES_URL";
/// Without TLS: on loopback it protects nothing, and a test process that
/// exits while a pool's background thread is mid-handshake can crash in
/// OpenSSL's exit handlers (a test binary died of SIGSEGV after all its
/// tests passed; the same race as `keys create` in docs/performance.md).
pub const DEFAULT_POSTGRES_URL: &str =
    "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";

/// A fresh, empty database that is removed when this value is dropped.
pub struct TestDatabase {
    url: String,
    backend: Backend,
    inner: Inner,
}

enum Inner {
    Sqlite {
        // Held only so the directory outlives the test.
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
    /// The `postgres` database of a server of the test's own.
    OwnServer(PostgresServer),
}

impl fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestDatabase")
            .field("backend", &self.backend)
            .field("url", &self.url)
            .finish()
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

impl TestDatabase {
    /// A SQLite file in a new temporary directory (a file, not `:memory:`, so
    /// every pooled connection sees the same database).
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::Builder::new()
            .prefix("patchbay-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let path = dir.path().join("patchbay.db");
        TestDatabase {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
            inner: Inner::Sqlite { _dir: dir, path },
        }
    }

    /// A new, randomly named database on the server at
    /// `PATCHBAY_TEST_POSTGRES_URL` (default: local trust-auth `postgres`).
    ///
    /// If the server is unreachable: in CI (`CI=true`) this panics, because
    /// the Postgres half of the suite must never be skipped there; elsewhere
    /// it returns `None` after telling the terminal (not the captured test
    /// output) that this test did not run, so a skip is never read as a pass.
    pub fn postgres() -> Option<TestDatabase> {
        let configured = std::env::var(POSTGRES_URL_ENV).ok();
        let admin_url = configured
            .clone()
            .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
        // An unroutable host must fail the test quickly rather than hang it.
        let admin_url = crate::connection::with_connect_timeout(&admin_url);
        let mut admin = match PgConnection::establish(&admin_url) {
            Ok(conn) => conn,
            Err(e) => {
                // On one line: libpq's messages span several.
                let e = e
                    .to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                let message = format!(
                    "Postgres for tests is unreachable ({}): {e}. Set {POSTGRES_URL_ENV} to a \
                     server where the tests may create databases.",
                    if configured.is_some() {
                        POSTGRES_URL_ENV
                    } else {
                        DEFAULT_POSTGRES_URL
                    }
                );
                skip_or_fail(&message, in_ci(), &mut std::io::stderr());
                return None;
            }
        };
        let name = format!("patchbay_test_{:016x}", rand::thread_rng().r#gen::<u64>());
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let mut url = url::Url::parse(&admin_url)
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_ENV} is not a URL: {e}"));
        url.set_path(&format!("/{name}"));
        Some(TestDatabase {
            url: url.to_string(),
            backend: Backend::Postgres,
            inner: Inner::Postgres { admin_url, name },
        })
    }

    /// A Postgres server of the test's own (see [`PostgresServer`]), for a
    /// test that stops and starts the database. Without a Postgres
    /// installation: skipped loudly, or a failure in CI, as
    /// [`TestDatabase::postgres`].
    pub fn own_postgres_server() -> Option<TestDatabase> {
        match PostgresServer::start() {
            Ok(server) => Some(TestDatabase {
                url: server.url(),
                backend: Backend::Postgres,
                inner: Inner::OwnServer(server),
            }),
            Err(e) => {
                let message = format!("Cannot run a Postgres server of the test's own: {e}");
                skip_or_fail(&message, in_ci(), &mut std::io::stderr());
                None
            }
        }
    }

    /// The server, when this database has one of its own.
    pub fn own_server(&self) -> Option<&PostgresServer> {
        match &self.inner {
            Inner::OwnServer(server) => Some(server),
            _ => None,
        }
    }

    /// Take SQLite's write lock from a connection of the test's own and hold
    /// it until the value is dropped: every other writer waits for it.
    /// Panics on Postgres.
    pub fn hold_write_lock(&self) -> WriteLock {
        assert_eq!(self.backend, Backend::Sqlite, "a SQLite write lock");
        let mut conn = crate::connection::establish(&self.url)
            .unwrap_or_else(|e| panic!("cannot open the test database: {e}"));
        diesel::connection::SimpleConnection::batch_execute(&mut conn, "BEGIN IMMEDIATE")
            .unwrap_or_else(|e| panic!("cannot take the write lock: {e}"));
        WriteLock(conn)
    }

    /// Another fresh, empty database on the same backend (for a test that
    /// needs a second one). Postgres answered for this one, so a Postgres
    /// that does not answer now fails the test rather than skipping it.
    pub fn another(&self) -> TestDatabase {
        match self.backend {
            Backend::Sqlite => TestDatabase::sqlite(),
            Backend::Postgres => TestDatabase::postgres()
                .unwrap_or_else(|| panic!("Postgres stopped answering during the test")),
        }
    }

    /// The URL to hand to `Database::connect` or the application's settings.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which engine this test database is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite file, for tests that inspect the bytes on disk.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.inner {
            Inner::Sqlite { path, .. } => Some(path),
            Inner::Postgres { .. } | Inner::OwnServer(_) => None,
        }
    }

    /// Run one SQL statement on this database, bypassing the store: for
    /// tests that damage a row the store would never write. The number of
    /// rows it changed.
    pub fn execute(&self, sql: &str) -> usize {
        let mut conn = crate::establish(&self.url)
            .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
        diesel::sql_query(sql)
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("the test's SQL failed: {e}"))
    }

    /// Connect with a small pool and apply the migrations.
    pub fn connect(&self) -> Database {
        let db = Database::connect(&self.url, 4)
            .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
        db.run_migrations()
            .unwrap_or_else(|e| panic!("cannot migrate the test database: {e}"));
        db
    }
}

/// SQLite's write lock, held by a connection of a test's own
/// ([`TestDatabase::hold_write_lock`]); released when dropped.
pub struct WriteLock(crate::connection::DbConnection);

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = diesel::connection::SimpleConnection::batch_execute(&mut self.0, "ROLLBACK");
    }
}

/// Outside CI a missing server skips the Postgres half, loudly; in CI that
/// would silently halve the coverage, so it fails instead.
///
/// The notice is written to `out` directly, not with `eprintln!`: the test
/// harness captures `eprintln!` and shows it only for failed tests, and a
/// skipped test is reported as passed.
fn skip_or_fail(message: &str, ci: bool, out: &mut dyn Write) {
    if ci {
        panic!("{message} (CI=true: the Postgres tests must run in CI)");
    }
    static BANNER_SHOWN: AtomicBool = AtomicBool::new(false);
    let first = !BANNER_SHOWN.swap(true, Ordering::SeqCst);
    let test = std::thread::current()
        .name()
        .unwrap_or("a Postgres test")
        .to_owned();
    // Best effort: a closed stderr must not fail the test.
    let _ = out.write_all(skip_notice(message, &test, first).as_bytes());
}

/// What a skipped Postgres test prints: a banner the first time in a test
/// binary, then one line per skipped test.
fn skip_notice(message: &str, test: &str, first: bool) -> String {
    let line = format!("!! SKIPPED, NOT RUN: {test} (no Postgres for tests)\n");
    if !first {
        return line;
    }
    let rule = "!".repeat(76);
    format!(
        "\n{rule}\n\
         !! {message}\n\
         !! Every Postgres test in this binary is SKIPPED and reported as `ok`:\n\
         !! half of the suite has NOT run. Start Postgres (or set {POSTGRES_URL_ENV}).\n\
         {rule}\n{line}"
    )
}

/// Poll `check` until it answers `Ok`, for at most `timeout`; the test fails
/// with `what` and the last `Err` (the state seen) when time runs out. For
/// waiting on a condition instead of sleeping a fixed time.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let started = Instant::now();
    loop {
        let last = match check().await {
            Ok(done) => return done,
            Err(state) => state,
        };
        if started.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for {what}; last seen: {last}");
        }
        // The polling interval, not a stand-in for the condition.
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// How often [`eventually`] looks again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Run an async test body on both backends, one test each.
///
/// `on_both_backends!(name, ...)` expects `async fn name(db: TestDatabase)`
/// for each name and generates the tests `name::sqlite` and `name::postgres`,
/// each handing the body a fresh, empty database of its kind (a multi-thread
/// tokio runtime with two workers). When Postgres is unreachable the Postgres
/// test is skipped with a notice on the terminal (see
/// [`TestDatabase::postgres`]); under `CI=true` it fails instead.
#[doc(hidden)]
#[macro_export]
macro_rules! __on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::testing::TestDatabase::sqlite()).await;
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::testing::TestDatabase::postgres() {
                    super::$name(db).await;
                }
            }
        }
    )+};
}
pub use __on_both_backends as on_both_backends;

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Inner::Postgres { admin_url, name } = &self.inner {
            // FORCE (Postgres 13+) ends the pool's connections that may still
            // be open in this process.
            let dropped = PgConnection::establish(admin_url)
                .map_err(|e| e.to_string())
                .and_then(|mut admin| {
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut admin)
                        .map_err(|e| e.to_string())
                });
            if let Err(e) = dropped {
                eprintln!("warning: could not drop test database {name}: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "must run in CI")]
    fn unreachable_postgres_fails_in_ci() {
        skip_or_fail("Postgres for tests is unreachable", true, &mut Vec::new());
    }

    #[test]
    fn unreachable_postgres_is_reported_as_skipped_outside_ci() {
        let mut out = Vec::new();
        skip_or_fail("Postgres for tests is unreachable", false, &mut out);
        let out = String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"));
        // Named after the test's thread (libtest names it after the test).
        assert!(out.contains("!! SKIPPED, NOT RUN: "), "{out}");

        let banner = skip_notice("Postgres is down", "x::postgres", true);
        assert!(banner.contains("!! Postgres is down\n"), "{banner}");
        assert!(banner.contains("half of the suite has NOT run"), "{banner}");
        assert!(banner.contains(POSTGRES_URL_ENV), "{banner}");
        assert!(banner.ends_with("SKIPPED, NOT RUN: x::postgres (no Postgres for tests)\n"));
        let later = skip_notice("Postgres is down", "y::postgres", false);
        assert_eq!(
            later,
            "!! SKIPPED, NOT RUN: y::postgres (no Postgres for tests)\n"
        );
    }

    #[tokio::test]
    async fn eventually_returns_once_the_condition_holds() {
        let mut polls = 0;
        let got = eventually("the third poll", Duration::from_secs(5), || {
            polls += 1;
            let n = polls;
            async move {
                if n >= 3 {
                    Ok(n)
                } else {
                    Err(format!("poll {n}"))
                }
            }
        })
        .await;
        assert_eq!(got, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "waiting for nothing; last seen: still nothing")]
    async fn eventually_fails_with_the_last_state_seen() {
        eventually("nothing", Duration::from_millis(120), || async {
            Err::<(), _>("still nothing".to_string())
        })
        .await;
    }

    #[test]
    fn sqlite_test_database_is_removed_on_drop() {
        let tdb = TestDatabase::sqlite();
        let path = tdb.sqlite_path().map(Path::to_path_buf);
        drop(tdb.connect());
        let Some(path) = path else {
            panic!("a SQLite test database has a path");
        };
        assert!(path.exists());
        drop(tdb);
        assert!(!path.exists());
    }

    #[test]
    fn postgres_test_database_is_dropped_even_with_open_connections() {
        let Some(tdb) = TestDatabase::postgres() else {
            return;
        };
        let Inner::Postgres { admin_url, name } = &tdb.inner else {
            panic!("a Postgres test database has a name");
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // The pool outlives the TestDatabase here on purpose.
        let db = tdb.connect();
        drop(tdb);
        drop(db);
        let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| panic!("{e}"));
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let left: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
        ))
        .get_result(&mut admin)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(left.n, 0, "test database {name} was not dropped");
    }
}
