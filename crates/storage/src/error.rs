//! Errors. Opening and migrating a database fails with [`StorageError`];
//! store operations answer the domain's `StoreError`, and every store maps
//! diesel's errors to it here.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use patchbay_domain::StoreError;

use crate::backend::Backend;

/// Why the database could not be opened or migrated. Messages never contain
/// the database URL, which may hold a password.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database URL cannot be used (empty, an unknown scheme, no file,
    /// in-memory SQLite); the text says why and names at most the scheme.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// No connection could be opened, or a pooled one stopped answering.
    #[error("cannot connect to {backend}: {message}")]
    Connect {
        /// The engine it tried.
        backend: Backend,
        /// The driver's message (never the URL).
        message: String,
    },
    /// The SQLite database's directory could not be created.
    #[error("cannot create the directory {path} for the SQLite database: {source}")]
    CreateDir {
        /// The directory it tried to create.
        path: String,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
    /// The connection pool failed: it could not be built, or gave no
    /// connection.
    #[error("connection pool: {0}")]
    Pool(String),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Map a diesel error, naming what a unique violation collided with. A lost
/// connection, lock contention and a broken transaction state are
/// `Unavailable`: the database or connection is at fault, not the request.
pub(crate) fn db_error(what: &'static str) -> impl Fn(DieselError) -> StoreError {
    move |e| match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            StoreError::Duplicate(what)
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            StoreError::Reference(what)
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
            StoreError::Unavailable(info.message().to_owned())
        }
        DieselError::DatabaseError(_, info) if is_busy(info.message()) => {
            StoreError::Unavailable(info.message().to_owned())
        }
        DieselError::BrokenTransactionManager => {
            StoreError::Unavailable("the connection's transaction state is broken".into())
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// SQLite reports lock contention past the busy timeout only in its message.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

/// A stored value that does not decode; `whose` names the row.
pub(crate) fn corrupt(what: &str, whose: &str) -> StoreError {
    StoreError::Other(format!("stored {what} of {whose} is not valid"))
}
