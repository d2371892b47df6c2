//! The first API key of a fresh install. It is created only once the
//! server is bound and wired (a start that fails creates none), written to
//! a 0600 file before it is stored (so no key can exist that nobody can
//! read), and shown only on a terminal: never into a log stream.

use std::fs;
use std::io::{ErrorKind, IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use patchbay_domain::auth::{ApiKeyRecord, NewApiKey, Scopes};
use patchbay_domain::{ApiKeyId, TenantStore};
use secrecy::{ExposeSecret, SecretString};

use crate::logging::notice;
use crate::settings::LogFormat;

/// The organization a fresh install's bootstrap key belongs to.
pub const BOOTSTRAP_ORG: &str = "default";

/// On an empty database, create the `default` organization and an admin
/// key, first written to `file` when one is given; returns the key.
pub async fn create_if_first_start(
    store: &dyn TenantStore,
    file: Option<&Path>,
) -> anyhow::Result<Option<SecretString>> {
    if store.count_api_keys().await? > 0 {
        return Ok(None);
    }
    let org = store.ensure_organization(BOOTSTRAP_ORG).await?;
    let key = NewApiKey::generate();
    if let Some(path) = file {
        write_key_file(path, &key.plaintext).with_context(|| {
            format!(
                "writing the bootstrap admin key to {} (set api.bootstrap_key_file, \
                 PATCHBAY__API__BOOTSTRAP_KEY_FILE, to a writable path, or create the \
                 first key with `patchbay keys create --org {BOOTSTRAP_ORG} --scopes admin`)",
                path.display()
            )
        })?;
    }
    let record = ApiKeyRecord {
        id: ApiKeyId::generate(),
        org_id: org.id,
        name: "bootstrap".into(),
        display_prefix: key.display_prefix.clone(),
        scopes: Scopes::all(),
        created_at: patchbay_domain::service::now(),
        revoked_at: None,
    };
    if let Err(e) = store.insert_api_key(&record, &key.hash).await {
        // The file must not hold a key that was never stored.
        if let Some(path) = file {
            let _ = fs::remove_file(path);
        }
        return Err(e.into());
    }
    Ok(Some(key.plaintext))
}

/// The key alone on one line, in a file only its owner can read. It
/// appears whole (written aside, then renamed), and replaces a file left
/// by an earlier install.
fn write_key_file(path: &Path, key: &SecretString) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut aside = path.as_os_str().to_owned();
    aside.push(".new");
    let aside = Path::new(&aside);
    match fs::remove_file(aside) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("replacing {}", aside.display()));
        }
        _ => {}
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(aside)?;
    writeln!(file, "{}", key.expose_secret())?;
    file.sync_all()?;
    fs::rename(aside, path)?;
    Ok(())
}

/// Tell the operator about a key this start created: on a terminal (human
/// format) the key itself, after which its file is removed; anywhere else,
/// or when printing fails, only where the file is.
pub fn announce(key: &SecretString, file: &Path, format: LogFormat) {
    if format == LogFormat::Human && std::io::stdout().is_terminal() && print_banner(key).is_ok() {
        // Seen on a terminal: no copy is left on disk.
        if let Err(e) = fs::remove_file(file) {
            notice(
                "WARN",
                &format!("could not remove {} ({e}); delete it", file.display()),
                "could not remove the bootstrap key file; delete it",
                &[("path", &file.display().to_string())],
            );
        }
        return;
    }
    let path = file.display().to_string();
    notice(
        "WARN",
        &format!(
            "\n================================================================\n\
             Bootstrap admin API key created for the `{BOOTSTRAP_ORG}` organization.\n\
             Not printed (stdout is not a terminal); it is in\n\n    {path}   (mode 0600)\n\n\
             Store it, then delete the file.\n\
             ================================================================\n"
        ),
        "bootstrap admin API key created; it is in the file at `path` (mode 0600): store it, then delete the file",
        &[("path", &path), ("organization", BOOTSTRAP_ORG)],
    );
}

fn print_banner(key: &SecretString) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "\n================================================================\n\
         Bootstrap admin API key (shown once, store it now):\n\n    {}\n\n\
         Use it as: Authorization: Bearer <key>\n\
         ================================================================\n",
        key.expose_secret()
    )?;
    out.flush()
}

/// A later start while the key file is still there: say so, so the key
/// stays retrievable and the file is not forgotten.
pub fn remind(file: &Path) {
    if !file.exists() {
        return;
    }
    let path = file.display().to_string();
    notice(
        "WARN",
        &format!(
            "WARNING: the bootstrap admin API key is still in {path}: store it, then delete the file."
        ),
        "the bootstrap admin API key is still in the file at `path`: store it, then delete the file",
        &[("path", &path)],
    );
}
