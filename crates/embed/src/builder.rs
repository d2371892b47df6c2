//! [`PatchbayBuilder`]: what an embedding service chooses, and the one
//! wiring of stores, providers, use cases and workers (the standalone
//! binary is built with it too).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use patchbay_delivery::{WakeSignal, Worker, WorkerConfig};
use patchbay_domain::bulk::BulkService;
use patchbay_domain::catalogue::{self, TypeSpec};
use patchbay_domain::delivery::{DeliveryMetrics, DeliveryService, DeliverySettings};
use patchbay_domain::group::GroupService;
use patchbay_domain::validation::ValidationPolicy;
use patchbay_domain::{IntegrationService, IntegrationType, Provider, ProviderRegistry};
use patchbay_provider_ai::AiGatewayProvider;
use patchbay_provider_chat::{DiscordProvider, SlackProvider, TelegramProvider};
use patchbay_provider_email::{ResendProvider, SendgridProvider};
use patchbay_provider_kit::{OutboundClient, OutboundConfig};
use patchbay_provider_web3::Web3Provider;
use patchbay_provider_webhook::WebhookProvider;
use patchbay_storage::crypto::Keyring;
use patchbay_storage::{Database, SqlStore};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::{EmbedError, Patchbay};

/// Where the database is and how it is pooled.
#[derive(Clone)]
pub struct DatabaseOptions {
    /// `sqlite://path` (or a bare file path) or `postgres://...`.
    pub url: SecretString,
    /// Most connections open at once.
    pub pool_size: u32,
    /// The longest a call waits for a connection before the database
    /// counts as unavailable.
    pub checkout_timeout: Duration,
    /// A small pool that opens nothing in the background, for a process
    /// that does one thing and exits.
    pub one_shot: bool,
}

impl DatabaseOptions {
    /// This URL with the standalone service's defaults (16 connections, 2 s).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: SecretString::from(url.into()),
            pool_size: 16,
            checkout_timeout: patchbay_storage::DEFAULT_CHECKOUT_TIMEOUT,
            one_shot: false,
        }
    }
}

impl std::fmt::Debug for DatabaseOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("DatabaseOptions")
            .field("url", &"[redacted]")
            .field("pool_size", &self.pool_size)
            .field("checkout_timeout", &self.checkout_timeout)
            .field("one_shot", &self.one_shot)
            .finish()
    }
}

/// Open the database, run its migrations and, when `verify` is set, check
/// that `keyring` opens every secret stored (the error names a missing key
/// id). The first step of [`PatchbayBuilder::build`], for a process that
/// needs the store alone.
pub async fn open_store(
    options: &DatabaseOptions,
    keyring: Keyring,
    verify: bool,
) -> Result<Arc<SqlStore>, EmbedError> {
    let url = options.url.expose_secret().to_string();
    let (pool_size, checkout_timeout, one_shot) = (
        options.pool_size,
        options.checkout_timeout,
        options.one_shot,
    );
    let db = tokio::task::spawn_blocking(move || -> Result<Database, EmbedError> {
        let db = if one_shot {
            Database::connect_for_command(&url)
        } else {
            Database::connect_with_timeout(&url, pool_size, checkout_timeout)
        }
        .map_err(EmbedError::Database)?;
        db.run_migrations().map_err(EmbedError::Migrations)?;
        Ok(db)
    })
    .await
    .map_err(|e| EmbedError::Task(e.to_string()))??;
    let store = Arc::new(SqlStore::new(db, Arc::new(keyring)));
    if verify {
        store.verify_keyring().await.map_err(EmbedError::Keyring)?;
    }
    Ok(store)
}

/// Where the built-in providers send their requests (their public APIs by
/// default; a test or an on-premises relay points them elsewhere).
#[derive(Debug, Clone)]
pub struct ProviderEndpoints {
    /// Slack's Web API.
    pub slack: Url,
    /// Telegram's Bot API.
    pub telegram: Url,
    /// SendGrid's global API.
    pub sendgrid: Url,
    /// SendGrid's EU API.
    pub sendgrid_eu: Url,
    /// Resend's API.
    pub resend: Url,
}

impl Default for ProviderEndpoints {
    fn default() -> Self {
        let url = |s: &str| Url::parse(s).unwrap_or_else(|_| unreachable!("a valid constant URL"));
        Self {
            slack: url(patchbay_provider_chat::SLACK_API_BASE),
            telegram: url(patchbay_provider_chat::TELEGRAM_API_BASE),
            sendgrid: url(patchbay_provider_email::SENDGRID_GLOBAL_BASE),
            sendgrid_eu: url(patchbay_provider_email::SENDGRID_EU_BASE),
            resend: url(patchbay_provider_email::RESEND_API_BASE),
        }
    }
}

