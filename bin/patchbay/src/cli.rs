//! Subcommands: serve (default), migrate, keys, provision, openapi.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use patchbay_domain::auth::{ApiKeyRecord, NewApiKey, Scopes};
use patchbay_domain::{ApiKeyId, OrgId, TenantStore};
use patchbay_storage::Database;
use patchbay_storage::crypto::Keyring;
use secrecy::ExposeSecret;

use crate::app::{Application, integration_service, open_store_for_command};
use crate::keys::KeyUse;
use crate::new_files::NewFiles;
use crate::settings::{LogFormat, Settings};

#[derive(Debug, Parser)]
#[command(name = "patchbay", version, about = "Patchbay integrations service")]
pub struct Cli {
    /// Configuration file (TOML). Default: ./patchbay.toml when present.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage API keys and encryption keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print the OpenAPI document.
    Openapi,
    /// Apply the provisioning file (operator-managed integrations) and exit:
    /// create, update and delete managed integrations to match it.
    Provision {
        /// The file to apply; default: the `provisioning.file` setting.
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key; prints the key alone on stdout.
    Create {
        /// Organization name; created if it does not exist.
        #[arg(long)]
        org: String,
        /// Comma-separated scopes: read, write, test, admin.
        #[arg(long, default_value = "read,write,test")]
        scopes: String,
        /// A label to recognise the key by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List API keys (never the keys themselves).
    List,
    /// Revoke an API key by its id (key_...).
    Revoke { id: String },
    /// Re-encrypt every stored secret under the active encryption key.
    /// Safe to interrupt and run again.
    Rotate {
        #[arg(long, default_value_t = 500)]
        batch_size: usize,
    },
    /// Print a new encryption key line (`id:base64`) for secrets.keys.
    Generate {
        #[arg(long, default_value = "k1")]
        id: String,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        let doc = patchbay_api::openapi()
            .to_pretty_json()
            .context("serialising the OpenAPI document")?;
        println!("{doc}");
        return Ok(());
    }
    if let Command::Keys(KeysCommand::Generate { id }) = &command {
        println!("{}", Keyring::generate_key_line(id).expose_secret());
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    crate::logging::init(&settings.log)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let new_files = NewFiles::watch(&settings);
    if let Command::Serve = command {
        return runtime.block_on(serve(settings, new_files));
    }
    let result = match command {
        Command::Migrate => migrate(&settings),
        Command::Keys(keys) => runtime.block_on(keys_command(settings, keys)),
        Command::Provision { file } => runtime.block_on(provision(settings, file)),
        Command::Serve | Command::Openapi => Ok(()),
    };
    if result.is_err() {
        new_files.remove();
    }
    result
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let url = settings.database.url.expose_secret().to_string();
    let db = Database::connect_for_command(&url).context("connecting to the database")?;
    db.run_migrations().context("running database migrations")?;
    say("migrations applied");
    Ok(())
}

async fn serve(settings: Settings, new_files: NewFiles) -> anyhow::Result<()> {
    let (host, database) = (settings.http.host.clone(), backend_name(&settings));
    let key_file = settings.api.bootstrap_key_file.clone();
    let format = settings.log.format;
    let app = match Application::build_with(settings, Some(&key_file)).await {
        Ok(app) => app,
        Err(e) => {
            new_files.remove();
            return Err(e);
        }
    };
    if let Some(notice) = &app.key_notice {
        key_notice(notice);
    }
    match &app.bootstrap_key {
        Some(key) => crate::bootstrap::announce(key, &key_file, format),
        None => crate::bootstrap::remind(&key_file),
    }
    tracing::info!(
        %host,
        port = app.port(),
        database,
        shutdown_bound_ms = app.shutdown_bound().as_millis() as u64,
        "patchbay listening"
    );
    app.run_until_stopped().await.context("HTTP server failed")
}

/// A command's report on stderr (stdout carries only its result).
fn say(text: &str) {
    crate::logging::notice("INFO", text, text, &[]);
}

/// The development key file was generated: loud, past the log filter.
fn key_notice(text: &str) {
    crate::logging::notice("WARN", &format!("\n{text}\n"), text, &[]);
}

async fn provision(settings: Settings, file: Option<PathBuf>) -> anyhow::Result<()> {
    let Some(path) = file.or_else(|| settings.provisioning.file.clone()) else {
        bail!(
            "no provisioning file: pass --file or set provisioning.file \
             (PATCHBAY__PROVISIONING__FILE)"
        );
    };
    // The file first: a bad file is reported without touching the database.
    let entries = crate::provisioning::load(&path, &crate::provisioning::process_env)?;
    let (store, notice) = open_store_for_command(&settings, KeyUse::Secrets).await?;
    if let Some(notice) = notice {
        key_notice(&notice);
    }
    let service = integration_service(&settings, &store)?;
    let reports = crate::provisioning::apply(entries, &service, store.as_ref()).await?;
    if reports.is_empty() {
        println!("nothing to provision");
    }
    for r in reports {
        println!("{}: {}", r.organization, r.report);
    }
    Ok(())
}

fn backend_name(settings: &Settings) -> &'static str {
    if settings
        .database
        .url
        .expose_secret()
        .starts_with("postgres")
    {
        "postgres"
    } else {
        "sqlite"
    }
}

async fn keys_command(settings: Settings, command: KeysCommand) -> anyhow::Result<()> {
    // Refuse bad arguments before touching the database or the key file.
    match &command {
        KeysCommand::Create { scopes, org, .. } => {
            Scopes::parse_csv(scopes).map_err(anyhow::Error::msg)?;
            if org.trim().is_empty() {
                bail!("--org must not be empty");
            }
        }
        KeysCommand::Revoke { id } => {
            id.parse::<ApiKeyId>()
                .context("not an API key id (key_...)")?;
        }
        _ => {}
    }
    // Only rotation touches secrets: the API key commands need no
    // encryption key, so they never generate one.
    let key_use = match command {
        KeysCommand::Rotate { .. } => KeyUse::Secrets,
        _ => KeyUse::NoSecrets,
    };
    let (store, notice) = open_store_for_command(&settings, key_use).await?;
    if let Some(notice) = notice {
        key_notice(&notice);
    }
    match command {
        KeysCommand::Create { org, scopes, name } => {
            let scopes = Scopes::parse_csv(&scopes).map_err(anyhow::Error::msg)?;
            let org_name = org.trim();
            if org_name.is_empty() {
                bail!("--org must not be empty");
            }
            let org = store.ensure_organization(org_name).await?;
            let key = NewApiKey::generate();
            let record = ApiKeyRecord {
                id: ApiKeyId::generate(),
                org_id: org.id.clone(),
                name,
                display_prefix: key.display_prefix.clone(),
                scopes,
                created_at: patchbay_domain::service::now(),
                revoked_at: None,
            };
            store.insert_api_key(&record, &key.hash).await?;
            say(&format!(
                "created {} for organization {} ({})",
                record.id, org.name, org.id
            ));
            println!("{}", key.plaintext.expose_secret());
        }
        KeysCommand::List => list_api_keys(store.as_ref()).await?,
        KeysCommand::Revoke { id } => {
            let id: ApiKeyId = id.parse().context("not an API key id (key_...)")?;
            revoke_api_key(store.as_ref(), &id).await?;
        }
        KeysCommand::Rotate { batch_size } => {
            // A progress bar is for a terminal; JSON logs get only the result.
            let bar = match settings.log.format {
                LogFormat::Json => indicatif::ProgressBar::hidden(),
                LogFormat::Human => indicatif::ProgressBar::new(0),
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "re-encrypting {bar:40} {pos}/{len} rows ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let progress_bar = bar.clone();
            let done = store
                .rotate(batch_size.max(1), move |done, total| {
                    progress_bar.set_length(u64::try_from(total).unwrap_or(u64::MAX));
                    progress_bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
                })
                .await
                .context("rotating encryption keys (safe to run again)")?;
            bar.finish_and_clear();
            say(&format!("re-encrypted {done} rows under the active key"));
        }
        KeysCommand::Generate { .. } => {}
    }
    Ok(())
}

/// Every API key (never the key itself), with its organization's name.
async fn list_api_keys(store: &dyn TenantStore) -> anyhow::Result<()> {
    let keys = store.list_api_keys(None).await?;
    let mut org_names: HashMap<OrgId, String> = HashMap::new();
    for k in &keys {
        if !org_names.contains_key(&k.org_id) {
            let name = match store.get_organization(&k.org_id).await? {
                Some(org) => org.name,
                None => k.org_id.to_string(),
            };
            org_names.insert(k.org_id.clone(), name);
        }
    }
    let org_width = org_names
        .values()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max("ORG".len());
    println!(
        "{:<31} {:<org_width$} {:<12} {:<24} {:<10} CREATED",
        "ID", "ORG", "PREFIX", "SCOPES", "STATE"
    );
    for k in keys {
        let state = if k.revoked_at.is_some() {
            "revoked"
        } else {
            "active"
        };
        println!(
            "{:<31} {:<org_width$} {:<12} {:<24} {:<10} {}",
            k.id,
            org_names.get(&k.org_id).map_or("", String::as_str),
            k.display_prefix,
            k.scopes.to_csv(),
            state,
            k.created_at.to_rfc3339()
        );
    }
    Ok(())
}

/// Revokes a key, saying plainly when there is no such key or it is
/// revoked already.
async fn revoke_api_key(store: &dyn TenantStore, id: &ApiKeyId) -> anyhow::Result<()> {
    if store
        .revoke_api_key(id, patchbay_domain::service::now())
        .await?
    {
        say(&format!("revoked {id}"));
        return Ok(());
    }
    let keys = store.list_api_keys(None).await?;
    match keys.iter().find(|k| &k.id == id).and_then(|k| k.revoked_at) {
        Some(at) => bail!(
            "API key {id} is already revoked (since {})",
            at.to_rfc3339()
        ),
        None => bail!("there is no API key {id} (`patchbay keys list` shows the keys)"),
    }
}
