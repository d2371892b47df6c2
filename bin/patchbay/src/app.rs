//! The application factory: builds the real app from settings without
//! binding a fixed port, so the server, the tests and the spec share it.
//! The wiring itself is `patchbay_embed`'s builder, the one an embedding
//! service uses; this maps the settings onto it.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use anyhow::Context;
use patchbay_api::server::ServerSettings;
use patchbay_api::{ApiConfig, ApiState};
use patchbay_domain::IntegrationService;
use patchbay_domain::validation::ValidationPolicy;
use patchbay_embed::{
    DatabaseOptions, DeliveryOptions, Patchbay, PatchbayBuilder, ProviderEndpoints,
};
use patchbay_storage::SqlStore;
use secrecy::{ExposeSecret, SecretString};

use crate::keys::{KeyUse, LoadedKeyring, load_keyring};
use crate::settings::Settings;
use crate::shutdown::ShutdownPlan;

pub use crate::bootstrap::BOOTSTRAP_ORG;

pub struct Application {
    port: u16,
    server: Server,
    state: ApiState,
    /// The use cases and the delivery workers, started with the server.
    patchbay: Patchbay,
    shutdown: ShutdownPlan,
    /// Set when this start created the first API key (stored only as a
    /// hash; see [`Application::build_with`] for its file).
    pub bootstrap_key: Option<SecretString>,
    /// Set when a development key file was generated.
    pub key_notice: Option<String>,
}

/// Open the database, run migrations and check the keyring against what is
/// stored; a generated development key is written only then. Shared by
/// `serve` and the maintenance subcommands.
pub async fn open_store(
    settings: &Settings,
    key_use: KeyUse,
) -> anyhow::Result<(Arc<SqlStore>, Option<String>)> {
    open_store_with(settings, key_use, false).await
}

/// As `open_store`, with a small pool that opens nothing in the background,
/// for subcommands that exit when done.
pub async fn open_store_for_command(
    settings: &Settings,
    key_use: KeyUse,
) -> anyhow::Result<(Arc<SqlStore>, Option<String>)> {
    open_store_with(settings, key_use, true).await
}

async fn open_store_with(
    settings: &Settings,
    key_use: KeyUse,
    one_shot: bool,
) -> anyhow::Result<(Arc<SqlStore>, Option<String>)> {
    let LoadedKeyring { keyring, origin } = load_keyring(settings, key_use)?;
    let store = patchbay_embed::open_store(
        &database_options(settings, one_shot),
        keyring,
        origin.needs_verification(),
    )
    .await?;
    let notice = origin.persist()?;
    Ok((store, notice))
}

/// The database settings as the builder takes them.
fn database_options(settings: &Settings, one_shot: bool) -> DatabaseOptions {
    DatabaseOptions {
        url: SecretString::from(settings.database.url.expose_secret().to_string()),
        pool_size: settings.database.pool_size,
        checkout_timeout: Duration::from_millis(settings.database.checkout_timeout_ms),
        one_shot,
    }
}

/// The builder on these settings: every built-in provider on the one
/// guarded outbound client, the validation policy and the delivery
/// settings (the database and keyring are added by the caller).
pub fn builder(settings: &Settings) -> PatchbayBuilder {
    let p = &settings.providers;
    Patchbay::builder()
        .outbound(settings.outbound.clone())
        .provider_endpoints(ProviderEndpoints {
            slack: p.slack.base_url.clone(),
            telegram: p.telegram.base_url.clone(),
            sendgrid: p.sendgrid.base_url.clone(),
            sendgrid_eu: p.sendgrid.eu_base_url.clone(),
            resend: p.resend.base_url.clone(),
        })
        .validation_policy(validation_policy(settings))
        .delivery(DeliveryOptions {
            service: settings.delivery.service_settings(),
            worker: settings.delivery.worker_config(),
            workers: settings.delivery.workers_enabled,
        })
}

