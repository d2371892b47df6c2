//! Errors of opening and migrating a database. Store operations answer the
//! domain's `StoreError` instead.

use crate::db::Backend;

/// Why the database could not be opened or migrated. Messages never contain
/// the database URL, which may hold a password.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    #[error("cannot connect to {backend}: {message}")]
    Connect { backend: Backend, message: String },
    #[error("cannot create the directory {path} for the SQLite database: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("connection pool: {0}")]
    Pool(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}
