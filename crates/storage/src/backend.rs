//! Which database engine a connection or pool talks to.

use std::fmt;

/// A database engine Patchbay stores in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// SQLite (embedded; the default).
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