impl Application {
    /// The app on these settings; a fresh database's bootstrap key is
    /// kept in memory only ([`Application::bootstrap_key`]).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, None).await
    }

    /// As [`Application::build`], with a fresh database's bootstrap key
    /// written to `bootstrap_key_file` (mode 0600) before it is stored.
    /// The key is created last, once the port is bound and everything is
    /// wired, so a start that fails leaves no key behind.
    pub async fn build_with(
        settings: Settings,
        bootstrap_key_file: Option<&Path>,
    ) -> anyhow::Result<Self> {
        // What can fail without the database first: a taken port or a bad
        // provisioning file then leave nothing behind.
        let listener = TcpListener::bind((settings.http.host.as_str(), settings.http.port))
            .with_context(|| format!("binding {}:{}", settings.http.host, settings.http.port))?;
        let provisioning = match &settings.provisioning.file {
            Some(path) => Some(
                crate::provisioning::load(path, &crate::provisioning::process_env)
                    .context("applying the provisioning file")?,
            ),
            None => None,
        };
        let LoadedKeyring { keyring, origin } = load_keyring(&settings, KeyUse::Secrets)?;
        let patchbay = builder(&settings)
            .database(database_options(&settings, false))
            .keyring(keyring)
            .verify_keyring(origin.needs_verification())
            .build()
            .await?;
        // Accepted by the store: a generated development key is written now,
        // before anything is sealed with it.
        let key_notice = origin.persist()?;
        let store = patchbay.store().clone();
        if let Some(entries) = provisioning {
            let reports =
                crate::provisioning::apply(entries, patchbay.integrations(), store.as_ref())
                    .await
                    .context("applying the provisioning file")?;
            for r in &reports {
                tracing::info!(organization = %r.organization, result = %r.report, "provisioned");
            }
        }
        let state = patchbay.api_state();
        let config = ApiConfig {
            max_body_bytes: settings.http.max_body_bytes,
            auth_cache_ttl: Duration::from_secs(settings.api.auth_cache_ttl_secs),
            auth_failure_limit: settings.api.auth_failure_limit,
            auth_failure_window: Duration::from_secs(settings.api.auth_failure_window_secs),
            trusted_proxies: patchbay_api::TrustedProxies::new(
                settings.api.trusted_proxies.clone(),
            ),
            cors_origins: patchbay_api::CorsOrigins::new(settings.api.cors_allowed_origins.clone()),
        };
        let port = listener
            .local_addr()
            .context("reading the bound address")?
            .port();
        let server_settings = ServerSettings {
            workers: settings.http.workers,
            client_request_timeout: Duration::from_millis(settings.http.client_request_timeout_ms),
            shutdown_timeout: Duration::from_secs(settings.http.shutdown_timeout_secs),
        };
        let server = patchbay_api::server::serve(listener, &server_settings, state.clone(), config)
            .context("starting the HTTP server")?;
        let bootstrap_key =
            crate::bootstrap::create_if_first_start(store.as_ref(), bootstrap_key_file).await?;
        let shutdown = shutdown_plan(&settings);
        Ok(Self {
            port,
            shutdown,
            server,
            state,
            patchbay,
            bootstrap_key,
            key_notice,
        })
    }

    /// The use cases and workers under the server.
    pub fn patchbay(&self) -> &Patchbay {
        &self.patchbay
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &ApiState {
        &self.state
    }

    pub fn store(&self) -> &Arc<SqlStore> {
        self.patchbay.store()
    }

    /// Serve until SIGTERM or SIGINT, with the delivery workers beside the
    /// server, then shut down within [`Application::shutdown_bound`] (see
    /// `crate::shutdown`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let control = self.patchbay.worker_control();
        self.patchbay.start_workers();
        crate::shutdown::serve_until(
            self.server,
            control,
            self.shutdown,
            crate::shutdown::stop_signal(),
        )
        .await
    }

    /// The longest a shutdown takes after SIGTERM.
    pub fn shutdown_bound(&self) -> Duration {
        self.shutdown.bound()
    }

    /// A guard that stops the delivery workers when dropped (and waits, up
    /// to a few seconds, for them to release their claims): tests keep it
    /// beside the app so the workers stop before the database goes away.
    pub fn worker_guard(&self) -> Option<WorkerGuard> {
        self.patchbay.worker_control().map(WorkerGuard)
    }
}

/// How long a shutdown of an app on these settings may take, part by part.
pub fn shutdown_plan(settings: &Settings) -> ShutdownPlan {
    ShutdownPlan {
        http_drain: Duration::from_secs(settings.http.shutdown_timeout_secs),
        attempts_grace: Duration::from_millis(settings.delivery.shutdown_grace_ms),
    }
}

/// The use cases over this store, with every provider and the audit trail
/// (the builder's wiring, over a store already open).
pub fn integration_service(
    settings: &Settings,
    store: &Arc<SqlStore>,
) -> anyhow::Result<IntegrationService> {
    let patchbay = builder(settings).assemble(store.clone())?;
    Ok(patchbay.integrations().clone())
}

pub fn validation_policy(settings: &Settings) -> ValidationPolicy {
    ValidationPolicy {
        extra_discord_hosts: settings.providers.discord.extra_hosts.clone(),
        extra_slack_hosts: settings.providers.slack.extra_hosts.clone(),
        require_https: settings.providers.require_https,
    }
}

/// Stops the delivery workers on drop; see [`Application::worker_guard`].
pub struct WorkerGuard(patchbay_delivery::WorkerControl);

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        self.0.request_stop();
        // Waiting needs a multi-thread runtime (`block_in_place`); elsewhere
        // the request to stop is all a drop can do.
        if let Ok(handle) = tokio::runtime::Handle::try_current()
            && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        {
            let control = self.0.clone();
            tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let _ = tokio::time::timeout(Duration::from_secs(5), control.shutdown()).await;
                })
            });
        }
    }
}
