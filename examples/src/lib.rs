//! What the three examples beside this crate share: a throw-away database
//! and keyring, and outbound settings that let Patchbay reach the mocks the
//! examples start on loopback. See `docs/embedding.md`.

#![warn(missing_docs)]
use std::path::PathBuf;

use patchbay_embed::storage::crypto::KeyringError;
use patchbay_embed::{IpCidr, Keyring, OutboundConfig};

/// A fresh SQLite database in a temporary folder (removed on drop).
pub struct ScratchDatabase {
    dir: tempfile::TempDir,
}

impl ScratchDatabase {
    /// A new, empty folder for the database file.
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            dir: tempfile::tempdir()?,
        })
    }

    /// The database file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("patchbay.sqlite3")
    }

    /// Its URL, for `PatchbayBuilder::database_url`.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path().display())
    }
}

/// An obviously fake key, for examples only: a real service loads its
/// keyring from its secret store (`Keyring::parse("id:BASE64,...", None)`).
pub fn example_keyring() -> Result<Keyring, KeyringError> {
    Keyring::parse("example:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", None)
}

/// The guarded client's defaults, with loopback allowed: the examples'
/// mocks listen on 127.0.0.1. A production service allows nothing private
/// unless its own endpoints live there.
pub fn loopback_outbound() -> OutboundConfig {
    OutboundConfig {
        allow_private_networks: vec![
            "127.0.0.0/8"
                .parse::<IpCidr>()
                .unwrap_or_else(|_| unreachable!("a valid constant range")),
        ],
        ..OutboundConfig::default()
    }
}
