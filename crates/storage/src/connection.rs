//! One connection to either backend. One `DbConnection` type covers both so
//! the stores have a single code path; the variant is chosen from the URL
//! scheme here rather than by `MultiConnection::establish`, which tries every
//! backend in turn and replaces a refused Postgres' real message with
//! "invalid connection url".

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::backend::Backend;
use crate::error::StorageError;

/// Run a diesel query on the backend's own connection. Through the
/// multi-connection, diesel renders the SQL text again on every execution,
/// cached statement or not: 16 % of the server's CPU in a SQLite read
/// benchmark. For the statements on the hot paths; the rest stay generic.
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::connection::DbConnection::Pg($c) => $body,
            $crate::connection::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use native;

/// SQLite settings every connection needs: WAL lets readers run beside the
/// writer, the busy timeout (see [`Target::connect`]) turns writer contention
/// into waiting instead of "database is locked", and foreign keys are off per
/// connection by default. `busy_timeout` comes first so switching to WAL
/// waits for the lock too.
fn sqlite_pragmas(lock_timeout: Duration) -> String {
    format!(
        "PRAGMA busy_timeout = {}; \
         PRAGMA journal_mode = WAL; \
         PRAGMA foreign_keys = ON; \
         PRAGMA synchronous = NORMAL;",
        lock_timeout.as_millis().clamp(1, i32::MAX as u128)
    )
}

pub use multi::{DbConnection, MultiBackend};

/// diesel's derive adds `MultiBackend` and its helpers, which carry no docs.
#[allow(missing_docs)]
mod multi {
    use diesel::{PgConnection, SqliteConnection};

    /// A connection to Postgres or SQLite; the stores' queries run on either.
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// A Postgres connection.
        Pg(PgConnection),
        /// A SQLite connection.
        Sqlite(SqliteConnection),
    }
}

/// Where a URL points, decided from its scheme alone.
#[derive(Clone)]
pub(crate) enum Target {
    Postgres(String),
    Sqlite(PathBuf),
}

impl Target {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Target::Postgres(_) => Backend::Postgres,
            Target::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// `postgres://` / `postgresql://` select Postgres; `sqlite://path`,
    /// `sqlite:path` or a bare file path select SQLite. Errors name at most
    /// the scheme: the rest of the URL may hold a password.
    pub(crate) fn parse(url: &str) -> Result<Self, StorageError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(StorageError::InvalidUrl("the database URL is empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(with_connect_timeout(url)));
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

    /// A new connection. On SQLite a statement waits at most `lock_timeout`
    /// for another connection's lock: past that the database counts as
    /// unavailable, as a Postgres that cannot be reached within the pool's
    /// checkout timeout does.
    pub(crate) fn connect(&self, lock_timeout: Duration) -> Result<DbConnection, StorageError> {
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
                conn.batch_execute(&sqlite_pragmas(lock_timeout))
                    .map_err(|e| connect_err(format!("configuring the connection: {e}")))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// libpq's own bound on opening a connection, unless the URL sets one.
/// Without it, connecting to a server that accepts but never answers (hung,
/// or behind a half-open network) waits for the operating system's TCP
/// timeouts: minutes in which start-up hangs and the pool's reconnection
/// attempts are stuck, so the service is back long after the database.
const CONNECT_TIMEOUT_SECS: u32 = 5;

pub(crate) fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout={CONNECT_TIMEOUT_SECS}")
    } else {
        format!("{url}?connect_timeout={CONNECT_TIMEOUT_SECS}")
    }
}

/// Open one connection outside any pool, configured as pooled ones are (for
/// tools and tests that need raw SQL).
pub fn establish(url: &str) -> Result<DbConnection, StorageError> {
    let target = Target::parse(url)?;
    if let Target::Sqlite(path) = &target {
        create_parent_dir(path)?;
    }
    target.connect(crate::db::DEFAULT_CHECKOUT_TIMEOUT)
}

pub(crate) fn create_parent_dir(path: &Path) -> Result<(), StorageError> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

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
    fn postgres_urls_get_a_connect_timeout_unless_they_set_one() {
        let url = |u: &str| match Target::parse(u) {
            Ok(Target::Postgres(url)) => url,
            _ => panic!("{u} should select Postgres"),
        };
        assert_eq!(
            url("postgres://u@h/db"),
            "postgres://u@h/db?connect_timeout=5"
        );
        assert_eq!(
            url("postgres://u@h/db?sslmode=disable"),
            "postgres://u@h/db?sslmode=disable&connect_timeout=5"
        );
        assert_eq!(
            url("postgres://u@h/db?connect_timeout=30"),
            "postgres://u@h/db?connect_timeout=30"
        );
    }

    /// A server that accepts the connection and never answers.
    #[test]
    fn a_postgres_that_never_answers_is_refused_in_time() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let result = Target::parse(&format!("postgres://u@127.0.0.1:{port}/db"))
                .and_then(|t| t.connect(Duration::from_secs(2)));
            let _ = tx.send((result.is_err(), started.elapsed()));
        });
        let (failed, took) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("connecting gives up instead of hanging");
        assert!(failed);
        assert!(took < Duration::from_secs(15), "{took:?}");
        drop(silent);
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
}