/// How deliveries are accepted, retried and worked.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// Retries, idempotency and the longest wait of a waiting send.
    pub service: DeliverySettings,
    /// Claiming, concurrency, pacing, re-tests and shutdown grace.
    pub worker: WorkerConfig,
    /// Run delivery workers in this process ([`Patchbay::start_workers`]);
    /// off, sends are accepted and another process delivers them.
    pub workers: bool,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            service: DeliverySettings::default(),
            worker: WorkerConfig::default(),
            workers: true,
        }
    }
}

/// Makes a provider for a registered type, on the shared outbound client.
type ProviderFactory =
    Arc<dyn Fn(IntegrationType, &OutboundClient) -> Arc<dyn Provider> + Send + Sync>;

/// Everything an embedding service chooses; [`PatchbayBuilder::build`]
/// opens the database and returns the [`Patchbay`] handle. Start from
/// [`Patchbay::builder`].
#[must_use]
pub struct PatchbayBuilder {
    database: Option<DatabaseOptions>,
    keyring: Option<Keyring>,
    verify_keyring: bool,
    outbound: OutboundConfig,
    built_in: Vec<IntegrationType>,
    endpoints: ProviderEndpoints,
    policy: ValidationPolicy,
    delivery: DeliveryOptions,
    custom: Vec<(TypeSpec, ProviderFactory)>,
}

impl Default for PatchbayBuilder {
    fn default() -> Self {
        Self {
            database: None,
            keyring: None,
            verify_keyring: true,
            outbound: OutboundConfig::default(),
            built_in: IntegrationType::BUILT_IN.to_vec(),
            endpoints: ProviderEndpoints::default(),
            policy: ValidationPolicy::default(),
            delivery: DeliveryOptions::default(),
            custom: Vec::new(),
        }
    }
}

impl PatchbayBuilder {
    /// The database: `sqlite://path` or `postgres://...` (required).
    pub fn database_url(self, url: impl Into<String>) -> Self {
        self.database(DatabaseOptions::new(url))
    }

    /// The database, with pool settings.
    pub fn database(mut self, options: DatabaseOptions) -> Self {
        self.database = Some(options);
        self
    }

    /// The keys that seal secrets at rest (required): the active one
    /// encrypts, all decrypt. See [`Keyring::parse`].
    pub fn keyring(mut self, keyring: Keyring) -> Self {
        self.keyring = Some(keyring);
        self
    }

    /// Skip the start-up check that the keyring opens what is stored (for a
    /// throw-away key that will seal nothing). On by default.
    pub fn verify_keyring(mut self, verify: bool) -> Self {
        self.verify_keyring = verify;
        self
    }

    /// The guarded outbound client's settings: timeouts, response cap and
    /// the private networks it may reach (none by default).
    pub fn outbound(mut self, config: OutboundConfig) -> Self {
        self.outbound = config;
        self
    }

    /// Register only these built-in providers (all eight by default). A
    /// type without a provider stays in the catalogue; its tests and sends
    /// answer that it is not available here, never a fake success.
    pub fn built_in_providers(mut self, types: &[IntegrationType]) -> Self {
        self.built_in = types.iter().copied().filter(|t| t.is_built_in()).collect();
        self
    }

