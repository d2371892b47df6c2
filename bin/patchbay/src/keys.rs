//! Where the encryption keyring comes from: configured keys, a key file, or,
//! in development only, a key file generated on first start.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use patchbay_storage::crypto::Keyring;
use secrecy::{ExposeSecret, SecretString};

use crate::settings::{RunEnvironment, Settings};

/// Whether a command reads or writes stored secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// It does (serving, provisioning, rotation): in development with no key
    /// configured, a key file is generated.
    Secrets,
    /// It does not (API key commands): a configured or existing key is
    /// still checked against the store, but none is generated.
    NoSecrets,
}

/// A keyring, and what remains to be done with it once the store accepted
/// it.
pub struct LoadedKeyring {
    pub keyring: Keyring,
    pub origin: KeyOrigin,
}

/// Where a keyring came from.
pub enum KeyOrigin {
    /// Configured, or read from an existing file.
    Existing,
    /// Generated for development; written by [`KeyOrigin::persist`].
    Generated { path: PathBuf, line: SecretString },
    /// A key held only in memory by a command that seals nothing.
    Throwaway,
}

impl KeyOrigin {
    /// Whether the store must be checked against this keyring (a throwaway
    /// key can decrypt nothing stored, and needs to).
    pub fn needs_verification(&self) -> bool {
        !matches!(self, Self::Throwaway)
    }

    /// Writes a generated development key to its file, and returns the
    /// notice to show. Call once the store accepted the keyring and before
    /// anything is sealed with it, so that a start that fails earlier
    /// leaves no key file behind and nothing is sealed with an unsaved key.
    pub fn persist(&self) -> anyhow::Result<Option<String>> {
        let Self::Generated { path, line } = self else {
            return Ok(None);
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating development key file {}", path.display()))?;
        writeln!(
            file,
            "# Patchbay development encryption key, generated on first start.\n\
             # Losing this file makes the stored secrets unreadable. Not for production.\n{}",
            line.expose_secret()
        )
        .with_context(|| format!("writing {}", path.display()))?;
        Ok(Some(format!(
            "WARNING: no encryption key configured; generated a development key at {} (mode 0600). \
             Stored secrets are readable only with this file. Configure secrets.keys or secrets.key_file for production.",
            path.display()
        )))
    }
}

/// The keyring for these settings. In development with no key configured
/// and no key file yet, a key is generated in memory for a command that
/// uses secrets (see [`KeyOrigin::persist`]).
pub fn load_keyring(settings: &Settings, key_use: KeyUse) -> anyhow::Result<LoadedKeyring> {
    let active = settings.secrets.active_key.as_deref();
    let existing = |keyring| LoadedKeyring {
        keyring,
        origin: KeyOrigin::Existing,
    };
    if let Some(keys) = &settings.secrets.keys {
        let ring = Keyring::parse(keys.expose_secret(), active)
            .context("secrets.keys is not a valid keyring")?;
        return Ok(existing(ring));
    }
    if let Some(path) = &settings.secrets.key_file {
        return Ok(existing(read_key_file(path, active)?));
    }
    if settings.environment == RunEnvironment::Production {
        bail!(
            "environment is production but no encryption key is configured (secrets.keys or secrets.key_file)"
        );
    }
    let path = &settings.secrets.dev_key_file;
    if path.exists() {
        return Ok(existing(read_key_file(path, active)?));
    }
    let line = Keyring::generate_key_line("dev-1");
    let keyring = Keyring::parse(line.expose_secret(), None)
        .context("parsing the generated development key")?;
    let origin = match key_use {
        KeyUse::Secrets => KeyOrigin::Generated {
            path: path.clone(),
            line,
        },
        KeyUse::NoSecrets => KeyOrigin::Throwaway,
    };
    Ok(LoadedKeyring { keyring, origin })
}

fn read_key_file(path: &Path, active: Option<&str>) -> anyhow::Result<Keyring> {
    let meta =
        fs::metadata(path).with_context(|| format!("reading key file {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "key file is readable by other users; chmod 600 it");
    }
    let text =
        fs::read_to_string(path).with_context(|| format!("reading key file {}", path.display()))?;
    Keyring::parse(&text, active)
        .with_context(|| format!("key file {} is not a valid keyring", path.display()))
}
