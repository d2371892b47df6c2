//! Where the encryption keyring comes from: configured keys, a key file, or,
//! in development only, a key file generated on first start.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};
use patchbay_storage::crypto::Keyring;
use secrecy::ExposeSecret;

use crate::settings::{RunEnvironment, Settings};

/// The keyring for these settings. In development with no key configured, a
/// key file is generated on first start and the caller is told so, loudly.
pub fn load_keyring(settings: &Settings) -> anyhow::Result<(Keyring, Option<String>)> {
    let active = settings.secrets.active_key.as_deref();
    if let Some(keys) = &settings.secrets.keys {
        let ring = Keyring::parse(keys.expose_secret(), active)
            .context("secrets.keys is not a valid keyring")?;
        return Ok((ring, None));
    }
    if let Some(path) = &settings.secrets.key_file {
        return Ok((read_key_file(path, active)?, None));
    }
    if settings.environment == RunEnvironment::Production {
        bail!(
            "environment is production but no encryption key is configured (secrets.keys or secrets.key_file)"
        );
    }
    let path = &settings.secrets.dev_key_file;
    if path.exists() {
        return Ok((read_key_file(path, active)?, None));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let line = Keyring::generate_key_line("dev-1");
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
    let notice = format!(
        "WARNING: no encryption key configured; generated a development key at {} (mode 0600). \
         Stored secrets are readable only with this file. Configure secrets.keys or secrets.key_file for production.",
        path.display()
    );
    Ok((read_key_file(path, active)?, Some(notice)))
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