    /// Where the built-in providers send their requests.
    pub fn provider_endpoints(mut self, endpoints: ProviderEndpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// What config validation accepts beyond the catalogue's rules.
    pub fn validation_policy(mut self, policy: ValidationPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Retries, workers and their shutdown grace.
    pub fn delivery(mut self, options: DeliveryOptions) -> Self {
        self.delivery = options;
        self
    }

    /// A type of the embedding service's own: its catalogue entry (see
    /// [`TypeSpec::custom`]; its id must be at least
    /// [`catalogue::CUSTOM_ID_MIN`]) and its provider, made on the shared
    /// guarded client. It then works as a built-in type does everywhere.
    pub fn custom_type<F, P>(mut self, spec: TypeSpec, provider: F) -> Self
    where
        F: Fn(IntegrationType, &OutboundClient) -> P + Send + Sync + 'static,
        P: Provider + 'static,
    {
        let factory: ProviderFactory =
            Arc::new(move |kind, client| Arc::new(provider(kind, client)));
        self.custom.push((spec, factory));
        self
    }

    /// Register the custom types, open and migrate the database, check the
    /// keyring and every stored row's type, and wire the use cases and the
    /// workers (not started: see [`Patchbay::start_workers`]). Needs a
    /// tokio runtime.
    pub async fn build(mut self) -> Result<Patchbay, EmbedError> {
        self.register_types()?;
        let database = self
            .database
            .clone()
            .ok_or(EmbedError::Missing("database_url"))?;
        let keyring = self.keyring.take().ok_or(EmbedError::Missing("keyring"))?;
        let store = open_store(&database, keyring, self.verify_keyring).await?;
        let unknown = store.unknown_types().await.map_err(EmbedError::Store)?;
        if !unknown.is_empty() {
            return Err(EmbedError::UnknownTypes(unknown));
        }
        self.assemble(store)
    }

    /// The wiring over a store already open (see [`open_store`]); the
    /// database and keyring given to the builder are not used.
    pub fn assemble(self, store: Arc<SqlStore>) -> Result<Patchbay, EmbedError> {
        let kinds = self.register_types()?;
        let providers = self.providers(&kinds)?;
        let test_store_concurrency = (store.database().pool_size() / 4).max(1) as usize;
        let integrations =
            IntegrationService::new(store.clone(), providers.clone(), self.policy.clone())
                .with_audit(store.clone())
                .audit_in_store()
                // A quarter of the pool: a burst of tests leaves the rest to reads.
                .with_test_store_concurrency(test_store_concurrency);
        let metrics = Arc::new(DeliveryMetrics::new());
        let wake = WakeSignal::new();
        let deliveries = DeliveryService::new(
            store.clone(),
            store.clone(),
            Arc::new(wake.clone()),
            self.delivery.service.clone(),
        );
        let groups = GroupService::new(
            store.clone(),
            store.clone(),
            Arc::new(wake.clone()),
            self.delivery.service.clone(),
        );
        let bulk = BulkService::new(deliveries.clone(), Some(groups.clone()), store.clone());
        let worker = self.delivery.workers.then(|| {
            Worker::new(
                store.clone(),
                store.clone(),
                providers,
                integrations.clone(),
                self.delivery.service.retry.clone(),
                self.delivery.worker.clone(),
                metrics.clone(),
                wake,
            )
            .with_groups(store.clone())
        });
        Ok(Patchbay {
            store,
            integrations,
            deliveries,
            groups,
            bulk,
            metrics,
            worker,
            started: Arc::new(AtomicBool::new(false)),
            shutdown_grace: self.delivery.worker.shutdown_grace,
        })
    }

    /// Add the custom types to the process-wide catalogue (an equal entry
    /// registered before is accepted again).
    fn register_types(&self) -> Result<Vec<IntegrationType>, EmbedError> {
        self.custom
            .iter()
            .map(|(spec, _)| catalogue::register(spec.clone()).map_err(EmbedError::Catalogue))
            .collect()
    }

    /// The chosen built-in providers and the custom ones, all on one
    /// guarded outbound client.
    fn providers(&self, custom: &[IntegrationType]) -> Result<ProviderRegistry, EmbedError> {
        let client = OutboundClient::new(self.outbound.clone()).map_err(EmbedError::Outbound)?;
        let e = &self.endpoints;
        let mut registry = ProviderRegistry::new();
        for kind in &self.built_in {
            let provider: Arc<dyn Provider> = match *kind {
                IntegrationType::Discord => Arc::new(DiscordProvider::new(client.clone())),
                IntegrationType::Slack => {
                    Arc::new(SlackProvider::new(client.clone(), e.slack.clone()))
                }
                IntegrationType::Telegram => {
                    Arc::new(TelegramProvider::new(client.clone(), e.telegram.clone()))
                }
                IntegrationType::Sendgrid => Arc::new(SendgridProvider::new(
                    client.clone(),
                    e.sendgrid.clone(),
                    e.sendgrid_eu.clone(),
                )),
                IntegrationType::Resend => {
                    Arc::new(ResendProvider::new(client.clone(), e.resend.clone()))
                }
                IntegrationType::Webhook => Arc::new(WebhookProvider::new(client.clone())),
                IntegrationType::Web3 => Arc::new(Web3Provider::new(client.clone())),
                IntegrationType::AiGateway => Arc::new(AiGatewayProvider::new(client.clone())),
                _ => continue,
            };
            registry.register(provider);
        }
        for ((_, factory), kind) in self.custom.iter().zip(custom) {
            let provider = factory(*kind, &client);
            if provider.kind() != *kind {
                return Err(EmbedError::ProviderKind {
                    expected: kind.slug(),
                    got: provider.kind().slug(),
                });
            }
            registry.register(provider);
        }
        Ok(registry)
    }
}
