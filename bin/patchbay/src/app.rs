//! The application factory: builds the real app from settings without
//! binding a fixed port, so the server, the tests and the spec share it.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use anyhow::Context;
use patchbay_api::server::ServerSettings;
use patchbay_api::{ApiConfig, ApiState};
use patchbay_domain::validation::ValidationPolicy;
use patchbay_domain::{IntegrationService, ProviderRegistry};
use patchbay_provider_ai::AiGatewayProvider;
use patchbay_provider_chat::{DiscordProvider, SlackProvider, TelegramProvider};
use patchbay_provider_email::{ResendProvider, SendgridProvider};
use patchbay_provider_kit::OutboundClient;
use patchbay_provider_web3::Web3Provider;
use patchbay_provider_webhook::WebhookProvider;
use patchbay_storage::{Database, SqlStore};
use secrecy::{ExposeSecret, SecretString};

use crate::keys::{KeyUse, LoadedKeyring, load_keyring};
use crate::settings::Settings;
use crate::shutdown::ShutdownPlan;

pub use crate::bootstrap::BOOTSTRAP_ORG;

pub struct Application {
    port: u16,
    server: Server,
    state: ApiState,
    store: Arc<SqlStore>,
    /// The delivery workers, started with the server.
    worker: Option<patchbay_delivery::Worker>,
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
    let url = settings.database.url.expose_secret().to_string();
    let pool_size = settings.database.pool_size;
    let checkout_timeout = Duration::from_millis(settings.database.checkout_timeout_ms);
    let db = tokio::task::spawn_blocking(move || -> anyhow::Result<Database> {
        let db = if one_shot {
            Database::connect_for_command(&url)
        } else {
            Database::connect_with_timeout(&url, pool_size, checkout_timeout)
        }
        .context("connecting to the database")?;
        db.run_migrations().context("running database migrations")?;
        Ok(db)
    })
    .await
    .context("database start-up task failed")??;
    let store = Arc::new(SqlStore::new(db, Arc::new(keyring)));
    if origin.needs_verification() {
        store
            .verify_keyring()
            .await
            .context("the configured keys cannot decrypt the stored secrets")?;
    }
    let notice = origin.persist()?;
    Ok((store, notice))
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
        let (store, key_notice) = open_store(&settings, KeyUse::Secrets).await?;
        let service = integration_service(&settings, &store)?;
        if let Some(entries) = provisioning {
            let reports = crate::provisioning::apply(entries, &service, store.as_ref())
                .await
                .context("applying the provisioning file")?;
            for r in &reports {
                tracing::info!(organization = %r.organization, result = %r.report, "provisioned");
            }
        }
        let metrics = Arc::new(patchbay_domain::delivery::DeliveryMetrics::new());
        let wake = patchbay_delivery::WakeSignal::new();
        let delivery_service = patchbay_domain::delivery::DeliveryService::new(
            store.clone(),
            store.clone(),
            Arc::new(wake.clone()),
            settings.delivery.service_settings(),
        );
        let group_service = patchbay_domain::group::GroupService::new(
            store.clone(),
            store.clone(),
            Arc::new(wake.clone()),
            settings.delivery.service_settings(),
        );
        let worker = if settings.delivery.workers_enabled {
            Some(
                patchbay_delivery::Worker::new(
                    store.clone(),
                    store.clone(),
                    // The same providers the use cases have (a registry of its own).
                    providers(&settings)?,
                    service.clone(),
                    settings.delivery.retry_policy(),
                    settings.delivery.worker_config(),
                    metrics.clone(),
                    wake,
                )
                .with_groups(store.clone()),
            )
        } else {
            None
        };
        let state = ApiState {
            integrations: service,
            tenants: store.clone(),
            delivery: Some(
                patchbay_api::routes::deliveries::DeliveryApi::new(delivery_service, metrics)
                    .with_groups(group_service),
            ),
            failed_auth: Default::default(),
        };
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
            store,
            worker,
            bootstrap_key,
            key_notice,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &ApiState {
        &self.state
    }

    pub fn store(&self) -> &Arc<SqlStore> {
        &self.store
    }

    /// Serve until SIGTERM or SIGINT, with the delivery workers beside the
    /// server, then shut down within [`Application::shutdown_bound`] (see
    /// `crate::shutdown`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let control = self.worker.as_ref().map(patchbay_delivery::Worker::control);
        if let Some(worker) = self.worker {
            worker.start();
        }
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
        self.worker.as_ref().map(|w| WorkerGuard(w.control()))
    }
}

/// How long a shutdown of an app on these settings may take, part by part.
pub fn shutdown_plan(settings: &Settings) -> ShutdownPlan {
    ShutdownPlan {
        http_drain: Duration::from_secs(settings.http.shutdown_timeout_secs),
        attempts_grace: Duration::from_millis(settings.delivery.shutdown_grace_ms),
    }
}

/// The use cases over this store, with every provider and the audit trail.
pub fn integration_service(
    settings: &Settings,
    store: &Arc<SqlStore>,
) -> anyhow::Result<IntegrationService> {
    Ok(IntegrationService::new(
        store.clone(),
        providers(settings)?,
        validation_policy(settings),
    )
    .with_audit(store.clone())
    .audit_in_store()
    // A quarter of the pool: a burst of tests leaves the rest to reads.
    .with_test_store_concurrency((settings.database.pool_size / 4).max(1) as usize))
}

/// The providers compiled into this build, all sharing the one guarded
/// outbound client. A type without a provider answers its test with an
/// honest "not available" error, never a fake success.
pub fn providers(settings: &Settings) -> anyhow::Result<ProviderRegistry> {
    let client = OutboundClient::new(settings.outbound.clone())
        .context("building the outbound HTTP client")?;
    let p = &settings.providers;
    let mut registry = ProviderRegistry::new();
    registry.register(Arc::new(DiscordProvider::new(client.clone())));
    registry.register(Arc::new(SlackProvider::new(
        client.clone(),
        p.slack.base_url.clone(),
    )));
    registry.register(Arc::new(TelegramProvider::new(
        client.clone(),
        p.telegram.base_url.clone(),
    )));
    registry.register(Arc::new(SendgridProvider::new(
        client.clone(),
        p.sendgrid.base_url.clone(),
        p.sendgrid.eu_base_url.clone(),
    )));
    registry.register(Arc::new(ResendProvider::new(
        client.clone(),
        p.resend.base_url.clone(),
    )));
    registry.register(Arc::new(WebhookProvider::new(client.clone())));
    registry.register(Arc::new(Web3Provider::new(client.clone())));
    registry.register(Arc::new(AiGatewayProvider::new(client)));
    Ok(registry)
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
