//! Throwaway databases for tests, shared by this crate's tests and the
//! end-to-end tests (feature `testing`).
//!
//! Panics are deliberate here: this is test scaffolding, and a test that
//! cannot get its database must fail with a clear message.

use std::fmt;
use std::path::{Path, PathBuf};

use diesel::{Connection, PgConnection, RunQueryDsl};
use rand::Rng;

use crate::db::{Backend, Database};

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
    /// it prints a loud notice and returns `None`.
    pub fn postgres() -> Option<TestDatabase> {
        let configured = std::env::var(POSTGRES_URL_ENV).ok();
        let admin_url = configured
            .clone()
            .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
        let admin_url = with_connect_timeout(&admin_url);
        let mut admin = match PgConnection::establish(&admin_url) {
            Ok(conn) => conn,
            Err(e) => {
                let message = format!(
                    "Postgres for tests is unreachable ({}): {e}. Set {POSTGRES_URL_ENV} to a \
                     server where the tests may create databases.",
                    if configured.is_some() {
                        POSTGRES_URL_ENV
                    } else {
                        DEFAULT_POSTGRES_URL
                    }
                );
                skip_or_fail(&message, in_ci());
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

    /// The URL to hand to `Database::connect` or the application's settings.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite file, for tests that inspect the bytes on disk.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.inner {
            Inner::Sqlite { path, .. } => Some(path),
            Inner::Postgres { .. } => None,
        }
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

/// Outside CI a missing server skips the Postgres half, loudly; in CI that
/// would silently halve the coverage, so it fails instead.
fn skip_or_fail(message: &str, ci: bool) {
    if ci {
        panic!("{message} (CI=true: the Postgres tests must run in CI)");
    }
    eprintln!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !! SKIPPING a Postgres test: {message}\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    );
}

/// An unroutable host must fail the test quickly rather than hang it.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=5")
    } else {
        format!("{url}?connect_timeout=5")
    }
}

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
        skip_or_fail("Postgres for tests is unreachable", true);
    }

    #[test]
    fn unreachable_postgres_skips_outside_ci() {
        skip_or_fail(
            "Postgres for tests is unreachable (expected in this test)",
            false,
        );
    }

    #[test]
    fn connect_timeout_is_added_once() {
        assert_eq!(
            with_connect_timeout("postgres://h/db"),
            "postgres://h/db?connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable"),
            "postgres://h/db?sslmode=disable&connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=1"),
            "postgres://h/db?connect_timeout=1"
        );
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
